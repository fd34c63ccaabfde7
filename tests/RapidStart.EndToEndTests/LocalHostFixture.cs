using Microsoft.Extensions.DependencyInjection;

namespace RapidStart.EndToEndTests;

/// <summary>
/// The local host, running in-process on free loopback ports over Azurite, exactly as
/// <c>./rapidstart up</c> runs it (Development, with the development token issuer), with its own
/// tables, task hub and mail folder so that test classes don't see each other's data
/// (<see cref="InProcessLocalHost"/>). Subclasses choose settings.
/// </summary>
public class LocalHostFixture : IAsyncLifetime
{
    private InProcessLocalHost? _host;

    public HttpClient Http => Running.Http;

    public string MailDirectory => Running.MailDirectory;

    public string BaseUrl => Running.BaseUrl;

    public IServiceProvider Services => Running.Services;

    /// <summary>Tokens a test makes itself for this host's local identity provider.</summary>
    public TokenForge Tokens => Running.Tokens;

    /// <summary>Where the host's local identity provider listens (in Development).</summary>
    public string IdentityUrl => Running.IdentityUrl;

    /// <summary>The storage account and main table this host uses.</summary>
    public string ConnectionString => Running.ConnectionString;

    public string TableName => Running.TableName;

    /// <summary>The Azurite under the host: the shared one, or one of its own (<see cref="StartStorageAsync"/>).</summary>
    protected AzuriteServer? Storage { get; private set; }

    protected InProcessLocalHost Running => _host ?? throw new InvalidOperationException("The local host has not started.");

    /// <summary>The start of the host's table, task hub and mail folder names.</summary>
    protected virtual string NamePrefix => "e2e";

    /// <summary>Settings of this kind of fixture; <see cref="Settings"/> go on top.</summary>
    protected virtual IDictionary<string, string?> BaseSettings => new Dictionary<string, string?>
    {
        // Tests try many dead links on purpose; ActivationThrottleTests checks the limit itself.
        ["RapidStart:Activation:MaxFailedAttempts"] = "100000",
    };

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>The host's environment: Development, as <c>./rapidstart up</c> runs it, unless a fixture plays a deployment.</summary>
    protected virtual string EnvironmentName => "Development";

    protected virtual Task<AzuriteServer> StartStorageAsync() => AzuriteServer.SharedOrInMemoryAsync();

    /// <summary>Runs right after the RapidStart services are added (see <c>LocalHostApp.Build</c>).</summary>
    protected virtual void ConfigureHostServices(IServiceCollection services)
    {
    }

    public async Task InitializeAsync()
    {
        Storage = await StartStorageAsync();
        var settings = new Dictionary<string, string?>(BaseSettings);
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        _host = await InProcessLocalHost.StartAsync(Storage.ConnectionString, NamePrefix, settings, ConfigureHostServices, environment: EnvironmentName);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (Storage is not null)
        {
            await Storage.DisposeAsync();
        }
    }

    public Task<string> TokenAsync(string subject, string[]? roles = null, string? partnerId = null) =>
        Running.TokenAsync(subject, roles, partnerId);

    public Task<HttpClient> ClientAsAsync(string subject, string[]? roles = null, string? partnerId = null) =>
        Running.ClientAsAsync(subject, roles, partnerId);

    public Task<HttpClient> PartnerAsync(string partnerId = "P-1001") => Running.PartnerAsync(partnerId);

    /// <summary>Waits until <c>/api/health</c> answers 200 again (after an outage, say).</summary>
    public Task WaitUntilHealthyAsync(TimeSpan timeout) => Running.WaitUntilHealthyAsync(timeout);
}
