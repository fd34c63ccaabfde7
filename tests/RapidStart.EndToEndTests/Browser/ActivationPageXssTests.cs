using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace RapidStart.EndToEndTests.Browser;

/// <summary>The activation page (<c>GET /api/activate?token=</c>) in Chromium: hostile data stays text, and the accept button works.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ActivationPageXssTests(BrowserFixture browser)
{
    private LocalHostFixture Host => browser.Host;

    /// <summary>A prospect with the organization name, RapidStart added in DE and activation sent; returns the partner, the customer and the mailed link.</summary>
    private async Task<(HttpClient Partner, string CustomerId, string Link)> InvitedAsync(string organization, string administrator)
    {
        var partner = await Host.PartnerAsync();
        var created = await HttpAssert.JsonAsync(await partner.PostAsJsonAsync("/api/customers", new
        {
            kind = "prospect",
            organization = new { name = organization, address = new { city = "Berlin", countryRegion = "DE" } },
            administrator = new { name = "Dana <b>Admin</b>", microsoftAccountId = administrator, contactEmail = administrator },
        }), HttpStatusCode.Created);
        var customerId = created.GetProperty("customerId").GetString()!;
        await HttpAssert.JsonAsync(await partner.PostAsJsonAsync($"/api/customers/{customerId}/services", new { serviceId = "rapidstart", countryRegion = "DE" }), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{customerId}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        return (partner, customerId, await ActivationLinks.ForAsync(Host.MailDirectory, customerId));
    }

    [Theory]
    [InlineData("<script>alert(1)</script>", "script")]
    [InlineData("<img src=x onerror=alert(2)>", "img")]
    public async Task Markup_in_the_organization_name_is_shown_as_text_and_never_runs(string organization, string element)
    {
        var (_, _, link) = await InvitedAsync(organization, $"xss-{element}@victim.example");

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
        Assert.Equal(1, await page.Locator("script").CountAsync());

        var headers = await response.AllHeadersAsync();
        Assert.Contains("frame-ancestors 'none'", headers["content-security-policy"]);
        Assert.Equal("nosniff", headers["x-content-type-options"]);

        Assert.Empty(session.Dialogs);
        Assert.Empty(session.CspViolations());
    }

    [Fact]
    public async Task The_accept_button_activates_the_subscription_for_the_invited_account()
    {
        const string administrator = "accept@browser.example";
        var (partner, customerId, link) = await InvitedAsync("Browser Accept GmbH", administrator);

        await using var session = await browser.OpenAsync();
        var page = session.Page;
        await page.GotoAsync(link);
        await Expect(page.Locator("#account")).ToHaveTextAsync(administrator);
        await page.FillAsync("#bearer", await Host.TokenAsync(administrator));

        // Without the boxes ticked the API refuses, and the page says so.
        await page.ClickAsync("#accept");
        await Expect(page.Locator("#result")).Not.ToBeEmptyAsync();
        await Expect(page.Locator("#result")).Not.ToContainTextAsync("Activated");

        await TicksBothBoxesAndAcceptsAsync(session, partner, customerId);
    }

    [Fact]
    public async Task On_the_local_host_the_development_sign_in_signs_in_as_the_invited_account_and_accepting_works()
    {
        const string administrator = "devsignin@browser.example";
        var (partner, customerId, link) = await InvitedAsync("Browser Dev Sign-in GmbH", administrator);

        await using var session = await browser.OpenAsync();
        var page = session.Page;
        await page.GotoAsync(link);
        await Expect(page.Locator("#bearer")).ToHaveValueAsync("");
        await page.ClickAsync("#devSignIn");
        await Expect(page.Locator("#result")).ToHaveTextAsync($"Signed in as {administrator} (development issuer).");
        var token = await page.InputValueAsync("#bearer");
        Assert.Equal(administrator, new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Subject);

        await TicksBothBoxesAndAcceptsAsync(session, partner, customerId);
    }

    /// <summary>Ticks the agreement and privacy boxes, accepts, and checks the page, the subscription (Active) and that nothing ran or was blocked.</summary>
    private static async Task TicksBothBoxesAndAcceptsAsync(BrowserSession session, HttpClient partner, string customerId)
    {
        var page = session.Page;
        await page.CheckAsync("#acceptAgreement");
        await page.CheckAsync("#acceptPrivacyStatement");
        await page.ClickAsync("#accept");
        await Expect(page.Locator("#result")).ToContainTextAsync("Activated.");

        var subscription = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{customerId}/services/rapidstart"), HttpStatusCode.OK);
        Assert.Equal("Active", subscription.GetProperty("status").GetString());
        Assert.Empty(session.Dialogs);
        Assert.Empty(session.CspViolations());
    }
}
