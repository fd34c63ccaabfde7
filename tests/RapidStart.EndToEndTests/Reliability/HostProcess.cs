using System.Diagnostics;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>
/// The local host as a separate process (<c>dotnet localhost/bin/{Configuration}/net10.0/RapidStart.LocalHost.dll</c>),
/// configured only through environment variables, so a test can SIGKILL it the way a crash or an
/// out-of-memory kill would end it, and start another on the same storage, task hub and ports.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private HostProcess(Process process, StreamWriter log, string baseUrl)
    {
        _process = process;
        _log = log;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string BaseUrl { get; }

    public HttpClient Http { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The local host's build output, next to this test's own configuration (Debug or Release).</summary>
    public static string LocalHostDll()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testOutput.Parent!.Name; // .../bin/{Configuration}/net10.0
        var dll = Path.Combine(RepositoryFiles.Root, "localhost", "bin", configuration, "net10.0", "RapidStart.LocalHost.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the local host first ({configuration}).", dll);
    }

    public static HostProcess Start(IReadOnlyDictionary<string, string> environment, string logPath)
    {
        var dll = LocalHostDll();
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        log.WriteLine($"==== {DateTime.UtcNow:O} starting {dll}");
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new HostProcess(process, log, environment["RapidStart__LocalHost__Url"]);
    }

    /// <summary>SIGKILL (Process.Kill on the root process is SIGKILL on Linux): no shutdown code runs.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        _process.WaitForExit(10_000);
        Write(_log, $"==== {DateTime.UtcNow:O} killed (SIGKILL)");
    }

    /// <summary>Waits until the host answers HTTP at all (health may still say "starting" while the Durable engine takes its leases).</summary>
    public Task WaitUntilServingAsync(TimeSpan timeout) => WaitAsync(timeout, healthy: false);

    /// <summary>Waits until health answers 200: storage answers and the Durable engine has run an orchestration.</summary>
    public Task WaitUntilHealthyAsync(TimeSpan timeout) => WaitAsync(timeout, healthy: true);

    public async Task<HttpClient> ClientAsAsync(string subject, string[]? roles = null, string? partnerId = null) =>
        DevTokens.Client(BaseUrl, await DevTokens.IssueAsync(Http, subject, roles, partnerId), timeout: TimeSpan.FromSeconds(30));

    public async Task<HttpClient> PartnerAsync(string partnerId = "P-1001") =>
        DevTokens.Client(BaseUrl, await DevTokens.PartnerTokenAsync(Http, partnerId), timeout: TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        await _log.DisposeAsync();
    }

    private async Task WaitAsync(TimeSpan timeout, bool healthy)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The local host process exited with code {_process.ExitCode} before it served requests; see its log.");
            }

            try
            {
                var response = await Http.GetAsync("/api/health");
                if (!healthy || response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The local host process did not become {(healthy ? "healthy" : "reachable")} within {timeout.TotalSeconds} s.");
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}

/// <summary>The environment of a separately run local host: its own tables, task hub, mail folder and ports.</summary>
public sealed class HostProcessSettings
{
    public HostProcessSettings(string storageConnectionString)
    {
        var unique = LocalHostSettings.NewUnique();
        Url = $"http://127.0.0.1:{LoopbackPorts.Free()}";
        MailDirectory = Path.Combine(Path.GetTempPath(), "rapidstart-rel-proc-mail-" + unique[..8]);
        LogPath = Path.Combine(Path.GetTempPath(), $"rapidstart-rel-host-{unique[..8]}.log");
        Values = LocalHostSettings.AsEnvironment(
            LocalHostSettings.Isolated(storageConnectionString, "relproc", unique, Url, LoopbackPorts.Free(), MailDirectory));
        Values["ASPNETCORE_ENVIRONMENT"] = "Development";
        Values["DOTNET_ENVIRONMENT"] = "Development";
        Values["RapidStart__Email__Provider"] = "PickupDirectory";
        Values["Logging__LogLevel__Default"] = "Information";
    }

    public string Url { get; }

    public string MailDirectory { get; }

    public string LogPath { get; }

    public Dictionary<string, string> Values { get; }

    public string SidecarPort => Values["RapidStart__LocalHost__SidecarPort"];

    public string TaskHubName => Values["RapidStart__LocalHost__TaskHubName"];

    public string TableName => Values["RapidStart__Storage__TableName"];

    public string ConnectionString => Values["RapidStart__Storage__ConnectionString"];

    /// <summary>These settings with some replaced or added.</summary>
    public IReadOnlyDictionary<string, string> With(params (string Key, string Value)[] changes)
    {
        var copy = new Dictionary<string, string>(Values);
        foreach (var (key, value) in changes)
        {
            copy[key] = value;
        }

        return copy;
    }
}
