using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Azure.Data.Tables;
using DurableTask.AzureStorage;
using Microsoft.AspNetCore.Builder;
using RapidStart.LocalHost;

namespace RapidStart.Bench;

/// <summary>
/// The local host in-process on free loopback ports over the bench's Azurite, as <c>./rapidstart up</c>
/// runs it (Development, development token issuer), with tables, task hub and mail folder of its own.
/// Disposing it stops it and deletes its tables and task hub.
/// </summary>
public sealed class BenchHost : IAsyncDisposable
{
    public const string PartnerId = "P-BENCH";

    private WebApplication? _app;

    private BenchHost(BenchStorage storage) => Storage = storage;

    public BenchStorage Storage { get; }

    public WebApplication App => _app!;

    public IServiceProvider Services => _app!.Services;

    public string ConnectionString => Storage.ConnectionString;

    public string BaseUrl { get; private set; } = "";

    public string TableName { get; private set; } = "";

    public string VoiceTableName { get; private set; } = "";

    public string TaskHubName { get; private set; } = "";

    public string MailDirectory { get; } = Path.Combine(Path.GetTempPath(), "rapidstart-bench-mail-" + Guid.NewGuid().ToString("N")[..8]);

    public TimeSpan StartUpTime { get; private set; }

    /// <summary>A client for the partner <see cref="PartnerId"/>, bearer token from the development issuer.</summary>
    public HttpClient Partner { get; private set; } = null!;

    public static async Task<BenchHost> StartAsync(BenchStorage storage, CancellationToken cancellationToken)
    {
        var host = new BenchHost(storage);
        var clock = Stopwatch.StartNew();

        var unique = Guid.NewGuid().ToString("N")[..10];
        host.BaseUrl = $"http://127.0.0.1:{FreePort()}";
        host.TableName = "bench" + unique;
        host.VoiceTableName = "benchvoice" + unique;
        host.TaskHubName = "bench" + unique;
        var settings = new Dictionary<string, string?>
        {
            ["RapidStart:LocalHost:Url"] = host.BaseUrl,
            ["RapidStart:LocalHost:SidecarPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RapidStart:LocalHost:TaskHubName"] = host.TaskHubName,
            ["RapidStart:LocalHost:RunTimers"] = "false",
            ["RapidStart:Storage:ConnectionString"] = storage.ConnectionString,
            ["RapidStart:Storage:TableName"] = host.TableName,
            ["RapidStart:Storage:VoiceTableName"] = host.VoiceTableName,
            ["RapidStart:Email:PickupDirectory"] = host.MailDirectory,
            ["RapidStart:Auth:DevelopmentIssuerEnabled"] = "true",
            ["RapidStart:Lifecycle:PublicBaseUrl"] = host.BaseUrl + "/",

            // The report goes to stdout: no console metrics exporter, and the host logs only warnings and errors, to stderr.
            ["RapidStart:Telemetry:Console"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:Console:LogToStandardErrorThreshold"] = "Trace",
        };

        host._app = LocalHostApp.Build(["--environment", "Development"], settings);
        await host._app.StartAsync(cancellationToken);
        using (var anonymous = new HttpClient { BaseAddress = new Uri(host.BaseUrl) })
        {
            await WaitUntilHealthyAsync(anonymous, cancellationToken);
            var token = await TokenAsync(anonymous, "bench-agent@p-bench.example", ["partner"], PartnerId, cancellationToken);
            host.Partner = NewClient(host.BaseUrl, token);
        }

        host.StartUpTime = clock.Elapsed;
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        Partner?.Dispose();
        if (_app is not null)
        {
            var hub = _app.Services.GetService<AzureStorageOrchestrationService>();
            // Graceful stop waits for the Durable worker's gRPC stream into the same Kestrel; past 10 s the bench stops waiting.
            var stopping = Stopwatch.StartNew();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _app.StopAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                // Stopped ungracefully: nothing of this host is used again.
            }

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

            await _app.DisposeAsync();
        }

        await BestEffortAsync(() =>
        {
            if (Directory.Exists(MailDirectory))
            {
                Directory.Delete(MailDirectory, recursive: true);
            }

            return Task.CompletedTask;
        });
    }

    public static HttpClient NewClient(string baseUrl, string token)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10), MaxConnectionsPerServer = 256 };
        var client = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<string> TokenAsync(HttpClient http, string subject, string[] roles, string partnerId, CancellationToken cancellationToken)
    {
        var response = await http.PostAsJsonAsync("/api/dev/token", new { sub = subject, roles, partnerId }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString()!;
    }

    private static async Task WaitUntilHealthyAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        for (var attempt = 0; attempt < 600 && deadline.Elapsed < TimeSpan.FromSeconds(120); attempt++)
        {
            try
            {
                using var response = await http.GetAsync("/api/health", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Kestrel not listening yet.
            }

            await Task.Delay(250, cancellationToken);
        }

        throw new TimeoutException("The local host did not answer /api/health with 200 within 120 s.");
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
