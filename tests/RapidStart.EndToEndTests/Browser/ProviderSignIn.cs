using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace RapidStart.EndToEndTests.Browser;

/// <summary>The local identity provider's sign-in page, used as a person would: read the account it offers, type another or keep it, press "Sign in".</summary>
public static class ProviderSignIn
{
    /// <summary>The origin of the authority the pages sign in at, from <c>GET /api/auth/config</c>.</summary>
    public static async Task<string> OriginAsync(LocalHostFixture host)
    {
        var config = await host.Http.GetFromJsonAsync<JsonElement>("/api/auth/config");
        return new Uri(config.GetProperty("authority").GetString()!).GetLeftPart(UriPartial.Authority);
    }

    /// <summary>
    /// Waits for the provider's form, checks that its account field holds <paramref name="offered"/>
    /// (the page's login hint), signs in as <paramref name="account"/> (the offered one when null), and
    /// returns once the browser is back on a page of the app (past the redirect page).
    /// </summary>
    public static async Task SignInAsync(IPage page, LocalHostFixture host, string? offered, string? account = null, Func<string, Task>? shot = null)
    {
        var provider = await OriginAsync(host);
        try
        {
            await page.WaitForURLAsync(url => url.StartsWith(provider + "/", StringComparison.Ordinal));
        }
        catch (TimeoutException e)
        {
            var said = await page.Locator("[role=alert]:visible, [role=status]:visible").AllInnerTextsAsync();
            throw new Xunit.Sdk.XunitException($"The browser did not reach the provider ({provider}); it is at {page.Url}, the page says: {string.Join(" | ", said)}. {e.Message}");
        }

        var field = page.GetByLabel("Account (email address)");
        await Expect(field).ToBeVisibleAsync();
        if (offered is not null)
        {
            await Expect(field).ToHaveValueAsync(offered);
        }

        if (account is not null)
        {
            await field.FillAsync(account);
        }

        if (shot is not null)
        {
            await shot("provider-sign-in");
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(
            url => url.StartsWith(host.BaseUrl + "/", StringComparison.Ordinal) && !url.Contains("/api/auth/redirect", StringComparison.Ordinal),
            new() { Timeout = 30_000 });
    }
}
