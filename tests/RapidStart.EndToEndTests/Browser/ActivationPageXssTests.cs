using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace RapidStart.EndToEndTests.Browser;

/// <summary>The activation page (<c>GET /api/activate?token=</c>) in Chromium: hostile data stays text, and only the page's own scripts run.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ActivationPageXssTests(BrowserFixture browser)
{
    private LocalHostFixture Host => browser.Host;

    [Theory]
    [InlineData("<script>alert(1)</script>", "script")]
    [InlineData("<img src=x onerror=alert(2)>", "img")]
    public async Task Markup_in_the_organization_name_is_shown_as_text_and_never_runs(string organization, string element)
    {
        var (_, _, link) = await Invitations.SendAsync(Host, organization, $"xss-{element}@victim.example");

        await using var session = await browser.OpenAsync();
        var page = session.Page;
        var response = await page.GotoAsync(link);
        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        await Expect(page.Locator("#organization")).ToHaveTextAsync(organization);
        await Expect(page.GetByText(organization, new() { Exact = true })).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator($"#organization {element}").CountAsync());
        Assert.Equal(0, await page.Locator("img").CountAsync());

        // Only the page's own files: MSAL.js, the sign-in helper and the page's script, all from this origin.
        var scripts = await page.Locator("script").EvaluateAllAsync<string[]>("all => all.map(s => s.getAttribute('src') || '(inline)')");
        Assert.Equal(["console/msal-browser.min.js", "console/auth.js", "console/activation.js"], scripts);

        var headers = await response.AllHeadersAsync();
        Assert.Contains("frame-ancestors 'none'", headers["content-security-policy"]);
        Assert.Equal("nosniff", headers["x-content-type-options"]);

        // The page is ready to sign in (its scripts ran under the policy), and has no token field.
        await Expect(page.Locator("#signIn")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("input[type=password], textarea").CountAsync());

        Assert.Empty(session.Dialogs);
        Assert.Empty(session.CspViolations());
    }
}
