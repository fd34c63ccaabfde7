using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using RapidStart.LocalHost;
using static Microsoft.Playwright.Assertions;

namespace RapidStart.EndToEndTests.Browser;

/// <summary>
/// The local host exporting OTLP to an Aspire dashboard of its own (on free loopback ports), as
/// <c>./rapidstart up</c> runs them.
/// </summary>
public sealed class DashboardHost : LocalHostFixture, IAsyncLifetime
{
    private readonly int _otlpPort = LoopbackPorts.Free();
    private Process? _dashboard;

    public string DashboardUrl { get; } = $"http://127.0.0.1:{LoopbackPorts.Free()}";

    public HttpClient Dashboard { get; private set; } = null!;

    protected override string NamePrefix => "dash";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{_otlpPort}",
        // Spans leave in batches; a short delay keeps the test short.
        ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
    };

    public new async Task InitializeAsync()
    {
        var start = new ProcessStartInfo(AspireDashboard.ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(AspireDashboard.ExecutablePath)!,
        };
        foreach (var (key, value) in AspireDashboard.Environment(DashboardUrl, $"http://127.0.0.1:{_otlpPort}"))
        {
            start.Environment[key] = value;
        }

        Assert.True(File.Exists(start.FileName), $"The Aspire dashboard is missing at {start.FileName}: restore the local host project.");
        _dashboard = Process.Start(start)!;
        _dashboard.OutputDataReceived += (_, _) => { };
        _dashboard.ErrorDataReceived += (_, _) => { };
        _dashboard.BeginOutputReadLine();
        _dashboard.BeginErrorReadLine();
        Dashboard = new HttpClient { BaseAddress = new Uri(DashboardUrl), Timeout = TimeSpan.FromSeconds(30) };
        Assert.True(await LoopbackPorts.WaitAsync(new Uri(DashboardUrl).Port, listening: true, TimeSpan.FromSeconds(60)), "The Aspire dashboard did not start.");
        await base.InitializeAsync();
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Dashboard?.Dispose();
        if (_dashboard is { HasExited: false })
        {
            _dashboard.Kill(entireProcessTree: true);
            await _dashboard.WaitForExitAsync();
        }

        _dashboard?.Dispose();
    }

    /// <summary>The spans the dashboard holds, by trace (its telemetry API, OTLP JSON).</summary>
    public async Task<ILookup<string, (string Scope, string Name)>> TracesAsync()
    {
        using var document = JsonDocument.Parse(await Dashboard.GetStringAsync("/api/telemetry/traces"));
        return document.RootElement.GetProperty("data").GetProperty("resourceSpans").EnumerateArray()
            .SelectMany(r => r.GetProperty("scopeSpans").EnumerateArray())
            .SelectMany(s => s.GetProperty("spans").EnumerateArray().Select(span => (
                Trace: span.GetProperty("traceId").GetString()!,
                Scope: s.GetProperty("scope").GetProperty("name").GetString()!,
                Name: span.GetProperty("name").GetString()!)))
            .ToLookup(s => s.Trace, s => (s.Scope, s.Name));
    }
}

/// <summary>Traces of the local host in the Aspire dashboard: a Send Activation with its table calls, the orchestration with its activities.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardTests(BrowserFixture browser, DashboardHost host) : IClassFixture<DashboardHost>
{
    private const string SendActivation = "POST /api/customers/{customerId}/services/{serviceId}/activation";

    [Fact]
    public async Task The_dashboard_shows_the_trace_of_a_send_activation_with_its_table_calls()
    {
        var partner = await host.PartnerAsync();
        var created = await HttpAssert.JsonAsync(await partner.PostAsJsonAsync("/api/customers", new
        {
            kind = "prospect",
            organization = new { name = "Traced Ltd", address = new { city = "Dublin", countryRegion = "IE" } },
            administrator = new { name = "Dana Admin", microsoftAccountId = "dana@traced.example", contactEmail = "it@traced.example" },
        }), HttpStatusCode.Created);
        var id = created.GetProperty("customerId").GetString()!;
        await HttpAssert.JsonAsync(await partner.PostAsJsonAsync($"/api/customers/{id}/services", new { serviceId = "rapidstart", countryRegion = "IE" }), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{id}/services/rapidstart/activation", null), HttpStatusCode.Accepted);

        // Over OTLP: the request with its table calls; the orchestration with its activities.
        var (arrived, traces) = await Polling.UntilAsync(
            host.TracesAsync,
            t => t.Any(trace => trace.Contains(("Microsoft.AspNetCore", SendActivation)) && trace.Any(s => s.Scope.StartsWith("Azure.Data.Tables", StringComparison.Ordinal)))
                // A lifecycle runs for months: its own span ends with it, but its start and activities are traced as they happen.
                && t.Any(trace => trace.Any(s => s.Name == "create_orchestration:ActivationLifecycleOrchestrator") && trace.Any(s => s.Name == "activity:SendInvitation")),
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(500));
        Assert.True(arrived, $"The dashboard has no Send Activation trace with table calls, or no orchestration with its SendInvitation activity among {traces.Count} traces: "
            + string.Join("; ", traces.Select(t => string.Join(", ", t.Select(s => s.Name).Distinct()))));

        var traceId = traces.First(t => t.Contains(("Microsoft.AspNetCore", SendActivation))).Key;

        // In the browser: the traces page lists it, and its page shows the request with its table calls.
        await using var session = await browser.OpenAsync();
        var page = session.Page;
        await page.GotoAsync(host.DashboardUrl + "/traces");
        await Expect(page.GetByText("rapidstart: " + SendActivation).First).ToBeAttachedAsync(new() { Timeout = 30_000 });
        await page.GotoAsync($"{host.DashboardUrl}/traces/detail/{traceId}");
        await Expect(page.GetByText("TableClient.SubmitTransaction").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.GetByText("orchestration_event:LifecycleSignal").First).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "dashboard-send-activation");
    }
}
