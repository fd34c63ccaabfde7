// The soak: the local host in-process over Azurite, a steady mixed load at a fixed rate for N
// minutes, and every 30 s the requests, error rate, p50/p99 latency, throughput and this process's
// (the host's) working set and GC heap. At the end a Markdown table and a memory trend check over
// the second half of the run.
//
//   CONFIGURATION=Release dotnet run --project tests/Soak -c Release -- --minutes 10 [--rate 40] [--report-seconds 30]
//
// Storage: RAPIDSTART_TEST_STORAGE (the Azurite connection string the end-to-end tests use) if set,
// else a private in-memory Azurite started here (node_modules/.bin/azurite at the repository root).

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RapidStart.Testing;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var options = SoakOptions.Parse(args);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

await using var storage = await AzuriteServer.SharedOrInMemoryAsync();
var startUp = Stopwatch.StartNew();
var host = await InProcessLocalHost.StartAsync(
    storage.ConnectionString,
    "soak",
    LocalHostSettings.WarningsToStandardError(),
    healthTimeout: TimeSpan.FromSeconds(120));
Console.WriteLine($"# RapidStart soak: {options.Minutes} min at {options.Rate} req/s, report every {options.ReportSeconds} s");
Console.WriteLine($"storage: {storage.Description}; host {host.BaseUrl} in this process (pid {Environment.ProcessId}); " +
                  $".NET {Environment.Version}, {Environment.ProcessorCount} CPUs, server GC {System.Runtime.GCSettings.IsServerGC}, started in {startUp.Elapsed.TotalSeconds:F1} s");

var load = new Load(host, options, storage.Process);
var report = await load.RunAsync(stop.Token);
Console.WriteLine();
Console.WriteLine(report);
await host.DisposeAsync();
try
{
    Directory.Delete(host.MailDirectory, recursive: true);
}
catch (IOException)
{
}

return 0;

internal sealed record SoakOptions(double Minutes, double Rate, int ReportSeconds)
{
    public static SoakOptions Parse(string[] args)
    {
        double minutes = 10, rate = 40;
        var report = 30;
        for (var i = 0; i < args.Length; i++)
        {
            var (name, value) = args[i].Split('=', 2) is [var n, var v] ? (n, v) : (args[i], i + 1 < args.Length ? args[++i] : "");
            switch (name)
            {
                case "--minutes" or "--soak":
                    minutes = double.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--rate":
                    rate = double.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--report-seconds":
                    report = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"Unknown option {args[i]}. Use --minutes N, --rate R (requests/s), --report-seconds S.");
            }
        }

        return new SoakOptions(minutes, rate, report);
    }
}

internal sealed record Sample(string Operation, int Status, bool Ok, double Milliseconds);

internal sealed record Interval(
    double EndMinute, int Requests, int Errors, int Shed, double P50, double P99, double Throughput,
    double WorkingSetMb, double ManagedHeapMb, double HeapAfterGcMb, int Gen2, double AzuriteMb);

/// <summary>The open-loop load: a request every 1/rate seconds whatever the answers take, from a fixed mix.</summary>
internal sealed class Load(InProcessLocalHost host, SoakOptions options, Process? azurite)
{
    private const int MaxInFlight = 400;
    private readonly ConcurrentQueue<Sample> _samples = new();
    private readonly ConcurrentQueue<(string Id, int Partner)> _unsubscribed = new();
    private readonly List<(string Id, int Partner)> _customers = [];
    private readonly List<(string Id, int Partner, int Sends)> _activatable = [];
    private readonly ConcurrentDictionary<string, bool> _subscribed = new();
    private readonly ConcurrentDictionary<string, int> _errorKinds = new();
    private readonly List<Interval> _intervals = [];
    private readonly Dictionary<string, List<double>> _latencyByOperation = [];
    private int _inFlight;
    private int _shed;
    private int _sequence;

    public async Task<string> RunAsync(CancellationToken stop)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var partners = new[]
        {
            DevTokens.Client(host.BaseUrl, await host.TokenAsync("soak@p-1001.example", ["partner"], "P-1001"), handler, TimeSpan.FromSeconds(30)),
            DevTokens.Client(host.BaseUrl, await host.TokenAsync("soak@p-2002.example", ["partner"], "P-2002"), handler, TimeSpan.FromSeconds(30)),
        };

