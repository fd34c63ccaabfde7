using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RapidStart.IntegrationTests.Infrastructure;

/// <summary>
/// An Azurite Table service for integration tests. A CI script that already runs Azurite sets
/// <c>RAPIDSTART_TEST_STORAGE</c> to its connection string; otherwise the fixture starts the repo's
/// own <c>node_modules/.bin/azurite-table</c> (from <c>npm install</c> at the repo root) on a free
/// loopback port, in memory, and stops it on dispose. Tests isolate themselves by table name.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "RAPIDSTART_TEST_STORAGE";

    /// <summary>Azurite's well-known development account key (public, the same in every Azurite).</summary>
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private Process? _azurite;

    public string ConnectionString { get; private set; } = "";

    /// <summary>A table name no other test uses (letters and digits, starting with a letter, at most 63).</summary>
    public static string UniqueTableName(string prefix = "t") => prefix + Guid.NewGuid().ToString("N")[..20];

    public static string ConnectionStringFor(int port) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";

    public async Task InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            ConnectionString = configured;
            return;
        }

        var executable = FindAzuriteTable();
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            // The port is free now; another process could take it before Azurite binds, hence the retry.
            var port = FreeLoopbackPort();
            try
            {
                _azurite = Start(executable, port);
                await WaitUntilListeningAsync(_azurite, port);
                ConnectionString = ConnectionStringFor(port);
                return;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                last = e;
                Stop();
            }
        }

        throw new InvalidOperationException("Azurite did not start.", last);
    }

    public Task DisposeAsync()
    {
        Stop();
        return Task.CompletedTask;
    }

    private static string FindAzuriteTable()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "package.json")))
            {
                var bin = Path.Combine(directory.FullName, "node_modules", ".bin", OperatingSystem.IsWindows() ? "azurite-table.cmd" : "azurite-table");
                if (File.Exists(bin))
                {
                    return bin;
                }

                throw new InvalidOperationException(
                    $"Azurite is not installed: run 'npm install' in {directory.FullName}, or set {EnvironmentVariable} to a running Azurite's connection string.");
            }
        }

        throw new InvalidOperationException($"No package.json above {AppContext.BaseDirectory}; set {EnvironmentVariable} to a running Azurite's connection string.");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Process Start(string executable, int port)
    {
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in new[]
        {
            "--tableHost", "127.0.0.1", "--tablePort", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--loose", "--silent",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");

        // Drain both pipes so a chatty Azurite never blocks on a full buffer.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilListeningAsync(Process process, int port)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {process.ExitCode} before listening on port {port}.");
            }

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

        throw new TimeoutException($"Azurite did not listen on port {port} within {StartTimeout.TotalSeconds} s.");
    }

    private void Stop()
    {
        if (_azurite is null)
        {
            return;
        }

        try
        {
            if (!_azurite.HasExited)
            {
                _azurite.Kill(entireProcessTree: true);
                _azurite.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _azurite.Dispose();
        _azurite = null;
    }
}

/// <summary>One Azurite for every test class that stores tables; each class still uses its own tables.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
