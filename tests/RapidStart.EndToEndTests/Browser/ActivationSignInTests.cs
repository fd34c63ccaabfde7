using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace RapidStart.EndToEndTests.Browser;

/// <summary>
/// The invited administrator's way in Chromium: the emailed link, Microsoft sign-in (the local identity
/// provider, authorization code + PKCE with MSAL.js), both boxes, accept, and the customer portal.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ActivationSignInTests(BrowserFixture browser)
{
    private LocalHostFixture Host => browser.Host;

    [Fact]
    public async Task The_invited_administrator_signs_in_accepts_and_lands_on_the_portal()
    {
        const string administrator = "dana@activation-browser.example";
        var (partner, customerId, link) = await Invitations.SendAsync(Host, "Browser Accept GmbH", administrator);

        await using var session = await browser.OpenAsync();
        var page = session.Page;
        var step = 0;
        Task Shot(string name) => BrowserFixture.ScreenshotAsync(page, $"activation-{++step:00}-{name}");

        // The link from the email: who is invited, and a sign-in, but no way to accept yet.
        await page.GotoAsync(link);
        await Expect(page.Locator("#account")).ToHaveTextAsync(administrator);
        await Expect(page.Locator("#whoami")).ToHaveTextAsync("Not signed in.");
        await Expect(page.Locator("#accept")).ToBeDisabledAsync();
        await Shot("invitation");

        // Sign in at the provider, which offers the invited account (MSAL's login hint).
        await page.ClickAsync("#signIn");
        await ProviderSignIn.SignInAsync(page, Host, offered: administrator, shot: Shot);

        // Back on the same invitation, signed in as the invited account.
        Assert.Equal(link, page.Url);
        await Expect(page.Locator("#whoami")).ToContainTextAsync(administrator);
        await Expect(page.Locator("#signOut")).ToBeVisibleAsync();
        await Expect(page.Locator("#mismatch")).ToBeHiddenAsync();
        await Expect(page.Locator("#accept")).ToBeEnabledAsync();
        await Shot("signed-in");

        // Without the boxes the API refuses (400), and the page says so; nothing changes.
        await page.ClickAsync("#accept");
        await Expect(page.Locator("#result")).Not.ToBeEmptyAsync();
        Assert.Equal("InvitationSent", await Invitations.StatusAsync(partner, customerId));

        // Both boxes, accept: Active, and the customer portal lists the administrator.
        await AcceptsAndLandsOnThePortalAsync(session, partner, customerId, administrator, Shot);
    }

    [Fact]
    public async Task Another_account_is_refused_changes_nothing_and_use_another_account_then_works()
    {
        const string administrator = "pia@wrong-account.example";
        const string someoneElse = "sam@elsewhere.example";
        var (partner, customerId, link) = await Invitations.SendAsync(Host, "Wrong Account AG", administrator);

        await using var session = await browser.OpenAsync();
        var page = session.Page;
        var step = 0;
        Task Shot(string name) => BrowserFixture.ScreenshotAsync(page, $"activation-other-{++step:00}-{name}");

        // Sign in as someone else than the invited account.
        await page.GotoAsync(link);
        await page.ClickAsync("#signIn");
        await ProviderSignIn.SignInAsync(page, Host, offered: administrator, account: someoneElse);

        // The page says whom the invitation is for, and offers another account; accepting is off.
        await Expect(page.Locator("#whoami")).ToContainTextAsync(someoneElse);
        await Expect(page.Locator("#mismatch")).ToBeVisibleAsync();
        await Expect(page.Locator("#mismatch-text")).ToContainTextAsync($"This invitation is for {administrator}");
        await Expect(page.Locator("#accept")).ToBeDisabledAsync();
        await Shot("wrong-account");

        // Even if the button is forced on, the API refuses this account (403) and the page says so: nothing changes.
        await page.CheckAsync("#acceptAgreement");
        await page.CheckAsync("#acceptPrivacyStatement");
        await page.Locator("#accept").EvaluateAsync("button => button.disabled = false");
        await page.ClickAsync("#accept");
        await Expect(page.Locator("#result")).Not.ToBeEmptyAsync();
        await Expect(page.Locator("#mismatch")).ToBeVisibleAsync();
        Assert.Equal("InvitationSent", await Invitations.StatusAsync(partner, customerId));
        Assert.EndsWith("/api/activate?token=" + link.Split("token=")[1], page.Url);

        // "Use another account": the provider offers the invited account again; signing in with it works.
        await page.ClickAsync("#anotherAccount");
        await ProviderSignIn.SignInAsync(page, Host, offered: administrator);
        await Expect(page.Locator("#whoami")).ToContainTextAsync(administrator);
        await Expect(page.Locator("#mismatch")).ToBeHiddenAsync();
        await AcceptsAndLandsOnThePortalAsync(session, partner, customerId, administrator, Shot);
    }

    [Fact]
    public async Task Signing_out_returns_to_the_invitation_signed_out()
    {
        const string administrator = "sign-out@activation-browser.example";
        var (_, _, link) = await Invitations.SendAsync(Host, "Sign Out GmbH", administrator);

        await using var session = await browser.OpenAsync();
        var page = session.Page;
        await page.GotoAsync(link);
        await page.ClickAsync("#signIn");
        await ProviderSignIn.SignInAsync(page, Host, offered: administrator);
        await Expect(page.Locator("#whoami")).ToContainTextAsync(administrator);

        await page.ClickAsync("#signOut");
        await page.WaitForURLAsync(url => url == link);
        await Expect(page.Locator("#whoami")).ToHaveTextAsync("Not signed in.");
        await Expect(page.Locator("#signIn")).ToBeVisibleAsync();
        await Expect(page.Locator("#accept")).ToBeDisabledAsync();
        Assert.Empty(session.CspViolations());
    }

    /// <summary>Ticks both boxes and accepts; checks the portal page lists the administrator, the subscription is Active, and nothing ran or was blocked.</summary>
    private async Task AcceptsAndLandsOnThePortalAsync(BrowserSession session, HttpClient partner, string customerId, string administrator, Func<string, Task> shot)
    {
        var page = session.Page;
        await page.CheckAsync("#acceptAgreement");
        await page.CheckAsync("#acceptPrivacyStatement");
        await page.ClickAsync("#accept");
        await page.WaitForURLAsync(new Regex(Regex.Escape(Host.BaseUrl + "/api/portal?customerId=" + customerId) + "$"));
        await Expect(page.Locator("#users-table tbody tr", new() { HasText = administrator })).ToContainTextAsync("Administrator");
        await Expect(page.Locator("#whoami")).ToContainTextAsync(administrator);
        await shot("portal");
        Assert.Equal("Active", await Invitations.StatusAsync(partner, customerId));

        Assert.Empty(session.Dialogs);
        Assert.Empty(session.CspViolations());
    }
}
