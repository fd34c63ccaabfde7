using Microsoft.AspNetCore.Http;
using RapidStart.Domain.Activation;
using RapidStart.Domain.Localization;
using RapidStart.Domain.Problems;
using RapidStart.Functions.Http.Views;
using RapidStart.UnitTests.TestSupport;

namespace RapidStart.UnitTests.Functions;

public class ActivationPageTests
{
    private static readonly ActivationView View = new(
        "Contoso <Ltd>", "P-1001", "Dana Admin", "dana@contoso.com", "rapidstart", "DE", TestData.Start.AddDays(30), "2026-01", "2026-01");

    [Fact]
    public void Render_offers_Microsoft_sign_in_and_no_token_field()
    {
        // Act
        var html = ActivationPage.Render(View);

        // Assert
        Assert.Contains("id=\"signIn\"", html, StringComparison.Ordinal);
        Assert.Contains("src=\"console/msal-browser.min.js\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"bearer\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("devSignIn", html, StringComparison.Ordinal);
        Assert.DoesNotContain("type=\"password\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_encodes_the_invitations_values()
    {
        // Act
        var html = ActivationPage.Render(View);

        // Assert
        Assert.Contains("<strong id=\"organization\">Contoso &lt;Ltd&gt;</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<strong id=\"account\">dana@contoso.com</strong>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_for_a_German_customer_is_German_with_three_steps_and_the_expiry_in_local_time()
    {
        var html = ActivationPage.Render(View);

        Assert.Contains("<html lang=\"de\">", html, StringComparison.Ordinal);
        Assert.Contains("<h1>RapidStart Services aktivieren</h1>", html, StringComparison.Ordinal);
        Assert.Contains("Anmelden</li>", html, StringComparison.Ordinal);
        Assert.Contains("Prüfen</li>", html, StringComparison.Ordinal);
        Assert.Contains("Annehmen</li>", html, StringComparison.Ordinal);
        Assert.Contains("datetime=\"2026-04-01T09:00:00Z\">Mittwoch, 1. April 2026 11:00 (09:00 UTC)</time>", html, StringComparison.Ordinal);
        Assert.Contains("Vertrag über Onlinedienste, Version 2026-01", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_offers_every_language_and_marks_the_current_one()
    {
        var html = ActivationPage.Render(View, Language.Of("ja"), code => $"?token=t&lang={code}");

        Assert.All(Language.Supported, l => Assert.Contains($"href=\"?token=t&amp;lang={l.Code}\" hreflang=\"{l.Code}\"", html, StringComparison.Ordinal));
        Assert.Contains("lang=\"ja\" aria-current=\"true\">日本語</a>", html, StringComparison.Ordinal);
        Assert.Contains("<h1>RapidStart Services の有効化</h1>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GoneReasons.Used, "Dieser Aktivierungslink wurde bereits verwendet")]
    [InlineData(GoneReasons.Expired, "Dieser Aktivierungslink ist abgelaufen")]
    [InlineData(GoneReasons.Superseded, "Dieser Aktivierungslink wurde durch eine neuere Einladung ersetzt")]
    [InlineData(GoneReasons.Withdrawn, "Dieser Aktivierungslink wurde zurückgezogen")]
    [InlineData(GoneReasons.Purged, "Dieser Aktivierungslink funktioniert nicht mehr")]
    public void RefusalPage_says_why_the_link_is_gone_in_the_readers_language(string reason, string heading)
    {
        var html = RefusalPage.Render(ProblemException.Gone("English detail.").Because(reason), Language.Of("de"), code => $"?lang={code}");

        Assert.Contains($"<h1 id=\"refusal-heading\">{heading}</h1>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("English detail.", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, "de")]
    [InlineData("fr-CH, fr;q=0.9, en;q=0.8", null, "fr")]
    [InlineData("zh-CN, sv;q=0.5", null, "sv")]
    [InlineData("zh-CN", null, "de")]
    [InlineData("en-US", null, "en")]
    [InlineData("en-US", "ja", "ja")]
    [InlineData("en-US", "xx", "en")]
    public void PageLanguage_follows_the_choice_then_AcceptLanguage_then_the_customer(string? acceptLanguage, string? lang, string expected)
    {
        var request = new DefaultHttpContext().Request;
        if (acceptLanguage is not null)
        {
            request.Headers.AcceptLanguage = acceptLanguage;
        }

        if (lang is not null)
        {
            request.QueryString = new QueryString($"?token=abc&lang={lang}");
        }

        Assert.Equal(expected, PageLanguage.Choose(request, Language.ForCountry("DE")).Code);
    }

    [Fact]
    public void PageLanguage_LinkTo_keeps_the_token_and_replaces_the_language()
    {
        var request = new DefaultHttpContext().Request;
        request.QueryString = new QueryString("?token=a%2Bb&lang=fr");

        Assert.Equal("?token=a%2Bb&lang=de", PageLanguage.LinkTo(request, "de"));
    }
}
