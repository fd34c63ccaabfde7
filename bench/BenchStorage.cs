using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Azure.Data.Tables;

namespace RapidStart.Bench;

/// <summary>
/// The Azurite every local host of the run uses: the one named by <c>RapidStart__Storage__ConnectionString</c>
/// (what <c>./rapidstart bench</c> exports), else a private in-memory Azurite started here (the way
/// the end-to-end tests start one) and stopped at the end.
/// </summary>
public sealed class BenchStorage : IAsyncDisposable
{
    public const string ConnectionStringVariable = "RapidStart__Storage__ConnectionString";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Process? _azurite;

    private BenchStorage()
    {
    }

    public string ConnectionString { get; private set; } = "";

    /// <summary>Where the Azurite came from, for the report.</summary>
    public string Source { get; private set; } = "";

    /// <summary>The private Azurite's process, when the bench started one.</summary>
    public int? AzuritePid => _azurite?.Id;

    public static async Task<BenchStorage> StartAsync()
    {
        var storage = new BenchStorage();
        if (Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } configured)
        {
            storage.ConnectionString = configured;
            storage.Source = $"Azurite from {ConnectionStringVariable} (started by ./rapidstart bench, in-memory)";
        }
        else
        {
            storage.ConnectionString = await storage.StartPrivateAzuriteAsync();
            storage.Source = "private in-memory Azurite started by the bench (no connection string in the environment)";
        }

        return storage;
    }

    public ValueTask DisposeAsync()
    {
        if (_azurite is { HasExited: false })
        {
            _azurite.Kill(entireProcessTree: true);
            _azurite.WaitForExit(5000);
        }

        _azurite?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The Azurite version as the table service reports it in its <c>Server</c> header.</summary>
    public async Task<string> AzuriteVersionAsync(CancellationToken cancellationToken)
    {
        try
        {
            var table = new TableClient(ConnectionString, "benchversionprobe");
            await table.CreateIfNotExistsAsync(cancellationToken);
            var response = await table.GetEntityIfExistsAsync<TableEntity>("~bench", "version", cancellationToken: cancellationToken);
            await table.DeleteAsync(cancellationToken);
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

    private async Task<string> StartPrivateAzuriteAsync()
    {
        var directory = FindAzuriteDirectory()
            ?? throw new InvalidOperationException($"Azurite is not installed: run ./rapidstart bench (or npm ci at the repository root), or set {ConnectionStringVariable}.");
        var (blob, queue, table) = (BenchHost.FreePort(), BenchHost.FreePort(), BenchHost.FreePort());
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

}