        var duration = TimeSpan.FromMinutes(options.Minutes);
        var clock = Stopwatch.StartNew();
        var process = Process.GetCurrentProcess();
        var reporter = ReportLoopAsync(clock, duration, process, stop);
        var running = new ConcurrentDictionary<int, Task>();
        long index = 0;
        while (clock.Elapsed < duration && !stop.IsCancellationRequested)
        {
            var due = TimeSpan.FromSeconds(index / options.Rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            index++;
            if (Volatile.Read(ref _inFlight) >= MaxInFlight)
            {
                Interlocked.Increment(ref _shed);
                continue;
            }

            var id = Interlocked.Increment(ref _sequence);
            Interlocked.Increment(ref _inFlight);
            var task = Task.Run(() => OneRequestAsync(partners, id));
            running[id] = task;
            _ = task.ContinueWith(_ =>
            {
                running.TryRemove(id, out Task? _);
                Interlocked.Decrement(ref _inFlight);
            }, TaskScheduler.Default);
        }

        await Task.WhenAny(Task.WhenAll(running.Values), Task.Delay(TimeSpan.FromSeconds(35)));
        await reporter;
        foreach (var partner in partners)
        {
            partner.Dispose();
        }

        return Summary(clock.Elapsed);
    }

    private async Task OneRequestAsync(HttpClient[] partners, int id)
    {
        // The mix: 40 % reads (a customer, a subscription, the first page of the list), 5 % Service
        // List, 20 % new customers, 20 % sign-ups, 15 % Send Activation (each subscription at most 4
        // times, under the limit of 5 an hour). A slot whose operation has nothing to work on yet
        // creates a customer instead.
        var roll = Random.Shared.Next(100);
        string operation;
        Func<Task<HttpResponseMessage>> send;
        HttpStatusCode expected = HttpStatusCode.OK;
        (string Id, int Partner)? signUp = null;
        (string Id, int Partner, int Sends)? activation = null;
        var owner = id % partners.Length;
        var partner = partners[owner];
        if (roll < 40 && PickCustomer() is { } picked)
        {
            var customer = picked.Id;
            owner = picked.Partner;
            partner = partners[owner];
            if (roll < 10)
            {
                operation = "list customers";
                send = () => partner.GetAsync("/api/customers?pageSize=50");
            }
            else if (roll < 25 && _subscribed.ContainsKey(customer))
            {
                operation = "read subscription";
                send = () => partner.GetAsync($"/api/customers/{customer}/services/rapidstart");
            }
            else
            {
                operation = "read customer";
                send = () => partner.GetAsync($"/api/customers/{customer}");
            }
        }
        else if (roll is >= 40 and < 60 && _unsubscribed.TryDequeue(out var waiting))
        {
            signUp = waiting;
            owner = waiting.Partner;
            partner = partners[owner];
            operation = "sign-up";
            expected = HttpStatusCode.Created;
            send = () => partner.PostAsJsonAsync($"/api/customers/{waiting.Id}/services", new { serviceId = "rapidstart", countryRegion = "IE" });
        }
        else if (roll is >= 60 and < 75 && TakeForActivation() is { } chosen)
        {
            activation = chosen;
            owner = chosen.Partner;
            partner = partners[owner];
            operation = "send activation";
            expected = HttpStatusCode.Accepted;
            send = () => partner.PostAsync($"/api/customers/{chosen.Id}/services/rapidstart/activation", null);
        }
        else if (roll >= 95)
        {
            operation = "service list";
            send = () => partner.GetAsync("/api/services?status=InvitationSent&pageSize=50");
        }
        else
        {
            operation = "create customer";
            expected = HttpStatusCode.Created;
            var admin = $"admin{id}@soak.example";
            send = () => partner.PostAsJsonAsync("/api/customers", new
            {
                kind = "prospect",
                organization = new { name = $"Soak Org {id}", address = new { countryRegion = "IE" } },
                administrator = new { name = "Soak Admin", microsoftAccountId = admin, contactEmail = admin },
            });
        }

        var clock = Stopwatch.StartNew();
        int status;
        string body;
        try
        {
            using var response = await send();
            body = await response.Content.ReadAsStringAsync();
            status = (int)response.StatusCode;
        }
        catch (Exception e)
        {
            status = 0;
            body = e.GetType().Name;
        }

        var elapsed = clock.Elapsed.TotalMilliseconds;
        var ok = status == (int)expected;
        _samples.Enqueue(new Sample(operation, status, ok, elapsed));
        if (!ok)
        {
            _errorKinds.AddOrUpdate($"{operation} -> {(status == 0 ? body : status.ToString(CultureInfo.InvariantCulture))}", 1, (_, n) => n + 1);
        }

        if (operation == "create customer" && ok)
        {
            var customerId = JsonDocument.Parse(body).RootElement.GetProperty("customerId").GetString()!;
            lock (_customers)
            {
                _customers.Add((customerId, owner));
            }

            _unsubscribed.Enqueue((customerId, owner));
        }
        else if (signUp is { } signedUp && ok)
        {
            _subscribed[signedUp.Id] = true;
            lock (_activatable)
            {
                _activatable.Add((signedUp.Id, signedUp.Partner, 0));
            }
        }
        else if (activation is { } sent && sent.Sends + 1 < 4)
        {
            lock (_activatable)
            {
                _activatable.Add((sent.Id, sent.Partner, sent.Sends + 1));
            }
        }
    }

