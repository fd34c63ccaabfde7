using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Core;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RapidStart.Infrastructure.Storage;
using RapidStart.LocalHost;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>
/// The local host in-process, like <see cref="LocalHostFixture"/>, with two additions for fault
/// tests: a <see cref="FaultInjectionPolicy"/> in every table client's pipeline, and a hook to
/// replace services (the email port). Subclasses choose settings and, if they need to stop and
/// restart storage, their own persistent Azurite.
/// </summary>
public class ReliabilityHost : IAsyncLifetime
{
    private AzuriteProcess? _sharedAzurite;
    private WebApplication? _app;

    public FaultInjectionPolicy Faults { get; } = new();

    public HttpClient Http { get; private set; } = null!;

    public string MailDirectory { get; } = Path.Combine(Path.GetTempPath(), "rapidstart-rel-mail-" + Guid.NewGuid().ToString("N")[..8]);

    public string BaseUrl { get; private set; } = "";

    public IServiceProvider Services => _app!.Services;

    /// <summary>The storage account and main table this host uses (for <see cref="StorageProbe"/>).</summary>
    public string ConnectionString { get; private set; } = "";

    public string TableName { get; private set; } = "";

    /// <summary>Activation tokens of the subscription in state Live, mailed or not.</summary>
    public Task<int> LiveTokensAsync(string region, string customerId) =>
        StorageProbe.LiveTokensAsync(ConnectionString, TableName, region, customerId);

    /// <summary>Set when the fixture owns a restartable Azurite (see <see cref="OwnsPersistentAzurite"/>).</summary>
    public PersistentAzurite? Azurite { get; private set; }

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    protected virtual bool OwnsPersistentAzurite => false;

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public async Task InitializeAsync()
    {
        string connectionString;
        if (OwnsPersistentAzurite)
        {
            Azurite = await PersistentAzurite.StartAsync();
            connectionString = Azurite.ConnectionString;
        }
        else
        {
            _sharedAzurite = await AzuriteProcess.StartAsync();
            connectionString = _sharedAzurite.ConnectionString;
        }

        BaseUrl = $"http://127.0.0.1:{AzuriteProcess.FreePort()}";
        var unique = Guid.NewGuid().ToString("N")[..10];
        ConnectionString = connectionString;
        TableName = "rel" + unique;
        var settings = new Dictionary<string, string?>
        {
            ["RapidStart:LocalHost:Url"] = BaseUrl,
            ["RapidStart:LocalHost:SidecarPort"] = AzuriteProcess.FreePort().ToString(),
            ["RapidStart:LocalHost:TaskHubName"] = "rel" + unique,
            ["RapidStart:LocalHost:RunTimers"] = "false",
            ["RapidStart:Storage:ConnectionString"] = connectionString,
            ["RapidStart:Storage:TableName"] = TableName,
            ["RapidStart:Storage:VoiceTableName"] = "relvoice" + unique,
            ["RapidStart:Email:PickupDirectory"] = MailDirectory,
            ["RapidStart:Auth:DevelopmentIssuerEnabled"] = "true",
            ["RapidStart:Telemetry:Console"] = "false",
            ["RapidStart:Auth:DevelopmentSigningKey"] = Convert.ToBase64String(LocalHostFixture.SigningKey),
            ["RapidStart:Lifecycle:PublicBaseUrl"] = BaseUrl + "/",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        _app = LocalHostApp.Build(["--environment", "Development"], settings, services =>
        {
            var options = TableRouter.DefaultClientOptions();
            options.AddPolicy(Faults, HttpPipelinePosition.PerRetry);
            services.AddSingleton<TableClientOptions>(options);
            ConfigureServices(services);
        });
        await _app.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        await WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_sharedAzurite is not null)
        {
            await _sharedAzurite.DisposeAsync();
        }

        if (Azurite is not null)
        {
            await Azurite.DisposeAsync();
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

    public async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await Http.GetAsync("/api/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"The local host did not become healthy within {timeout.TotalSeconds} s.");
    }
}
