using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

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
        for (var directory = testOutput; directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RapidStart.sln")))
            {
                var dll = Path.Combine(directory.FullName, "localhost", "bin", configuration, "net10.0", "RapidStart.LocalHost.dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the local host first ({configuration}).", dll);
            }
        }

        throw new InvalidOperationException("Could not find the repository root (RapidStart.sln) above " + AppContext.BaseDirectory);
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

    public async Task<HttpClient> ClientAsAsync(string subject, string[]? roles = null, string? partnerId = null)
    {
        var response = await Http.PostAsJsonAsync("/api/dev/token", new { sub = subject, roles = roles ?? [], partnerId });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public Task<HttpClient> PartnerAsync(string partnerId = "P-1001") =>
        ClientAsAsync($"agent@{partnerId.ToLowerInvariant()}.example", ["partner"], partnerId);

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
        var unique = Guid.NewGuid().ToString("N")[..10];
        Url = $"http://127.0.0.1:{AzuriteProcess.FreePort()}";
        MailDirectory = Path.Combine(Path.GetTempPath(), "rapidstart-rel-proc-mail-" + unique[..8]);
        LogPath = Path.Combine(Path.GetTempPath(), $"rapidstart-rel-host-{unique[..8]}.log");
        Values = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["RapidStart__LocalHost__Url"] = Url,
            ["RapidStart__LocalHost__SidecarPort"] = AzuriteProcess.FreePort().ToString(),
            ["RapidStart__LocalHost__TaskHubName"] = "relproc" + unique,
            ["RapidStart__LocalHost__RunTimers"] = "false",
            ["RapidStart__Storage__ConnectionString"] = storageConnectionString,
            ["RapidStart__Storage__TableName"] = "relproc" + unique,
            ["RapidStart__Storage__VoiceTableName"] = "relprocvoice" + unique,
            ["RapidStart__Email__Provider"] = "PickupDirectory",
            ["RapidStart__Email__PickupDirectory"] = MailDirectory,
            ["RapidStart__Auth__DevelopmentIssuerEnabled"] = "true",
            ["RapidStart__Auth__DevelopmentSigningKey"] = Convert.ToBase64String(LocalHostFixture.SigningKey),
            ["RapidStart__Telemetry__Console"] = "false",
            ["RapidStart__Lifecycle__PublicBaseUrl"] = Url + "/",
            ["Logging__LogLevel__Default"] = "Information",
        };
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
