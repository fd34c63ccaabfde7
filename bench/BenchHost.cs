using System.Diagnostics;
using Azure.Data.Tables;
using DurableTask.AzureStorage;
using Microsoft.AspNetCore.Builder;
using RapidStart.Testing;

namespace RapidStart.Bench;

/// <summary>
/// The local host in-process over the bench's Azurite (<see cref="InProcessLocalHost"/>: as
/// <c>./rapidstart up</c> runs it, on free ports, with tables, task hub and mail folder of its own),
/// signed in as the bench's partner. Disposing it stops it and deletes its tables and task hub.
/// </summary>
public sealed class BenchHost : IAsyncDisposable
{
    public const string PartnerId = "P-BENCH";

    private readonly InProcessLocalHost _host;
    private readonly SocketsHttpHandler _partnerHandler;

    private BenchHost(BenchStorage storage, InProcessLocalHost host, SocketsHttpHandler partnerHandler, HttpClient partner, TimeSpan startUpTime)
    {
        Storage = storage;
        _host = host;
        _partnerHandler = partnerHandler;
        Partner = partner;
        StartUpTime = startUpTime;
    }

    public BenchStorage Storage { get; }

    public WebApplication App => _host.App;

    public IServiceProvider Services => _host.Services;

    public string ConnectionString => _host.ConnectionString;

    public string BaseUrl => _host.BaseUrl;

    public string TableName => _host.TableName;

    public string VoiceTableName => _host.Settings["RapidStart:Storage:VoiceTableName"]!;

    public string TaskHubName => _host.Settings["RapidStart:LocalHost:TaskHubName"]!;

    /// <summary>The Durable engine's tables: the Azure Storage provider names them after the task hub.</summary>
    public string InstancesTableName => TaskHubName + "Instances";

    public string HistoryTableName => TaskHubName + "History";

    public string MailDirectory => _host.MailDirectory;

    /// <summary>From start until <c>/api/health</c> answered 200 (the Durable engine ready).</summary>
    public TimeSpan StartUpTime { get; }

    /// <summary>A client for the partner <see cref="PartnerId"/>, bearer token from the development issuer.</summary>
    public HttpClient Partner { get; }

    /// <param name="settings">Settings on top of the bench's (compressed lifecycle periods, say).</param>
    /// <param name="configureServices">Adds to the host's services (an extra orchestration, say).</param>
    public static async Task<BenchHost> StartAsync(
        BenchStorage storage, CancellationToken cancellationToken, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
    {
        var clock = Stopwatch.StartNew();
        var all = LocalHostSettings.WarningsToStandardError();
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var host = await InProcessLocalHost.StartAsync(
            storage.ConnectionString,
            "bench",
            all,
            configureServices,
            healthTimeout: TimeSpan.FromSeconds(120)).WaitAsync(cancellationToken);
        var startUpTime = clock.Elapsed;
        var token = await DevTokens.PartnerTokenAsync(host.Http, PartnerId, "bench-agent@p-bench.example");
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10), MaxConnectionsPerServer = 256 };
        var partner = DevTokens.Client(host.BaseUrl, token, handler, TimeSpan.FromSeconds(60));
        return new BenchHost(storage, host, handler, partner, startUpTime);
    }

    public async ValueTask DisposeAsync()
    {
        Partner.Dispose();
        _partnerHandler.Dispose();
        var hub = Services.GetService<AzureStorageOrchestrationService>();
        var stopping = Stopwatch.StartNew();
        await _host.StopAsync();
        Progress.Step($"local host stopped after {stopping.Elapsed.TotalSeconds:0.0} s");

        // Leave nothing behind: frees Azurite's memory for the next host, and an Azurite that
        // outlives the run (./rapidstart up's, say) keeps none of the bench's data.
        await BestEffortAsync(async () =>
        {
            var account = new TableServiceClient(ConnectionString);
            await account.DeleteTableAsync(TableName);
            await account.DeleteTableAsync(VoiceTableName);
            if (hub is not null)
            {
                await hub.DeleteAsync();
            }
        });

        await _host.DisposeAsync();
        await BestEffortAsync(() =>
        {
            if (Directory.Exists(MailDirectory))
            {
                Directory.Delete(MailDirectory, recursive: true);
            }

            return Task.CompletedTask;
        });
    }

    internal static async Task BestEffortAsync(Func<Task> action)
    {
        try
        {
            await action().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"[bench] clean-up step failed (ignored): {e.GetType().Name}: {e.Message.Split('\n')[0]}");
        }
    }
}
