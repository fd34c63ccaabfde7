using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace RapidStart.EndToEndTests.Browser;

/// <summary>GET /api/docs, the API reference page rendered from openapi.json, in Chromium under the pages' CSP.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ApiDocsPageTests(BrowserFixture browser)
{
    private LocalHostFixture Host => browser.Host;

    [Fact]
    public async Task The_reference_page_renders_every_operation_from_this_origin_only_under_the_pages_csp()
    {
        var page = await Host.Http.GetAsync("/api/docs");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var authority = Host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RapidStart.Infrastructure.Auth.AuthOptions>>().Value.Authority;
        Assert.Equal(RapidStart.Functions.Http.SecurityHeaders.PolicyFor(authority), string.Join("", page.Headers.GetValues("Content-Security-Policy")));
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch("<script(?![^>]*\\ssrc=)", html);

        await using var session = await browser.OpenAsync();
        var foreign = new List<string>();
        session.Page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(Host.BaseUrl, StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                lock (foreign)
                {
                    foreign.Add(request.Url);
                }
            }
        };

        // From the console's header, as a partner finds it.
        await session.Page.GotoAsync(Host.BaseUrl + "/api/console");
        await session.Page.ClickAsync("#api-docs");
        await session.Page.WaitForURLAsync(Host.BaseUrl + "/api/docs");

        // Operations render on the client, grouped by tag: open one and read its summary.
        await Expect(session.Page.GetByRole(AriaRole.Heading, new() { Name = "RapidStart API (1.0.0)" })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await session.Page.GetByRole(AriaRole.Link, new() { Name = "get /customers", Exact = true }).First.ClickAsync();
        await Expect(session.Page.GetByText("List the caller's customers").First).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(session.Page, "api-docs");

        Assert.Empty(session.CspViolations());
        Assert.Empty(foreign);
    }
}
