using System.Net;
using System.Text.RegularExpressions;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Localization;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Subscriptions;
using RapidStart.UnitTests.TestSupport;

namespace RapidStart.UnitTests.Localization;

/// <summary>The lifecycle's mails: in the customer's language, the same words in both parts, one call to action.</summary>
public sealed partial class EmailComposerTests
{
    private static readonly Uri Link = new("https://rapidstart.example/api/activate?token=abc%2Bdef");
    private static readonly DateTimeOffset Expires = new(2027, 1, 15, 14, 30, 0, TimeSpan.Zero);

    public static TheoryData<string> Countries()
    {
        var data = new TheoryData<string>();
        foreach (var country in new[] { "US", "DE", "FR", "ES", "BR", "IT", "NL", "DK", "NO", "SE", "FI", "PL", "JP" })
        {
            data.Add(country);
        }

        return data;
    }

    [Fact]
    public void Invitation_to_a_German_customer_is_in_German()
    {
        // Arrange
        var (customer, subscription) = Invited("DE");

        // Act
        var mail = EmailComposer.Invitation(customer, subscription, Link, Expires, new string('a', 64));

        // Assert
        Assert.Equal("RapidStart Services für Contoso GmbH aktivieren", mail.Subject);
        Assert.StartsWith("Hallo Dana Admin,\n\nIhr Partner P-1001 hat RapidStart Services für Contoso GmbH eingerichtet", mail.PlainText);
        Assert.Contains("läuft am Freitag, 15. Januar 2027 15:30 (14:30 UTC) ab", mail.PlainText);
        Assert.Contains("<html lang=\"de\">", mail.Html);
        Assert.Equal(NotificationKinds.Invitation, mail.Kind);
        Assert.Equal(Link, mail.ActionLink);
    }

    [Theory]
    [MemberData(nameof(Countries))]
    public void Invitation_has_one_call_to_action_and_both_parts_say_the_same(string country)
    {
        var (customer, subscription) = Invited(country);

        var mail = EmailComposer.Invitation(customer, subscription, Link, Expires, new string('a', 64));

        Assert.Contains("Contoso GmbH", mail.Subject);
        Assert.Equal(Text.Get(Language.ForCountry(country), "Mail_Invitation_Subject").Replace("{0}", "Contoso GmbH"), mail.Subject);
        var href = Assert.Single(HrefPattern().Matches(mail.Html));
        Assert.Equal(WebUtility.HtmlEncode(Link.ToString()), href.Groups["href"].Value);
        Assert.Single(Regex.Matches(mail.PlainText, Regex.Escape(Link.ToString())));
        AssertSameWords(mail);
    }

    [Theory]
    [MemberData(nameof(Countries))]
    public void Lifecycle_notices_are_in_the_customers_language_and_both_parts_say_the_same(string country)
    {
        var (customer, invited) = Invited(country);
        var language = Language.ForCountry(country);
        var inactive = invited.Inactivate(TestData.Start.AddDays(90), TestData.Retention, "system:test").Item1;

        var mails = new[]
        {
            EmailComposer.TrialReminder(customer, invited, TestData.AdministratorEmail, TimeSpan.FromDays(14)),
            EmailComposer.Inactivated(customer, inactive, TestData.AdministratorEmail),
            EmailComposer.Purged(customer, inactive, TestData.AdministratorEmail),
        };

        Assert.All(mails, mail =>
        {
            Assert.Contains("Contoso GmbH", mail.Subject);
            Assert.Contains($"lang=\"{language.Code}\"", mail.Html);
            Assert.Null(mail.ActionLink);
            Assert.DoesNotContain("href=", mail.Html);
            AssertSameWords(mail);
        });
        Assert.Contains(language.Date(invited.TrialEndsAt!.Value), mails[0].Subject);
        Assert.Contains(language.DateTime(inactive.RetentionEndsAt!.Value), mails[1].PlainText);
        Assert.Equal(
            [NotificationKinds.TrialReminder, NotificationKinds.Inactivated, NotificationKinds.Purged],
            mails.Select(m => m.Kind).ToArray());
    }

    [Fact]
    public void Mail_language_follows_the_customers_address_not_the_country_of_use()
    {
        var (customer, subscription) = Invited("AT");

        var mail = EmailComposer.Invitation(customer, subscription, Link, Expires, new string('a', 64));

        Assert.StartsWith("Hallo", mail.PlainText);
        Assert.Contains("15:30 (14:30 UTC)", mail.PlainText); // Vienna is UTC+1 in January
    }

    /// <summary>Each paragraph of the plain-text part is a paragraph (or the button) of the HTML part, in the same order.</summary>
    private static void AssertSameWords(EmailMessage mail)
    {
        // The call to action is "label:\nlink" in plain text and a labelled link in HTML.
        var paragraphs = mail.PlainText.TrimEnd('\n').Split("\n\n").Select(p => p.Contains('\n') ? p.Split('\n')[0].TrimEnd(':') : p).ToList();
        var position = 0;
        foreach (var paragraph in paragraphs)
        {
            var at = mail.Html.IndexOf(WebUtility.HtmlEncode(paragraph), position, StringComparison.Ordinal);
            Assert.True(at >= 0, $"The HTML part lacks, or reorders: {paragraph}");
            position = at;
        }

        var htmlText = TagPattern().Replace(mail.Html[mail.Html.IndexOf("<body", StringComparison.Ordinal)..], "\n");
        var htmlParagraphs = htmlText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(WebUtility.HtmlDecode);
        Assert.Equal(paragraphs, htmlParagraphs);
    }

    private static (Customer, Subscription) Invited(string country)
    {
        var customer = TestData.Customer() with
        {
            Organization = new Organization("Contoso GmbH", TestData.Address(country)),
        };
        return (customer, TestData.Invited(customer));
    }

    [GeneratedRegex("href=\"(?<href>[^\"]*)\"")]
    private static partial Regex HrefPattern();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex TagPattern();
}
