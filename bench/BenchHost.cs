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
/// The local host in-process on free loopback ports over Azurite, as <c>./rapidstart up</c> runs it
/// (Development, development token issuer), with tables, task hub and mail folder of its own for
/// this run. Storage is the Azurite named by <c>RapidStart__Storage__ConnectionString</c> (what
/// <c>./rapidstart bench</c> exports), else a private in-memory Azurite started here.
/// </summary>
public sealed class BenchHost : IAsyncDisposable
{
    public const string ConnectionStringVariable = "RapidStart__Storage__ConnectionString";
    public const string PartnerId = "P-BENCH";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Process? _azurite;
    private WebApplication? _app;

    private BenchHost()
    {
    }

    public WebApplication App => _app!;

    public IServiceProvider Services => _app!.Services;

    public string ConnectionString { get; private set; } = "";

    public string StorageSource { get; private set; } = "";

    public string BaseUrl { get; private set; } = "";

    public string TableName { get; private set; } = "";

    public string VoiceTableName { get; private set; } = "";

    public string TaskHubName { get; private set; } = "";

    public string MailDirectory { get; } = Path.Combine(Path.GetTempPath(), "rapidstart-bench-mail-" + Guid.NewGuid().ToString("N")[..8]);

    public TimeSpan StartUpTime { get; private set; }

    /// <summary>The private Azurite's process, when the bench started one.</summary>
    public int? AzuritePid => _azurite?.Id;

    /// <summary>A client for the partner <see cref="PartnerId"/>, bearer token from the development issuer.</summary>
    public HttpClient Partner { get; private set; } = null!;

    public static async Task<BenchHost> StartAsync(CancellationToken cancellationToken)
    {
        var host = new BenchHost();
        var clock = Stopwatch.StartNew();
        if (Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } configured)
        {
            host.ConnectionString = configured;
            host.StorageSource = $"Azurite from {ConnectionStringVariable} (started by ./rapidstart bench)";
        }
        else
        {
            host.ConnectionString = await host.StartPrivateAzuriteAsync();
            host.StorageSource = "private in-memory Azurite started by the bench (no connection string in the environment)";
        }

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
            ["RapidStart:Storage:ConnectionString"] = host.ConnectionString,
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

    /// <summary>The Azurite version as the table service reports it in its <c>Server</c> header.</summary>
    public async Task<string> AzuriteVersionAsync(CancellationToken cancellationToken)
    {
        try
        {
            var table = new TableClient(ConnectionString, TableName);
            var response = await table.GetEntityIfExistsAsync<TableEntity>("~bench", "version", cancellationToken: cancellationToken);
            if (response.GetRawResponse().Headers.TryGetValue("Server", out var server) && server.Length > 0)
            {
                return server;
            }
        }
        catch (Azure.RequestFailedException)
        {
            // Fall back to the installed package below.
        }

        return FindAzuriteDirectory() is { } directory
            && JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "package.json"))).RootElement.TryGetProperty("version", out var version)
            ? $"azurite {version.GetString()} (npm package)"
            : "unknown";
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

            // Leave nothing behind in an Azurite that outlives the run (./rapidstart up's, say).
            if (_azurite is null)
            {
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
            }

            await _app.DisposeAsync();
        }

        if (_azurite is { HasExited: false })
        {
            _azurite.Kill(entireProcessTree: true);
            _azurite.WaitForExit(5000);
        }

        _azurite?.Dispose();
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

    private async Task<string> StartPrivateAzuriteAsync()
    {
        var directory = FindAzuriteDirectory()
            ?? throw new InvalidOperationException($"Azurite is not installed: run ./rapidstart bench (or npm ci at the repository root), or set {ConnectionStringVariable}.");
        var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
        var start = new ProcessStartInfo(Path.Combine(directory, "..", ".bin", "azurite"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in new[]
        {
            "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose", "--inMemoryPersistence",
            "--blobHost", "127.0.0.1", "--blobPort", $"{blob}", "--queueHost", "127.0.0.1", "--queuePort", $"{queue}",
            "--tableHost", "127.0.0.1", "--tablePort", $"{table}",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _azurite = Process.Start(start)!;
        _azurite.OutputDataReceived += (_, _) => { };
        _azurite.ErrorDataReceived += (_, _) => { };
        _azurite.BeginOutputReadLine();
        _azurite.BeginErrorReadLine();
        foreach (var port in new[] { blob, queue, table })
        {
            await WaitForPortAsync(port);
        }

        return $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1";
    }

    /// <summary>node_modules/azurite of the repository, found upwards from the program's directory.</summary>
    private static string? FindAzuriteDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "node_modules", "azurite");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }

        return null;
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (var attempt = 0; attempt < 150; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"Azurite did not listen on port {port}.");
    }

    private static async Task BestEffortAsync(Func<Task> action)
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
