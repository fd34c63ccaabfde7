using System.Net;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Localization;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Domain.Notifications;

/// <summary>
/// The text of every email the lifecycle sends, in the customer's language (from its address
/// country/region, see <see cref="Language.ForCountry"/>). Each mail is one plain-text part and one
/// HTML part that say the same; the subject names the organization and what to do; an invitation's
/// link is its one call to action. Each idempotency key names the logical message, so a retried
/// activity that sends it again is recognised by adapters that can deduplicate.
/// </summary>
public static class EmailComposer
{
    public static EmailMessage Invitation(Customer customer, Subscription subscription, Uri link, DateTimeOffset expiresAt, string tokenHash, Language? language = null)
    {
        var l = language ?? LanguageOf(customer, subscription);
        var invitation = subscription.Invitation!;
        var organization = customer.Organization!.Name;
        var mail = new Mail(
            Text.Format(l, "Mail_Invitation_Subject", organization),
            Text.Format(l, "Mail_Greeting", invitation.AdministratorName),
            [
                Text.Format(l, "Mail_Invitation_Intro", customer.PartnerId, organization),
                Text.Format(l, "Mail_Invitation_Account", invitation.MicrosoftAccountId),
            ],
            new Action(Text.Get(l, "Mail_Invitation_Action"), link),
            [Text.Format(l, "Mail_Invitation_Expiry", l.DateTime(expiresAt))]);
        return mail.Compose(l, NotificationKinds.Invitation, invitation.ContactEmail, $"{subscription.Key}:invitation:{invitation.Sequence}:{tokenHash[..16]}");
    }

    public static EmailMessage TrialReminder(Customer customer, Subscription subscription, string contactEmail, TimeSpan offset, Language? language = null)
    {
        var l = language ?? LanguageOf(customer, subscription);
        var organization = customer.Organization!.Name;
        var deadline = subscription.TrialEndsAt!.Value;
        var mail = new Mail(
            Text.Format(l, "Mail_Reminder_Subject", organization, l.Date(deadline)),
            Greeting: null,
            [Text.Format(l, "Mail_Reminder_Body", organization, l.DateTime(deadline)), Text.Get(l, "Mail_Reminder_Action")]);
        return mail.Compose(l, NotificationKinds.TrialReminder, contactEmail, $"{subscription.Key}:reminder:{(long)offset.TotalSeconds}");
    }

    public static EmailMessage Inactivated(Customer customer, Subscription subscription, string contactEmail, Language? language = null)
    {
        var l = language ?? LanguageOf(customer, subscription);
        var organization = customer.Organization!.Name;
        var mail = new Mail(
            Text.Format(l, "Mail_Inactivated_Subject", organization),
            Greeting: null,
            [
                Text.Format(l, "Mail_Inactivated_Body", organization),
                Text.Format(l, "Mail_Inactivated_Action", l.DateTime(subscription.RetentionEndsAt!.Value)),
            ]);
        return mail.Compose(l, NotificationKinds.Inactivated, contactEmail, $"{subscription.Key}:inactivated:{subscription.InactivatedAt:O}");
    }

    public static EmailMessage Purged(Customer customer, Subscription subscription, string contactEmail, Language? language = null)
    {
        var l = language ?? LanguageOf(customer, subscription);
        var organization = customer.Organization!.Name;
        var mail = new Mail(
            Text.Format(l, "Mail_Purged_Subject", organization),
            Greeting: null,
            [Text.Format(l, "Mail_Purged_Body", organization, l.DateTime(subscription.RetentionEndsAt!.Value))]);
        return mail.Compose(l, NotificationKinds.Purged, contactEmail, $"{subscription.Key}:purged");
    }

    /// <summary>The customer's language: from its address, else from the subscription's country/region of use.</summary>
    public static Language LanguageOf(Customer customer, Subscription subscription) =>
        Language.ForCountry(customer.Organization?.Address.CountryRegion ?? subscription.CountryRegion);

    private sealed record Action(string Label, Uri Link);

    /// <summary>One mail's content, before it becomes the two parts: the same paragraphs in the same order in each.</summary>
    private sealed record Mail(string Subject, string? Greeting, IReadOnlyList<string> Before, Action? CallToAction = null, IReadOnlyList<string>? After = null)
    {
        public EmailMessage Compose(Language language, string kind, string to, string idempotencyKey)
        {
            var signature = Text.Get(language, "Mail_Signature");
            var after = After ?? [];

            var text = new List<string>();
            if (Greeting is not null)
            {
                text.Add(Greeting);
            }

            text.AddRange(Before);
            if (CallToAction is { } action)
            {
                text.Add($"{action.Label}:\n{action.Link}");
            }

            text.AddRange(after);
            text.Add(signature);
            var plain = string.Join("\n\n", text) + "\n";

            string E(string value) => WebUtility.HtmlEncode(value);
            string P(string value) => $"<p style=\"margin:0 0 16px\">{E(value)}</p>";
            var html =
                $"<!doctype html><html lang=\"{language.Code}\"><head><meta charset=\"utf-8\">" +
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
                $"<title>{E(Subject)}</title></head>" +
                "<body style=\"margin:0;padding:0;background:#f3f4f6\">" +
                "<div style=\"max-width:560px;margin:0 auto;padding:24px 16px;font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1f2937\">" +
                "<div style=\"background:#ffffff;border-radius:8px;padding:24px\">" +
                (Greeting is null ? "" : P(Greeting)) +
                string.Concat(Before.Select(P)) +
                (CallToAction is { } cta
                    ? "<p style=\"margin:24px 0\">" +
                      $"<a href=\"{E(cta.Link.ToString())}\" style=\"display:inline-block;background:#0f5fc7;color:#ffffff;text-decoration:none;font-weight:600;padding:12px 20px;border-radius:6px\">{E(cta.Label)}</a></p>"
                    : "") +
                string.Concat(after.Select(P)) +
                $"<p style=\"margin:0;color:#4b5563\">{E(signature)}</p>" +
                "</div></div></body></html>";
            return new EmailMessage(to, Subject, plain, html, idempotencyKey, CallToAction?.Link, kind);
        }
    }
}
