using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using RapidStart.Domain.Activation;
using RapidStart.Domain.Subscriptions;
using static Microsoft.Playwright.Assertions;

namespace RapidStart.EndToEndTests.Browser;

/// <summary>
/// The activation journey as people everywhere meet it: every state of the activation page, its refusal
/// pages and the provider's sign-in form, at phone (390×844) and desktop (1280×800) size, in English and
/// German, checked with axe-core (zero WCAG 2.2 A/AA violations) and saved as screenshots for the README
/// (<c>docs/screenshots/a11y-*</c>); and a German administrator who accepts on a phone with the keyboard alone.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ActivationAccessibilityTests(BrowserFixture browser)
{
    private LocalHostFixture Host => browser.Host;

    public static TheoryData<string, string> LanguagesAndSizes() => new()
    {
        { "en", "phone" }, { "en", "desktop" }, { "de", "phone" }, { "de", "desktop" },
    };

    [Theory]
    [MemberData(nameof(LanguagesAndSizes))]
    public async Task Every_state_of_the_activation_journey_has_no_WCAG_violations(string language, string size)
    {
        var administrator = $"a11y-{language}-{size}@journey.example";
        var (partner, customerId, link) = await Invitations.SendAsync(Host, $"Barrierefrei {language}-{size} GmbH", administrator);
        await using var session = await OpenAsync(language, size);
        var page = session.Page;
        var step = 0;
        async Task Check(string state)
        {
            await Axe.AssertNoViolationsAsync(page, $"{state} ({language}, {size})");
            await BrowserFixture.ScreenshotAsync(page, $"a11y-{language}-{size}-{++step:00}-{state}");
        }

        // The invitation, signed out; then its language menu open.
        await page.GotoAsync(link);
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", language);
        await Expect(page.Locator("#signIn")).ToBeVisibleAsync();
        await Check("invitation");
        await page.ClickAsync(".languages summary");
        await Expect(page.Locator(".languages nav")).ToBeVisibleAsync();
        await Check("language-menu");
        await page.ClickAsync(".languages summary");

        // Signed in with another account than the invited one: the wrong-account state.
        await page.ClickAsync("#signIn");
        await AtProviderAsync(page);
        await Check("provider-sign-in");
        await page.FillAsync("#account", $"someone-else-{language}-{size}@journey.example");
        await page.ClickAsync("button[type=submit]");
        await BackFromProviderAsync(page);
        await Expect(page.Locator("#mismatch")).ToBeVisibleAsync();
        await Expect(page.Locator("#accept")).ToBeDisabledAsync();
        await Check("wrong-account");

        // The invited account, both boxes ticked: ready to accept.
        await page.ClickAsync("#anotherAccount");
        await AtProviderAsync(page);
        await page.FillAsync("#account", administrator);
        await page.ClickAsync("button[type=submit]");
        await BackFromProviderAsync(page);
        await Expect(page.Locator("#whoami")).ToContainTextAsync(administrator);
        await page.CheckAsync("#acceptAgreement");
        await page.CheckAsync("#acceptPrivacyStatement");
        await Expect(page.Locator("#step-accept")).ToHaveAttributeAsync("aria-current", "step");
        await Check("ready");

        // Accepted (the portal it then opens is held back, so the state can be looked at).
        await page.RouteAsync("**/api/portal?**", route => route.AbortAsync());
        await page.ClickAsync("#accept");
        await Expect(page.Locator("#accepted")).ToBeVisibleAsync();
        await Expect(page.Locator("#accepted-heading")).ToBeFocusedAsync();
        await Check("accepted");
        Assert.Equal("Active", await Invitations.StatusAsync(partner, customerId));

        // The same link again: already used.
        var used = await page.GotoAsync(link);
        Assert.Equal(410, used!.Status);
        await Expect(page.Locator("main")).ToHaveAttributeAsync("data-refusal", "used");
        await Check("refusal-used");

        Assert.Empty(session.CspViolations());
    }

    [Theory]
    [MemberData(nameof(LanguagesAndSizes))]
    public async Task Every_refusal_page_has_no_WCAG_violations(string language, string size)
    {
        await using var session = await OpenAsync(language, size);
        var page = session.Page;
        async Task Check(string state, string link, int status)
        {
            var response = await page.GotoAsync(link);
            Assert.Equal(status, response!.Status);
            await Expect(page.Locator("main")).ToHaveAttributeAsync("data-refusal", state);
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", language);
            await Axe.AssertNoViolationsAsync(page, $"refusal {state} ({language}, {size})");
            await BrowserFixture.ScreenshotAsync(page, $"a11y-{language}-{size}-refusal-{state}");
        }

        // Expired: the link's expiry moved into the past in storage, as time would.
        var (_, expiredCustomer, expiredLink) = await Invitations.SendAsync(Host, $"Abgelaufen {language}-{size} GmbH", $"expired-{language}-{size}@refusal.example");
        await ExpireAsync(expiredCustomer, expiredLink);
        await Check("expired", expiredLink, 410);

        // Superseded by a resend, then withdrawn.
        var (partner, customerId, first) = await Invitations.SendAsync(Host, $"Ersetzt {language}-{size} GmbH", $"superseded-{language}-{size}@refusal.example");
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{customerId}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        await Mailbox.ActivationTokensAsync(Host.MailDirectory, customerId, count: 2);
        await Check("superseded", first, 410);
        var second = await ActivationLinks.ForAsync(Host.MailDirectory, customerId);
        Assert.Equal(HttpStatusCode.NoContent, (await partner.DeleteAsync($"/api/customers/{customerId}/services/rapidstart/activation")).StatusCode);
        await Check("withdrawn", second, 410);

        // A link that never was.
        await Check("notfound", first[..first.IndexOf("token=", StringComparison.Ordinal)] + "token=not-a-real-token", 404);
    }

    [Fact]
    public async Task A_German_administrator_accepts_on_a_phone_with_the_keyboard_alone()
    {
        const string administrator = "tastatur@keyboard.example";
        var (partner, customerId, link) = await Invitations.SendAsync(Host, "Tastatur GmbH", administrator);
        await using var session = await OpenAsync("de", "phone");
        var page = session.Page;

        await page.GotoAsync(link);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "RapidStart Services aktivieren", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator("#whoami")).ToHaveTextAsync("Nicht angemeldet.");
        await Axe.AssertNoViolationsAsync(page, "keyboard: invitation");

        // 1. Anmelden: Tab to the button, Enter; at the provider the invited account is offered: Tab to its button, Enter.
        await TabToAsync(page, "#signIn");
        await page.Keyboard.PressAsync("Enter");
        await AtProviderAsync(page);
        await Expect(page.Locator("#account")).ToHaveValueAsync(administrator);
        await Axe.AssertNoViolationsAsync(page, "keyboard: provider sign-in");
        await TabToAsync(page, "button[type=submit]");
        await page.Keyboard.PressAsync("Enter");
        await BackFromProviderAsync(page);
        await Expect(page.Locator("#whoami")).ToContainTextAsync($"Angemeldet als");
        await Expect(page.Locator("#whoami")).ToContainTextAsync(administrator);

        // 2. Prüfen: Space ticks each box.
        await TabToAsync(page, "#acceptAgreement");
        await page.Keyboard.PressAsync("Space");
        await TabToAsync(page, "#acceptPrivacyStatement");
        await page.Keyboard.PressAsync("Space");
        await Expect(page.Locator("#acceptAgreement")).ToBeCheckedAsync();
        await Expect(page.Locator("#acceptPrivacyStatement")).ToBeCheckedAsync();
        await Axe.AssertNoViolationsAsync(page, "keyboard: ready");

        // 3. Annehmen: Enter on the button; the accepted state takes the focus, then the portal opens.
        await TabToAsync(page, "#accept");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#accepted-heading")).ToBeFocusedAsync();
        await Expect(page.Locator("#accepted-heading")).ToHaveTextAsync("RapidStart Services ist aktiv");
        await Axe.AssertNoViolationsAsync(page, "keyboard: accepted");
        await page.WaitForURLAsync(url => url.Contains("/api/portal?customerId=", StringComparison.Ordinal));
        Assert.Equal("Active", await Invitations.StatusAsync(partner, customerId));

        // The customer portal it lands on lists the administrator, and has no violations either.
        await Expect(page.Locator("#users-table tbody tr", new() { HasText = administrator })).ToBeVisibleAsync();
        await Axe.AssertNoViolationsAsync(page, "keyboard: customer portal");
        await BrowserFixture.ScreenshotAsync(page, "a11y-de-phone-08-portal");
        Assert.Empty(session.CspViolations());
    }

    [Fact]
    public async Task The_German_invitation_mail_leads_to_the_German_page()
    {
        const string administrator = "post@mail-de.example";
        var (_, customerId, link) = await Invitations.SendAsync(Host, "Post GmbH", administrator);
        var mail = Directory.GetFiles(Host.MailDirectory, "*.eml").Select(f => MimeKit.MimeMessage.Load(f))
            .Single(m => m.To.Mailboxes.Single().Address == administrator);

        Assert.Equal("RapidStart Services für Post GmbH aktivieren", mail.Subject);
        Assert.Equal("multipart/alternative", mail.Body.ContentType.MimeType);
        Assert.Contains(link, mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Öffnen Sie den Link", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"de\">", mail.HtmlBody, StringComparison.Ordinal);

        // No Accept-Language the page knows: the customer's language (German) it is.
        using var request = new HttpRequestMessage(HttpMethod.Get, link);
        request.Headers.AcceptLanguage.ParseAdd("zh-CN");
        var response = await Host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("de", response.Content.Headers.ContentLanguage.Single());
        Assert.Contains("<h1>RapidStart Services aktivieren</h1>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(customerId);
    }

    // ---- helpers ----

    private async Task<BrowserSession> OpenAsync(string language, string size)
    {
        var session = language == "de" ? await browser.OpenAsync("de-DE", "Europe/Berlin") : await browser.OpenAsync("en-US", "America/New_York");
        await session.Page.SetViewportSizeAsync(size == "phone" ? 390 : 1280, size == "phone" ? 844 : 800);
        return session;
    }

    /// <summary>Moves the link's expiry into the past, in the subscription's own partition, as 30 days would.</summary>
    private async Task ExpireAsync(string customerId, string link)
    {
        var store = Host.Services.GetRequiredService<ISubscriptionStore>();
        var key = new SubscriptionKey(CustomerIdRegion(customerId), customerId, "rapidstart");
        var token = Uri.UnescapeDataString(link[(link.IndexOf("token=", StringComparison.Ordinal) + "token=".Length)..]);
        var record = await store.GetTokenAsync(key, ActivationToken.Hash(token), CancellationToken.None);
        var subscription = await store.GetAsync(key, CancellationToken.None);
        await store.CommitAsync(
            new SubscriptionCommit(subscription!.Value, subscription.ETag, Tokens: [record! with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }]),
            CancellationToken.None);
    }

    private static string CustomerIdRegion(string customerId) => RapidStart.Domain.Customers.CustomerId.RegionOf(customerId)!;

    private async Task AtProviderAsync(IPage page)
    {
        var provider = await ProviderSignIn.OriginAsync(Host);
        await page.WaitForURLAsync(url => url.StartsWith(provider + "/", StringComparison.Ordinal), new() { Timeout = 30_000 });
        await Expect(page.Locator("#account")).ToBeVisibleAsync();
    }

    private async Task BackFromProviderAsync(IPage page) =>
        await page.WaitForURLAsync(
            url => url.StartsWith(Host.BaseUrl + "/api/activate", StringComparison.Ordinal),
            new() { Timeout = 30_000 });

    /// <summary>Presses Tab (only Tab) until the element <paramref name="selector"/> has the focus.</summary>
    private static async Task TabToAsync(IPage page, string selector)
    {
        for (var i = 0; i < 40; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.EvaluateAsync<bool>("s => !!document.activeElement && document.activeElement.matches(s)", selector))
            {
                return;
            }
        }

        var focused = await page.EvaluateAsync<string>("() => document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : 'nothing'");
        throw new Xunit.Sdk.XunitException($"Tab never reached {selector} on {page.Url}; the focus is on {focused}.");
    }
}
