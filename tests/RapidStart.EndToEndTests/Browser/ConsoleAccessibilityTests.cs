using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace RapidStart.EndToEndTests.Browser;

/// <summary>
/// The partner console at phone (390×844) and desktop (1280×800) size: signed out, and signed in with
/// a Service List that shows status badges, a pending invitation and the days left in its trial. axe-core
/// finds no WCAG 2.2 A/AA violation in either state; screenshots go to <c>docs/screenshots/a11y-console-*</c>.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleAccessibilityTests(BrowserFixture browser)
{
    private LocalHostFixture Host => browser.Host;

    [Theory]
    [InlineData("phone", 390, 844)]
    [InlineData("desktop", 1280, 800)]
    public async Task The_console_and_its_Service_List_have_no_WCAG_violations(string size, int width, int height)
    {
        // A customer with a pending invitation, so the Service List has something to show.
        var partner = await Host.PartnerAsync();
        var created = await HttpAssert.JsonAsync(await partner.PostAsJsonAsync("/api/customers", new
        {
            kind = "prospect",
            organization = new { name = $"Service List {size} Ltd", address = new { city = "Dublin", countryRegion = "IE" } },
            administrator = new { name = "Dana Admin", microsoftAccountId = $"console-{size}@a11y.example", contactEmail = $"console-{size}@a11y.example" },
        }), HttpStatusCode.Created);
        var customerId = created.GetProperty("customerId").GetString()!;
        await HttpAssert.JsonAsync(await partner.PostAsJsonAsync($"/api/customers/{customerId}/services", new { serviceId = "rapidstart", countryRegion = "IE" }), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{customerId}/services/rapidstart/activation", null), HttpStatusCode.Accepted);

        await using var session = await browser.OpenAsync();
        var page = session.Page;
        await page.SetViewportSizeAsync(width, height);

        await page.GotoAsync(Host.BaseUrl + "/api/console");
        await Expect(page.Locator("#signin-button")).ToBeVisibleAsync();
        await Axe.AssertNoViolationsAsync(page, $"console signed out ({size})");
        await BrowserFixture.ScreenshotAsync(page, $"a11y-console-{size}-01-signed-out");

        // Sign in at the provider as the partner's agent.
        var provider = await ProviderSignIn.OriginAsync(Host);
        await page.ClickAsync("#signin-button");
        await page.WaitForURLAsync(url => url.StartsWith(provider + "/", StringComparison.Ordinal), new() { Timeout = 30_000 });
        await page.FillAsync("#account", DevTokens.PartnerSubject("P-1001"));
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(url => url.StartsWith(Host.BaseUrl + "/api/console", StringComparison.Ordinal), new() { Timeout = 30_000 });

        // The Service List: the status badge, the pending invitation and the days left in the trial.
        var row = page.Locator("#services-table tbody tr", new() { HasText = $"console-{size}@a11y.example" });
        await Expect(row).ToContainTextAsync("InvitationSent");
        await Expect(row).ToContainTextAsync("Pending");
        await Expect(row.Locator(".badge")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+ days left$"));
        await Expect(page.Locator("#services-summary")).ToContainTextAsync("pending invitation");
        await Axe.AssertNoViolationsAsync(page, $"console signed in ({size})");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= innerWidth"), $"The console is wider than the {width} px screen.");
        await BrowserFixture.ScreenshotAsync(page, $"a11y-console-{size}-02-service-list");
        Assert.Empty(session.CspViolations());
    }
}
