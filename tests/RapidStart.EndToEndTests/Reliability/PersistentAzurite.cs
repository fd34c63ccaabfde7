using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>
/// An Azurite this fixture owns and can stop and start again on the same ports and the same data
/// folder (<c>--location</c>, not in-memory), so what was written before an outage is still there
/// after it. Always private: <c>RAPIDSTART_TEST_STORAGE</c> is ignored, since a shared Azurite must
/// not be stopped under other tests.
/// </summary>
public sealed class PersistentAzurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly int _blob;
    private readonly int _queue;
    private readonly int _table;
    private Process? _process;

    private PersistentAzurite(int blob, int queue, int table, string location)
    {
        (_blob, _queue, _table) = (blob, queue, table);
        Location = location;
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1";
    }

    public string ConnectionString { get; }

    /// <summary>The data folder that survives a restart.</summary>
    public string Location { get; }

    public bool IsRunning => _process is { HasExited: false };

    public static async Task<PersistentAzurite> StartAsync()
    {
        var location = Path.Combine(Path.GetTempPath(), "rapidstart-rel-azurite-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(location);
        var azurite = new PersistentAzurite(AzuriteProcess.FreePort(), AzuriteProcess.FreePort(), AzuriteProcess.FreePort(), location);
        await azurite.StartAgainAsync();
        return azurite;
    }

    /// <summary>Starts Azurite on the same ports and folder as before.</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning)
        {
            return;
        }

        var start = new ProcessStartInfo(FindAzurite())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Location,
        };
        foreach (var argument in new[]
        {
            "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose", "--location", Location,
            "--blobHost", "127.0.0.1", "--blobPort", $"{_blob}", "--queueHost", "127.0.0.1", "--queuePort", $"{_queue}",
            "--tableHost", "127.0.0.1", "--tablePort", $"{_table}",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        foreach (var port in new[] { _blob, _queue, _table })
        {
            await WaitForPortAsync(port, listening: true);
        }
    }

    /// <summary>
    /// Stops Azurite the way an operator would (SIGTERM, so it saves its data files), falling back
    /// to a kill, and waits until its ports refuse connections.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
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
        _process = null;
        foreach (var port in new[] { _blob, _queue, _table })
        {
            await WaitForPortAsync(port, listening: false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(Location, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    private static string FindAzurite()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var bin = Path.Combine(directory.FullName, "node_modules", ".bin", "azurite");
            if (File.Exists(bin))
            {
                return bin;
            }
        }

        throw new InvalidOperationException("Azurite is not installed: run npm ci at the repository root.");
    }

    private static async Task WaitForPortAsync(int port, bool listening)
    {
        for (var attempt = 0; attempt < 150; attempt++)
        {
            bool open;
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                open = true;
            }
            catch (SocketException)
            {
                open = false;
            }

            if (open == listening)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Azurite port {port} did not {(listening ? "open" : "close")}.");
    }
}
