using RapidStart.Domain.Activation;
using RapidStart.Functions.Http;
using RapidStart.UnitTests.TestSupport;

namespace RapidStart.UnitTests.Functions;

public class ActivationPageTests
{
    private static readonly ActivationView View = new(
        "Contoso <Ltd>", "P-1001", "Dana Admin", "dana@contoso.com", "rapidstart", "DE", TestData.Start.AddDays(30), "2026-01", "2026-01");

    [Fact]
    public void Render_OffersMicrosoftSignInAndNoTokenField()
    {
        // Act
        var html = ActivationPage.Render(View);

        // Assert
        Assert.Contains("id=\"signIn\"", html, StringComparison.Ordinal);
        Assert.Contains("src=\"console/msal-browser.min.js\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"bearer\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("devSignIn", html, StringComparison.Ordinal);
        Assert.DoesNotContain("type=\"password\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_EncodesTheInvitationsValues()
    {
        // Act
        var html = ActivationPage.Render(View);

        // Assert
        Assert.Contains("Contoso &lt;Ltd&gt;", html, StringComparison.Ordinal);
        Assert.Contains("<strong id=\"account\">dana@contoso.com</strong>", html, StringComparison.Ordinal);
    }
}
