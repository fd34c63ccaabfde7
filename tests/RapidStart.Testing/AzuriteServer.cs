using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RapidStart.Testing;

/// <summary>
/// Storage for tests: the Azurite that <c>./rapidstart test</c> started (its connection string in
/// <c>RAPIDSTART_TEST_STORAGE</c>), or a private Azurite (<c>node_modules/.bin/azurite</c> at the
/// repository root) with blob, queue and table services on free loopback ports (Durable's Azure
/// Storage provider needs all three), in memory or on disk in a data folder. A private one can be
/// stopped and started again on the same ports and folder.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    public const string EnvironmentVariable = "RAPIDSTART_TEST_STORAGE";

    /// <summary>Azurite's well-known development account key (public, the same in every Azurite).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private string _executable = "";
    private int _blob;
    private int _queue;
    private int _table;

    private AzuriteServer(string connectionString, bool shared, string? location)
    {
        ConnectionString = connectionString;
        IsShared = shared;
        Location = location;
    }

    public string ConnectionString { get; private set; }

    /// <summary>Azurite from <c>RAPIDSTART_TEST_STORAGE</c>: not started, stopped or disposed here.</summary>
    public bool IsShared { get; }

    /// <summary>The data folder (<c>--location</c>) of an on-disk Azurite, which survives a restart; null in memory.</summary>
    public string? Location { get; }

    /// <summary>The private Azurite's process while it runs.</summary>
    public Process? Process { get; private set; }

    public bool IsRunning => Process is { HasExited: false };

    public string Description => IsShared
        ? $"Azurite from {EnvironmentVariable}"
        : $"private {(Location is null ? "in-memory" : "on-disk")} Azurite (pid {Process?.Id})";

    public static string ConnectionStringFor(int blobPort, int queuePort, int tablePort) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1";

    /// <summary>A connection string with only a table endpoint.</summary>
    public static string TableConnectionStringFor(int tablePort) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";

    /// <summary>A private in-memory Azurite on free loopback ports.</summary>
    public static Task<AzuriteServer> InMemoryAsync() => StartAsync(location: null);

    /// <summary><c>RAPIDSTART_TEST_STORAGE</c> when it is set, else a private in-memory Azurite.</summary>
    public static Task<AzuriteServer> SharedOrInMemoryAsync() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { } configured && !string.IsNullOrWhiteSpace(configured)
            ? Task.FromResult(new AzuriteServer(configured, shared: true, location: null))
            : InMemoryAsync();

    /// <summary>
    /// A private Azurite on disk in <paramref name="location"/> (a new temporary folder when null,
    /// deleted on dispose), so what was written before <see cref="StopAsync"/> is there after
    /// <see cref="StartAgainAsync"/>. Always private: a shared Azurite must not be stopped under other tests.
    /// </summary>
    public static async Task<AzuriteServer> StartOnDiskAsync(string? location = null)
    {
        location ??= Path.Combine(Path.GetTempPath(), "rapidstart-azurite-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(location);
        return await StartAsync(location);
    }

    /// <summary>Starts Azurite again on the same ports (and data folder) as before.</summary>
    public async Task StartAgainAsync()
    {
        EnsurePrivate();
        if (IsRunning)
        {
            return;
        }

        await LaunchAsync();
    }

    /// <summary>
    /// Stops Azurite the way an operator would (SIGTERM, so it saves its data files), falling back to
    /// a kill, and waits until its ports refuse connections.
    /// </summary>
    public async Task StopAsync()
    {
        EnsurePrivate();
        if (Process is not { HasExited: false } process)
        {
            return;
        }

        if (!OperatingSystem.IsWindows())
        {
            _ = SysKill(process.Id, 15);
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        process.Dispose();
        Process = null;
        foreach (var port in new[] { _blob, _queue, _table })
        {
            if (!await LoopbackPorts.WaitAsync(port, listening: false, StopTimeout))
            {
                throw new TimeoutException($"Azurite port {port} did not close.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        if (Location is not null)
        {
            try
            {
                Directory.Delete(Location, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<AzuriteServer> StartAsync(string? location)
    {
        var azurite = new AzuriteServer("", shared: false, location);
        azurite._executable = azurite.FindExecutable();
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            // The ports are free now; another process could take one before Azurite binds, hence the retry.
            (azurite._blob, azurite._queue, azurite._table) = (LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free());
            azurite.ConnectionString = ConnectionStringFor(azurite._blob, azurite._queue, azurite._table);
            try
            {
                await azurite.LaunchAsync();
                return azurite;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                last = e;
                azurite.Kill();
            }
        }

        await azurite.DisposeAsync();
        throw new InvalidOperationException("Azurite did not start.", last);
    }

    private async Task LaunchAsync()
    {
        var start = new ProcessStartInfo(_executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Location ?? Path.GetTempPath(),
        };
        foreach (var argument in new[] { "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose" })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in Location is null ? new[] { "--inMemoryPersistence" } : new[] { "--location", Location })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (service, port) in new[] { ("blob", _blob), ("queue", _queue), ("table", _table) })
        {
            start.ArgumentList.Add($"--{service}Host");
            start.ArgumentList.Add("127.0.0.1");
            start.ArgumentList.Add($"--{service}Port");
            start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        Process = process;

        // Drain both pipes so a chatty Azurite never blocks on a full buffer.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + StartTimeout;
        foreach (var port in new[] { _blob, _queue, _table })
        {
            var listening = await LoopbackPorts.WaitAsync(port, listening: true, deadline - DateTime.UtcNow, () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"Azurite exited with code {process.ExitCode} before listening on port {port}.");
                }
            });
            if (!listening)
            {
                throw new TimeoutException($"Azurite did not listen on port {port} within {StartTimeout.TotalSeconds} s.");
            }
        }
    }

    private void Kill()
    {
        if (Process is null)
        {
            return;
        }

        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        Process.Dispose();
        Process = null;
    }

    private void EnsurePrivate()
    {
        if (IsShared)
        {
            throw new InvalidOperationException($"The Azurite from {EnvironmentVariable} is shared with other tests: it is not stopped or started here.");
        }
    }

    private string FindExecutable()
    {
        var name = OperatingSystem.IsWindows() ? "azurite.cmd" : "azurite";
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var bin = Path.Combine(directory.FullName, "node_modules", ".bin", name);
                if (File.Exists(bin))
                {
                    return bin;
                }
            }
        }

        throw new InvalidOperationException(Location is null
            ? $"Azurite is not installed: run ./rapidstart test (or npm ci at the repository root), or set {EnvironmentVariable}."
            : "Azurite is not installed: run npm ci at the repository root.");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