    /// <summary>A random subscription that may be sent again; it is out of the pool while its request runs.</summary>
    private (string Id, int Partner, int Sends)? TakeForActivation()
    {
        lock (_activatable)
        {
            if (_activatable.Count == 0)
            {
                return null;
            }

            var at = Random.Shared.Next(_activatable.Count);
            var chosen = _activatable[at];
            _activatable[at] = _activatable[^1];
            _activatable.RemoveAt(_activatable.Count - 1);
            return chosen;
        }
    }

    private (string Id, int Partner)? PickCustomer()
    {
        lock (_customers)
        {
            return _customers.Count == 0 ? null : _customers[Random.Shared.Next(_customers.Count)];
        }
    }

    private async Task ReportLoopAsync(Stopwatch clock, TimeSpan duration, Process process, CancellationToken stop)
    {
        Console.WriteLine("|  t (min) | requests | req/s | errors | error % | shed | p50 ms | p99 ms | working set MB | GC heap MB | heap after GC MB | gen2 GCs | Azurite MB |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var last = TimeSpan.Zero;
        while (true)
        {
            var next = last + TimeSpan.FromSeconds(options.ReportSeconds);
            var finalRound = next >= duration || stop.IsCancellationRequested;
            var until = finalRound ? duration : next;
            var wait = until - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                }
            }

            if (finalRound)
            {
                // Let the last requests in flight finish so they count in the last interval.
                var drain = DateTime.UtcNow.AddSeconds(30);
                while (Volatile.Read(ref _inFlight) > 0 && DateTime.UtcNow < drain)
                {
                    await Task.Delay(100);
                }
            }

            var span = clock.Elapsed - last;
            last = clock.Elapsed;
            var interval = Measure(clock.Elapsed, span, process);
            _intervals.Add(interval);
            Console.WriteLine(Row(interval));
            if (finalRound)
            {
                return;
            }
        }
    }

    private Interval Measure(TimeSpan at, TimeSpan span, Process process)
    {
        var batch = new List<Sample>();
        while (_samples.TryDequeue(out var sample))
        {
            batch.Add(sample);
        }

        lock (_latencyByOperation)
        {
            foreach (var sample in batch)
            {
                if (!_latencyByOperation.TryGetValue(sample.Operation, out var list))
                {
                    _latencyByOperation[sample.Operation] = list = [];
                }

                list.Add(sample.Milliseconds);
            }
        }

        var latencies = batch.Select(s => s.Milliseconds).Order().ToArray();
        process.Refresh();
        double azuriteMb = 0;
        if (azurite is { HasExited: false })
        {
            azurite.Refresh();
            azuriteMb = azurite.WorkingSet64 / 1048576.0;
        }

        var memory = GC.GetGCMemoryInfo();
        return new Interval(
            at.TotalMinutes, batch.Count, batch.Count(s => !s.Ok), Interlocked.Exchange(ref _shed, 0),
            Percentile(latencies, 0.50), Percentile(latencies, 0.99), batch.Count / span.TotalSeconds,
            process.WorkingSet64 / 1048576.0, GC.GetTotalMemory(false) / 1048576.0, memory.HeapSizeBytes / 1048576.0,
            GC.CollectionCount(2), azuriteMb);
    }

    private static string Row(Interval i) =>
        $"| {i.EndMinute,6:F1} | {i.Requests,6} | {i.Throughput,5:F1} | {i.Errors,4} | {(i.Requests == 0 ? 0 : 100.0 * i.Errors / i.Requests),6:F2} | {i.Shed,4} | {i.P50,6:F1} | {i.P99,7:F1} | {i.WorkingSetMb,7:F0} | {i.ManagedHeapMb,6:F0} | {i.HeapAfterGcMb,6:F0} | {i.Gen2,4} | {(i.AzuriteMb > 0 ? i.AzuriteMb.ToString("F0", CultureInfo.InvariantCulture) : "-"),5} |";

    private string Summary(TimeSpan elapsed)
    {
        var text = new StringBuilder();
        var total = _intervals.Sum(i => i.Requests);
        var errors = _intervals.Sum(i => i.Errors);
        text.AppendLine("## Summary");
        text.AppendLine();
        text.AppendLine($"{total} requests in {elapsed.TotalMinutes:F1} min ({total / elapsed.TotalSeconds:F1} req/s for {options.Rate} asked), " +
                        $"{errors} errors ({(total == 0 ? 0 : 100.0 * errors / total):F3} %), {_intervals.Sum(i => i.Shed)} shed (over {MaxInFlight} in flight).");
        text.AppendLine();
        text.AppendLine("| operation | requests | p50 ms | p99 ms | max ms |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        lock (_latencyByOperation)
        {
            foreach (var (operation, list) in _latencyByOperation.OrderBy(p => p.Key))
            {
                var sorted = list.Order().ToArray();
                text.AppendLine($"| {operation} | {sorted.Length} | {Percentile(sorted, 0.5):F1} | {Percentile(sorted, 0.99):F1} | {sorted[^1]:F1} |");
            }
        }

        if (!_errorKinds.IsEmpty)
        {
            text.AppendLine();
            text.AppendLine("Errors: " + string.Join("; ", _errorKinds.OrderByDescending(p => p.Value).Select(p => $"{p.Key} x{p.Value}")));
        }

        // Trend: least-squares slope of memory over the second half of the run (warm-up excluded).
        var secondHalf = _intervals.Where(i => i.EndMinute > elapsed.TotalMinutes / 2).ToArray();
        text.AppendLine();
        text.AppendLine("## Trend (second half)");
        text.AppendLine();
        if (secondHalf.Length < 3)
        {
            text.AppendLine("Too few intervals in the second half for a trend.");
            return text.ToString();
        }

        var workingSet = Slope(secondHalf.Select(i => (i.EndMinute, i.WorkingSetMb)));
        var heap = Slope(secondHalf.Select(i => (i.EndMinute, i.HeapAfterGcMb)));
        var firstP99 = _intervals.Where(i => i.EndMinute <= elapsed.TotalMinutes / 2).Select(i => i.P99).DefaultIfEmpty(0).Average();
        var secondP99 = secondHalf.Select(i => i.P99).Average();
        const double heapLimit = 2.0, workingSetLimit = 5.0;
        var verdict = heap <= heapLimit && workingSet <= workingSetLimit ? "PASS: no sign of a leak" : "WARN: memory still climbing";
        text.AppendLine($"- working set: {workingSet:+0.00;-0.00} MB/min (limit {workingSetLimit} MB/min)");
        text.AppendLine($"- GC heap after last GC: {heap:+0.00;-0.00} MB/min (limit {heapLimit} MB/min)");
        text.AppendLine($"- mean p99 per interval: first half {firstP99:F1} ms, second half {secondP99:F1} ms");
        text.AppendLine($"- verdict: {verdict}");
        return text.ToString();
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double Slope(IEnumerable<(double X, double Y)> points)
    {
        var list = points.ToArray();
        var meanX = list.Average(p => p.X);
        var meanY = list.Average(p => p.Y);
        var denominator = list.Sum(p => (p.X - meanX) * (p.X - meanX));
        return denominator == 0 ? 0 : list.Sum(p => (p.X - meanX) * (p.Y - meanY)) / denominator;
    }
}
