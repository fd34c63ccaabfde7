using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using RapidStart.LocalHost;

namespace RapidStart.EndToEndTests;

/// <summary>
/// The local host, running in-process on free loopback ports over Azurite, exactly as
/// <c>./rapidstart up</c> runs it (Development, with the development token issuer), with its own
/// tables, task hub and mail folder so that test classes don't see each other's data.
/// </summary>
public class LocalHostFixture : IAsyncLifetime
{
    /// <summary>A fixed development signing key, so tests can also forge tokens the host must refuse.</summary>
    public static readonly byte[] SigningKey = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();

    private AzuriteProcess? _azurite;
    private WebApplication? _app;

    public HttpClient Http { get; private set; } = null!;
    public string MailDirectory { get; } = Path.Combine(Path.GetTempPath(), "rapidstart-e2e-mail-" + Guid.NewGuid().ToString("N")[..8]);
    public string BaseUrl { get; private set; } = "";

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync();
        var port = AzuriteProcess.FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        var unique = Guid.NewGuid().ToString("N")[..10];
        var settings = new Dictionary<string, string?>
        {
            ["RapidStart:LocalHost:Url"] = BaseUrl,
            ["RapidStart:LocalHost:SidecarPort"] = AzuriteProcess.FreePort().ToString(),
            ["RapidStart:LocalHost:TaskHubName"] = "e2e" + unique,
            ["RapidStart:LocalHost:RunTimers"] = "false",
            ["RapidStart:Storage:ConnectionString"] = _azurite.ConnectionString,
            ["RapidStart:Storage:TableName"] = "e2e" + unique,
            ["RapidStart:Storage:VoiceTableName"] = "voice" + unique,
            ["RapidStart:Email:PickupDirectory"] = MailDirectory,
            ["RapidStart:Auth:DevelopmentIssuerEnabled"] = "true",
            ["RapidStart:Telemetry:Console"] = "false",
            // Tests try many dead links on purpose; ActivationThrottleTests checks the limit itself.
            ["RapidStart:Activation:MaxFailedAttempts"] = "100000",
            ["RapidStart:Auth:DevelopmentSigningKey"] = Convert.ToBase64String(SigningKey),
            ["RapidStart:Lifecycle:PublicBaseUrl"] = BaseUrl + "/",
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        _app = LocalHostApp.Build(["--environment", "Development"], settings);
        await _app.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        await WaitUntilHealthyAsync();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    public async Task<string> TokenAsync(string subject, string[]? roles = null, string? partnerId = null)
    {
        var response = await Http.PostAsJsonAsync("/api/dev/token", new { sub = subject, roles = roles ?? [], partnerId });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    public async Task<HttpClient> ClientAsAsync(string subject, string[]? roles = null, string? partnerId = null)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(subject, roles, partnerId));
        return client;
    }

    public Task<HttpClient> PartnerAsync(string partnerId = "P-1001") =>
        ClientAsAsync($"agent@{partnerId.ToLowerInvariant()}.example", ["partner"], partnerId);

    private async Task WaitUntilHealthyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            var response = await Http.GetAsync("/api/health");
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("The local host did not become healthy within 90 s.");
    }
}
