using System.Net;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Domain.Notifications;

/// <summary>
/// The text of every email the lifecycle sends. Each idempotency key names the logical message, so
/// a retried activity that sends it again is recognised by adapters that can deduplicate.
/// </summary>
public static class EmailComposer
{
    public static EmailMessage Invitation(Customer customer, Subscription subscription, Uri link, DateTimeOffset expiresAt, string tokenHash)
    {
        var invitation = subscription.Invitation!;
        var organization = customer.Organization!.Name;
        var subject = $"Activate RapidStart Services for {organization}";
        var text =
            $"Hello {invitation.AdministratorName},\n\n" +
            $"Your partner ({customer.PartnerId}) has set up RapidStart Services for {organization} and invites you to be its administrator.\n\n" +
            $"Open this link and sign in with the Microsoft account {invitation.MicrosoftAccountId}:\n{link}\n\n" +
            $"The link works once and expires on {expiresAt:yyyy-MM-dd HH:mm} UTC. If it has expired, ask your partner to send a new one.\n";
        return Compose(invitation.ContactEmail, subject, text, $"{subscription.Key}:invitation:{invitation.Sequence}:{tokenHash[..16]}", link);
    }

    public static EmailMessage TrialReminder(Customer customer, Subscription subscription, string contactEmail, TimeSpan offset)
    {
        var organization = customer.Organization!.Name;
        var subject = $"RapidStart Services for {organization}: trial ends {subscription.TrialEndsAt:yyyy-MM-dd}";
        var text =
            $"RapidStart Services for {organization} is in its trial period, which ends on {subscription.TrialEndsAt:yyyy-MM-dd HH:mm} UTC.\n\n" +
            "To keep the service, ask your partner to add your VOICE account number before then. Otherwise the service becomes inactive, " +
            "and its data is deleted after the retention period.\n";
        return Compose(contactEmail, subject, text, $"{subscription.Key}:reminder:{(long)offset.TotalSeconds}");
    }

    public static EmailMessage Inactivated(Customer customer, Subscription subscription, string contactEmail)
    {
        var organization = customer.Organization!.Name;
        var subject = $"RapidStart Services for {organization} is inactive";
        var text =
            $"The trial of RapidStart Services for {organization} ended without a VOICE account number, so the service is now inactive.\n\n" +
            $"Your data is kept until {subscription.RetentionEndsAt:yyyy-MM-dd HH:mm} UTC. To reactivate, contact Support with your VOICE account number before then.\n";
        return Compose(contactEmail, subject, text, $"{subscription.Key}:inactivated:{subscription.InactivatedAt:O}");
    }

    public static EmailMessage Purged(Customer customer, Subscription subscription, string contactEmail)
    {
        var organization = customer.Organization!.Name;
        var subject = $"RapidStart Services data for {organization} has been deleted";
        var text =
            $"The retention period of RapidStart Services for {organization} ended on {subscription.RetentionEndsAt:yyyy-MM-dd HH:mm} UTC, " +
            "so its data (organization details, administrator and users) has been deleted.\n";
        return Compose(contactEmail, subject, text, $"{subscription.Key}:purged");
    }

    private static EmailMessage Compose(string to, string subject, string text, string idempotencyKey, Uri? link = null)
    {
        var html = "<!doctype html><html><body>" +
            string.Join("", text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(Paragraph)) +
            "</body></html>";
        return new EmailMessage(to, subject, text, html, idempotencyKey, link);

        string Paragraph(string block)
        {
            var encoded = WebUtility.HtmlEncode(block.Trim()).Replace("\n", "<br>");
            if (link is not null)
            {
                var href = WebUtility.HtmlEncode(link.ToString());
                encoded = encoded.Replace(href, $"<a href=\"{href}\">{href}</a>");
            }

            return $"<p>{encoded}</p>";
        }
    }
}
