using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RapidStart.LocalHost;

namespace RapidStart.Testing;

/// <summary>
/// The local host running in this process on free loopback ports, exactly as <c>./rapidstart up</c>
/// runs it (Development, with its local identity provider on a port of its own; see
/// <see cref="LocalHostSettings.Isolated"/>), started and healthy.
/// </summary>
public sealed class InProcessLocalHost : IAsyncDisposable
{
    public static readonly TimeSpan DefaultHealthTimeout = TimeSpan.FromSeconds(90);

    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private bool _stopped;

    private InProcessLocalHost(WebApplication app, IReadOnlyDictionary<string, string?> settings)
    {
        App = app;
        Settings = settings;
        BaseUrl = settings["RapidStart:LocalHost:Url"]!;
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
    }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>Every setting the host was given beyond its defaults.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    public string BaseUrl { get; }

    /// <summary>The local identity provider's address (its authority is <c>{IdentityUrl}/common/v2.0</c>).</summary>
    public string IdentityUrl => Settings["RapidStart:LocalIdentity:Url"]!;

    /// <summary>Tokens a test makes itself for this host's provider (to be refused, or accepted).</summary>
    public TokenForge Tokens => TokenForge.For(Settings);

    /// <summary>An anonymous client of the host.</summary>
    public HttpClient Http { get; }

    /// <summary>The pickup folder the host writes its emails to (<c>.eml</c> files).</summary>
    public string MailDirectory => Settings["RapidStart:Email:PickupDirectory"]!;

    /// <summary>The storage account and main table the host uses.</summary>
    public string ConnectionString => Settings["RapidStart:Storage:ConnectionString"]!;

    public string TableName => Settings["RapidStart:Storage:TableName"]!;

    /// <summary>
    /// Starts a host over <paramref name="storageConnectionString"/> with names of its own starting with
    /// <paramref name="prefix"/> (tables, task hub, the mail folder <c>rapidstart-{prefix}-mail-…</c> in the
    /// temp folder), then <paramref name="settings"/> on top; <paramref name="configureServices"/> may add
    /// or replace services; <paramref name="environment"/> other than Development plays a deployment (no
    /// identity provider, no development token). Returns once <c>/api/health</c> answers 200.
    /// </summary>
    public static async Task<InProcessLocalHost> StartAsync(
        string storageConnectionString,
        string prefix,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null,
        TimeSpan? healthTimeout = null,
        Action<string>? log = null,
        string environment = "Development")
    {
        var unique = LocalHostSettings.NewUnique();
        var mailDirectory = Path.Combine(Path.GetTempPath(), $"rapidstart-{prefix}-mail-" + Guid.NewGuid().ToString("N")[..8]);
        var all = LocalHostSettings.Isolated(
            storageConnectionString, prefix, unique, $"http://127.0.0.1:{LoopbackPorts.Free()}", LoopbackPorts.Free(), mailDirectory);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var host = new InProcessLocalHost(LocalHostApp.Build(["--environment", environment], all, configureServices), all);
        try
        {
            await host.App.StartAsync();
            await host.WaitUntilHealthyAsync(healthTimeout ?? DefaultHealthTimeout, log);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    /// <summary>Polls <c>/api/health</c> until it answers 200 (storage answers and the Durable engine runs).</summary>
    public async Task WaitUntilHealthyAsync(TimeSpan timeout, Action<string>? log = null)
    {
        var (healthy, _) = await Polling.UntilAsync(
            async () =>
            {
                try
                {
                    using var response = await Http.GetAsync("/api/health");
                    return response.IsSuccessStatusCode;
                }
                catch (HttpRequestException e)
                {
                    log?.Invoke($"health: {e.Message}");
                    return false;
                }
            },
            ok => ok,
            timeout,
            TimeSpan.FromMilliseconds(250));
        if (!healthy)
        {
            throw new TimeoutException($"The local host did not become healthy within {timeout.TotalSeconds} s.");
        }
    }

    public Task<string> TokenAsync(string subject, string[]? roles = null, string? partnerId = null) =>
        DevTokens.IssueAsync(Http, subject, roles, partnerId);

    /// <summary>A client signed in as <paramref name="subject"/> with a token from the host's local identity provider.</summary>
    public async Task<HttpClient> ClientAsAsync(string subject, string[]? roles = null, string? partnerId = null) =>
        DevTokens.Client(BaseUrl, await TokenAsync(subject, roles, partnerId));

    /// <summary>A client signed in as partner <paramref name="partnerId"/>'s agent, its tenant registered (<see cref="DevTokens.PartnerTokenAsync"/>).</summary>
    public async Task<HttpClient> PartnerAsync(string partnerId = "P-1001") =>
        DevTokens.Client(BaseUrl, await DevTokens.PartnerTokenAsync(Http, partnerId));

    /// <summary>
    /// Stops the host, waiting at most <see cref="StopTimeout"/> for a graceful stop (the Durable
    /// worker's stream into the same Kestrel ends last); stopping again does nothing.
    /// </summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await App.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Stopped ungracefully: nothing of this host is used again.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await StopAsync();
        await App.DisposeAsync();
    }
}
