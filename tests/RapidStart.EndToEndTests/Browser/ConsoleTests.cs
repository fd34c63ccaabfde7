using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace RapidStart.EndToEndTests.Browser;

/// <summary>The partner console (<c>GET /api/console</c>) driven in Chromium against the local host, as a partner would use it.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ConsoleTests(BrowserFixture browser)
{
    private LocalHostFixture Host => browser.Host;

    [Fact]
    public async Task A_partner_enrols_a_voice_customer_sends_activation_and_creates_a_prospect()
    {
        await using var session = await browser.OpenAsync();
        var page = session.Page;
        var step = 0;
        Task Shot(string name) => BrowserFixture.ScreenshotAsync(page, $"console-{++step:00}-{name}");

        // Sign in with Microsoft (the local identity provider) as partner P-1001's agent.
        const string agent = "agent@p-1001.example";
        await page.GotoAsync(Host.BaseUrl + "/api/console");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "RapidStart partner console" })).ToBeVisibleAsync();
        await Expect(page.Locator("#whoami")).ToHaveTextAsync("Not signed in.");
        await Shot("sign-in");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with Microsoft" }).ClickAsync();
        await ProviderSignIn.SignInAsync(page, Host, offered: null, account: agent, shot: Shot);
        Assert.Equal(Host.BaseUrl + "/api/console", page.Url);
        await Expect(page.Locator("#whoami")).ToContainTextAsync(agent);
        await Expect(page.Locator("#signout")).ToBeVisibleAsync();
        await Expect(page.Locator("#customers")).ToBeVisibleAsync();
        await Expect(page.Locator("#signin")).ToBeHiddenAsync();
        await Shot("signed-in");

        // Search VOICE and pick Northwind.
        await page.GetByLabel("Search by organization name").FillAsync("northwnd");
        await page.ClickAsync("#voice-search");
        var northwind = page.Locator("#voice-results").GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Northwind Traders") });
        await Expect(northwind).ToBeVisibleAsync();
        await Shot("voice-search");
        await northwind.ClickAsync();
        await Expect(page.Locator("#voice-picked")).ToContainTextAsync("Picked Northwind Traders (V-100201)");

        // The administrator, then create the customer.
        await page.FillAsync("#admin-name", "Dana Admin");
        await page.GetByLabel("Microsoft account ID").FillAsync("dana@northwind.example");
        await page.GetByLabel("Contact email").FillAsync("it@northwind.example");
        await Shot("customer-form");
        await page.ClickAsync("#create-customer");
        await Expect(page.Locator("#customer-result")).ToContainTextAsync("Created Northwind Traders");
        await Expect(page.Locator("#customers-table")).ToContainTextAsync("Northwind Traders");
        await Expect(page.Locator("#customers-table")).ToContainTextAsync("V-100201");
        await Expect(page.Locator("#service-customer")).ToContainTextAsync("Customer: Northwind Traders");
        var customerId = CustomerIdIn(await page.Locator("#service-customer").InnerTextAsync());
        await Shot("customer-created");

        // Add RapidStart Services in Ireland.
        await page.SelectOptionAsync("#service-id", "rapidstart");
        await page.GetByLabel("Country/region of use").SelectOptionAsync("IE");
        await page.ClickAsync("#add-service");
        await Expect(page.Locator("#service-result")).ToContainTextAsync("Added rapidstart in IE (eu-west): Created");
        await Shot("service-added");

        // Send activation: the Service List shows InvitationSent, and the invitation is mailed.
        await page.ClickAsync("#send-activation");
        await Expect(page.Locator("#service-result")).ToContainTextAsync("Activation sent: rapidstart in IE (eu-west): InvitationSent");
        await page.SelectOptionAsync("#status-filter", "InvitationSent");
        var row = page.Locator("#services-table tbody tr", new() { HasText = "Northwind Traders" });
        await Expect(row).ToContainTextAsync("InvitationSent");
        await Expect(row).ToContainTextAsync("dana@northwind.example");
        var link = await ActivationLinks.ForAsync(Host.MailDirectory, customerId);
        Assert.StartsWith(Host.BaseUrl + "/api/activate?token=", link);
        await page.ClickAsync("#services-refresh");
        await Expect(row).ToContainTextAsync(", sent ");
        await Shot("invitation-sent");

        // A prospect: first the API's per-field errors next to the form, then the fixed form.
        await page.CheckAsync("#kind-prospect");
        await Expect(page.Locator("#organization-fields")).ToBeVisibleAsync();
        await page.FillAsync("#org-name", "Contoso Prospect Ltd");
        await page.FillAsync("#org-city", "Berlin");
        await page.FillAsync("#admin-name", "Pia Prospect");
        await page.FillAsync("#admin-account", "pia@prospect.example");
        await page.FillAsync("#admin-email", "it@prospect.example");
        await page.ClickAsync("#create-customer");
        await Expect(page.Locator("#customer-errors")).ToContainTextAsync("organization.address.countryRegion");
        await Expect(page.Locator("#org-country")).ToHaveAttributeAsync("aria-invalid", "true");
        await Shot("prospect-errors");
        await page.FillAsync("#org-country", "de");
        await page.ClickAsync("#create-customer");
        await Expect(page.Locator("#customer-result")).ToContainTextAsync("Created Contoso Prospect Ltd");
        await Expect(page.Locator("#customer-errors")).ToBeHiddenAsync();
        await Expect(page.Locator("#customers-table")).ToContainTextAsync("Contoso Prospect Ltd");
        await Expect(page.Locator("#customers-table tbody tr", new() { HasText = "Contoso Prospect Ltd" })).ToContainTextAsync("prospect");
        await Shot("prospect-created");

        // The page's own script and stylesheet load under its policy: the browser refused nothing.
        Assert.Empty(session.CspViolations());
        Assert.Empty(session.Dialogs);
    }

    [Fact]
    public async Task An_account_without_the_partner_role_is_refused_at_sign_in_and_can_sign_out()
    {
        const string customer = "someone@customer.example";
        await using var session = await browser.OpenAsync();
        var page = session.Page;
        await page.GotoAsync(Host.BaseUrl + "/api/console");
        await page.ClickAsync("#signin-button");
        await ProviderSignIn.SignInAsync(page, Host, offered: null, account: customer);

        await Expect(page.Locator("#signin-errors")).ToContainTextAsync("partner");
        await Expect(page.Locator("#customers")).ToBeHiddenAsync();
        await Expect(page.Locator("#whoami")).ToContainTextAsync(customer);

        await page.ClickAsync("#signout");
        await page.WaitForURLAsync(url => url == Host.BaseUrl + "/api/console");
        await Expect(page.Locator("#whoami")).ToHaveTextAsync("Not signed in.");
        await Expect(page.Locator("#signin-button")).ToBeVisibleAsync();
        Assert.Empty(session.CspViolations());
    }

    [Fact]
    public async Task The_console_is_served_with_its_assets_and_nothing_else()
    {
        var console = await Host.Http.GetAsync("/api/console");
        Assert.Equal(HttpStatusCode.OK, console.StatusCode);
        Assert.Equal("text/html", console.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(" ", console.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.DoesNotContain("unsafe-inline", policy);
        var html = await console.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", ""));
        Assert.DoesNotContain("https://", html);

        foreach (var (asset, type) in new[]
        {
            ("app.js", "text/javascript"), ("app.css", "text/css"), ("auth.js", "text/javascript"), ("portal.js", "text/javascript"),
            ("redirect.js", "text/javascript"), ("activation.js", "text/javascript"), ("msal-browser.min.js", "text/javascript"),
        })
        {
            var response = await Host.Http.GetAsync("/api/console/" + asset);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("nosniff", string.Join("", response.Headers.GetValues("X-Content-Type-Options")));
            Assert.DoesNotContain("innerHTML", await response.Content.ReadAsStringAsync());
        }

        // MSAL.js is the pinned package's own bundle, served by the app (no CDN anywhere).
        var msal = await Host.Http.GetStringAsync("/api/console/msal-browser.min.js");
        Assert.StartsWith("/*! @azure/msal-browser v5.29.0 ", msal);

        foreach (var unknown in new[] { "index.html", "app.JS", "app.js.map", "..%2Fopenapi.json", "RapidStart.Functions.dll" })
        {
            var problem = await HttpAssert.ProblemAsync(await Host.Http.GetAsync("/api/console/" + unknown), HttpStatusCode.NotFound);
            Assert.Equal(JsonValueKind.String, problem.GetProperty("detail").ValueKind);
        }
    }

    [Fact]
    public async Task The_pages_sign_in_at_the_local_provider_as_the_api_configures_and_may_connect_only_to_it()
    {
        var config = await HttpAssert.JsonAsync(await Host.Http.GetAsync("/api/auth/config"), HttpStatusCode.OK);
        var authority = new Uri(config.GetProperty("authority").GetString()!);
        Assert.Equal(Uri.UriSchemeHttps, authority.Scheme);
        Assert.Equal("/common/v2.0", authority.AbsolutePath.TrimEnd('/'));
        Assert.Equal("OIDC", config.GetProperty("protocolMode").GetString());
        Assert.Equal([authority.Authority], config.GetProperty("knownAuthorities").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(Host.BaseUrl + "/api/auth/redirect", config.GetProperty("redirectUri").GetString());
        var clientId = config.GetProperty("clientId").GetString();
        Assert.False(string.IsNullOrEmpty(clientId));
        Assert.Equal([$"api://{clientId}/access_as_user"], config.GetProperty("scopes").EnumerateArray().Select(e => e.GetString()!));

        foreach (var path in new[] { "/api/console", "/api/portal", "/api/auth/redirect" })
        {
            var page = await Host.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            var policy = string.Join(" ", page.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains($"connect-src 'self' {authority.GetLeftPart(UriPartial.Authority)};", policy);
            Assert.Contains("frame-ancestors 'none'", policy);
            Assert.DoesNotContain("unsafe-inline", policy);
        }
    }

    private static string CustomerIdIn(string text) =>
        CustomerIdPattern().Match(text) is { Success: true } match ? match.Groups[1].Value : throw new Xunit.Sdk.XunitException($"No customer ID in \"{text}\".");

    [GeneratedRegex(@"\(([a-z]+-[a-z]+-[0-9a-z]{26})\)")]
    private static partial Regex CustomerIdPattern();
}
