using RapidStart.Domain.Activation;
using RapidStart.Functions.Http;
using RapidStart.UnitTests.TestSupport;

namespace RapidStart.UnitTests.Functions;

public class ActivationPageTests
{
    private static readonly ActivationView View = new(
        "Contoso <Ltd>", "P-1001", "Dana Admin", "dana@contoso.com", "rapidstart", "DE", TestData.Start.AddDays(30), "2026-01", "2026-01");

    [Fact]
    public void Render_WithoutTheDevelopmentIssuer_OffersNoDevelopmentSignIn()
    {
        // Act
        var html = ActivationPage.Render(View);

        // Assert
        Assert.DoesNotContain("devSignIn", html, StringComparison.Ordinal);
        Assert.Contains("id=\"bearer\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_WithTheDevelopmentIssuer_OffersTheDevelopmentSignIn()
    {
        // Act
        var html = ActivationPage.Render(View, developmentSignIn: true);

        // Assert
        Assert.Contains("id=\"devSignIn\"", html, StringComparison.Ordinal);
        Assert.Contains("Contoso &lt;Ltd&gt;", html, StringComparison.Ordinal);
    }
}
