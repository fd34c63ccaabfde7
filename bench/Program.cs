using RapidStart.Bench;

// ./rapidstart bench [--quick] [--only=enrollment|lifecycle|sweep|lives|azurite|grows|scale[,...]]
// Prints a Markdown report to stdout (progress goes to stderr) and writes it under bench/results/.
string[] all = ["enrollment", "lifecycle", "sweep", "lives", "azurite", "grows", "scale"];
var quick = false;
var sections = all.ToList();
foreach (var argument in args)
{
    if (argument == "--quick")
    {
        quick = true;
    }
    else if (argument.StartsWith("--only=", StringComparison.Ordinal))
    {
        sections = argument["--only=".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (sections.Count == 0 || sections.Any(s => !all.Contains(s)))
        {
            return Usage($"unknown section in {argument}");
        }
    }
    else
    {
        return Usage(argument is "--help" or "-h" ? null : $"unknown argument {argument}");
    }
}

// Everything is bounded anyway; this is the last resort if something hangs.
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(quick ? 25 : 60));
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var started = DateTimeOffset.UtcNow;
var report = new Report();
var headerWritten = false;
await using var storage = await BenchStorage.StartAsync();
var load = MachineLoad.For(storage.ConnectionString, storage.AzuritePid);

// Every section runs on fresh local hosts (new tables and task hub), so that none measures another's data.
if (sections.Contains("enrollment"))
{
    var before = load.Take();
    report.Enrollment(await EnrollmentBench.RunAsync(() => StartHostAsync(cancel.Token), quick, cancel.Token));
    report.Load("enrollment", MachineLoad.Describe(before, load.Take()));
}

if (sections.Contains("lifecycle"))
{
    await using var host = await StartHostAsync(cancel.Token);
    var before = load.Take();
    report.Lifecycle(await LifecycleBench.RunAsync(host, quick, cancel.Token));
    report.Load("lifecycle", MachineLoad.Describe(before, load.Take()));
}

if (sections.Contains("sweep"))
{
    await using var host = await StartHostAsync(cancel.Token);
    var before = load.Take();
    report.Sweep(await SweepBench.RunAsync(host, quick, cancel.Token), quick);
    report.Load("sweep", MachineLoad.Describe(before, load.Take()));
}

if (sections.Contains("lives"))
{
    var before = load.Take();
    report.Lives(await LivesBench.RunAsync((settings, configure) => StartHostAsync(cancel.Token, settings, configure), quick, cancel.Token));
    report.Load("lives", MachineLoad.Describe(before, load.Take()));
}

if (sections.Contains("azurite"))
{
    var before = load.Take();
    var sizes = await AzuriteScaling.RunAsync(storage.ConnectionString, quick, cancel.Token);
    if (!headerWritten)
    {
        report.HeaderWithoutHost(quick, sections, all.Length, started);
        headerWritten = true;
    }

    report.Azurite(sizes);
    report.Load("azurite", MachineLoad.Describe(before, load.Take()));
}

if (sections.Contains("grows"))
{
    await using var host = await StartHostAsync(cancel.Token);
    var before = load.Take();
    report.Grows(await GrowsBench.RunAsync(host, quick, cancel.Token));
    report.Load("grows", MachineLoad.Describe(before, load.Take()));
}

if (sections.Contains("scale"))
{
    if (!headerWritten)
    {
        report.HeaderWithoutHost(quick, sections, all.Length, started);
        headerWritten = true;
    }

    Progress.Step("scale: simulating the key layout at Azure scale");
    report.Scale(ScaleModel.Run());
}

report.Goals();
report.Line($"Total run time {(DateTimeOffset.UtcNow - started).TotalMinutes:0.0} min.");
var text = report.ToString();
Console.Out.Write(text);

var results = Path.Combine(BenchDirectory(), "results");
Directory.CreateDirectory(results);
// A partial or quick run never replaces the full report.
var partial = sections.Count < all.Length ? "-" + string.Join('-', sections) : "";
var file = Path.Combine(results, $"latest{partial}{(quick ? "-quick" : "")}.md");
await File.WriteAllTextAsync(file, text, CancellationToken.None);
Progress.Step($"report written to {file}");
return 0;

async Task<BenchHost> StartHostAsync(CancellationToken cancellationToken, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
{
    Progress.Step("starting a local host");
    var host = await BenchHost.StartAsync(storage, cancellationToken, settings, configure);
    Progress.Step($"local host healthy at {host.BaseUrl} after {host.StartUpTime.TotalSeconds:0.0} s (tables {host.TableName}, task hub {host.TaskHubName})");
    if (!headerWritten)
    {
        report.Header(quick, sections, all.Length, host, await storage.AzuriteVersionAsync(cancellationToken), started);
        headerWritten = true;
    }

    return host;
}

static int Usage(string? error)
{
    if (error is not null)
    {
        Console.Error.WriteLine($"bench: {error}");
    }

    Console.Error.WriteLine("usage: ./rapidstart bench [--quick] [--only=enrollment|lifecycle|sweep|lives|azurite|grows|scale[,...]]");
    return error is null ? 0 : 2;
}

// The bench/ folder of the repository: where RapidStart.Bench.csproj is, upwards from the program.
static string BenchDirectory()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "RapidStart.Bench.csproj")))
        {
            return directory.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}
