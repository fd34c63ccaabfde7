using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Data.Tables;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Subscriptions;
using RapidStart.Functions.Lifecycle;
using RapidStart.Infrastructure.Storage;

namespace RapidStart.Bench;

/// <summary>Two measurements taken in turns, and how many times they were taken again because Azurite stalled during them.</summary>
public sealed record StallFreePair(LoadResult A, LoadResult B, int Repeats, bool Stalled);

/// <summary>One read through the API and the raw table reads it runs, measured side by side at one size.</summary>
public sealed record GrowsComparison(string Operation, string RawOperation, LoadResult Api, LoadResult Raw, double? QueriesPerPage = null)
{
    public double Ratio => Api.PerSecond / Raw.PerSecond;
}

/// <summary>Rows in the host's tables at one size, counted with key-only queries (untimed).</summary>
public sealed record GrowsTableRows(int Main, int CustomerRecords, int Subscriptions, int History, int Instances);

/// <param name="Customers">Customers created through the API so far (all of them signed up).</param>
/// <param name="GrowTime">Creating, signing up and sending activation for this step's new customers.</param>
/// <param name="CutShort">The growth time budget ran out before the step reached its size: the section ends with this step.</param>
/// <param name="SettleTime">Then waiting until the engine was quiet (no instance Pending or just updated) and every invitation was on disk.</param>
/// <param name="Stalls">Azurite's stalls (<see cref="AzuriteStalls"/>) from the start of the step to the end of its measurements.</param>
/// <param name="Repeats">Measurements taken again because a stall fell into them; <paramref name="StalledMeasurements"/> still had one on the last try.</param>
public sealed record GrowsStep(
    int Customers,
    int ActivationsSent,
    int GrowFailures,
    TimeSpan GrowTime,
    bool CutShort,
    TimeSpan SettleTime,
    int BusyInstancesAfterSettle,
    int InvitationsMissing,
    GrowsTableRows Rows,
    IReadOnlyList<GrowsComparison> Comparisons,
    LoadResult InstanceRead,
    LoadResult HistoryQuery,
    IReadOnlyList<AzuriteStall> Stalls,
    int Repeats,
    int StalledMeasurements);

public sealed record GrowsResult(
    IReadOnlyList<GrowsStep> Steps,
    IReadOnlyList<int> Sizes,
    TimeSpan GrowthBudget,
    int Clients,
    TimeSpan WarmUp,
    TimeSpan FirstWarmUp,
    TimeSpan Duration,
    int Slices,
    int ActivationEvery,
    int PageSize,
    string ServiceListStatus,
    TimeSpan Elapsed);

/// <summary>
/// What grows in the soak: one local host whose state grows in steps as the soak grows it (prospects
/// created through the API, each signed up for RapidStart Services, which starts its lifecycle
/// orchestration, and Send Activation for one in <see cref="ActivationEvery"/>); at each size the
/// soak's reads are measured through the API and as the raw table reads they run, in turns on the
/// same tables (<see cref="Load.PairedAsync"/>), together with the Durable engine's own reads of its
/// Instances and History tables. If the API's share of the raw rate holds as the tables grow, the
/// growth is Azurite's; if it falls, something of ours grows.
/// </summary>
public static class GrowsBench
{
    public static readonly int[] Sizes = [250, 750, 1_500, 2_500];
    public static readonly int[] QuickSizes = [150, 500];

    /// <summary>
    /// Each customer costs more to add than the one before (on Azurite every orchestration episode
    /// scans the whole History table): on 2 cores 5 minutes of growth reach about 2,000 customers, not
    /// 2,500. Growth stops when this budget is spent and the section measures that size last, so that
    /// it stays under 8 minutes on a busy machine too.
    /// </summary>
    private static TimeSpan GrowthBudget(bool quick) => quick ? TimeSpan.FromMinutes(1) : TimeSpan.FromMinutes(5);

    /// <summary>Send Activation for one customer in this many, as the soak sends for some of its subscriptions.</summary>
    public const int ActivationEvery = 4;

    private const int Clients = 8;

    /// <summary>The soak's list requests: <c>/api/customers?pageSize=50</c> and <c>/api/services?status=InvitationSent&amp;pageSize=50</c>.</summary>
    private const int PageSize = 50;
    private const SubscriptionStatus ServiceListStatus = SubscriptionStatus.InvitationSent;

    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(90);

    /// <summary>The engine counts as quiet once no instance has been updated for this long (an episode, an activity's result) and none is Pending.</summary>
    private static readonly TimeSpan QuietFor = TimeSpan.FromSeconds(2);

    /// <summary>A measurement a stall fell into is taken again, at most this many times (Azurite's collector runs once a minute).</summary>
    private const int MaxRepeats = 2;

    public static async Task<GrowsResult> RunAsync(BenchHost host, bool quick, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var warmUp = TimeSpan.FromSeconds(0.5);

        // The host's read paths run for the first time at the first size: longer, so the JIT has optimised them.
        var firstWarmUp = TimeSpan.FromSeconds(2);
        var duration = TimeSpan.FromSeconds(2);
        var sizes = quick ? QuickSizes : Sizes;
        var growthLeft = GrowthBudget(quick);
        const int slices = 4;
        var regions = host.Services.GetRequiredService<ServiceCatalog>().Regions;
        var main = new TableClient(host.ConnectionString, host.TableName);
        var instances = new TableClient(host.ConnectionString, host.InstancesTableName);
        var history = new TableClient(host.ConnectionString, host.HistoryTableName);

        await using var stalls = await AzuriteStalls.StartAsync(host.ConnectionString, cancellationToken);
        var subscriptions = new ConcurrentBag<SubscriptionKey>();
        var sent = 0;
        var numbered = 0;
        var steps = new List<GrowsStep>();
        foreach (var size in sizes)
        {
            var stepStarted = Stopwatch.GetTimestamp();
            var repeats = 0;
            var stalledMeasurements = 0;
            var grown = subscriptions.Count;
            Progress.Step($"grows: {grown:N0} → {size:N0} customers: create, sign up, Send Activation for 1 in {ActivationEvery} ({Clients} clients)");
            var growing = Stopwatch.StartNew();
            var failures = 0;
            var numbers = Enumerable.Range(numbered + 1, size - grown);
            numbered += size - grown;
            await Load.ForEachAsync(numbers, Clients, async (n, ct) =>
            {
                if (growing.Elapsed > growthLeft)
                {
                    return;
                }

                try
                {
                    var customerId = await Prospects.CreateAsync(host.Partner, n, ct);
                    var key = await Prospects.SignUpAsync(host.Partner, customerId, Prospects.Country(n), ct);
                    if (key is null)
                    {
                        Interlocked.Increment(ref failures);
                        return;
                    }

                    subscriptions.Add(key);
                    if (n % ActivationEvery == 0 && await Prospects.SendActivationAsync(host.Partner, key.CustomerId, ct))
                    {
                        Interlocked.Increment(ref sent);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    // A slow spell of Azurite: this customer is left out, the step goes on.
                    Interlocked.Increment(ref failures);
                }
            }, cancellationToken);
            var growTime = growing.Elapsed;
            growthLeft -= growTime;
            var cutShort = growthLeft <= TimeSpan.Zero;
            Progress.Step($"  grown to {subscriptions.Count:N0} in {growTime.TotalSeconds:0.0} s ({(subscriptions.Count - grown) / growTime.TotalSeconds:0}/s), {failures} failed" +
                          $"{(cutShort ? ", growth time budget spent: this is the last size" : "")}; waiting for the engine to settle");

            var (settleTime, busy, missing) = await SettleAsync(instances, host.MailDirectory, sent, cancellationToken);
            Progress.Step($"  settled after {settleTime.TotalSeconds:0.0} s ({busy} instances Pending or just updated, {missing} invitations not on disk); counting rows");
            var rows = await CountRowsAsync(main, history, instances, cancellationToken);
            Progress.Step($"  rows: main table {rows.Main:N0} ({rows.CustomerRecords:N0} customer records), History {rows.History:N0}, Instances {rows.Instances:N0}");

            var keys = subscriptions.ToArray();
            SubscriptionKey Any() => keys[Random.Shared.Next(keys.Length)];
            var comparisons = new List<GrowsComparison>();

            async Task<(LoadResult A, LoadResult B)> PairedAsync(string nameA, Func<Task<bool>> a, string nameB, Func<Task<bool>> b)
            {
                var pair = await PairedAvoidingStallsAsync(stalls, nameA, a, nameB, b, steps.Count == 0 ? firstWarmUp : warmUp, duration, slices, cancellationToken);
                repeats += pair.Repeats;
                stalledMeasurements += pair.Stalled ? 1 : 0;
                return (pair.A, pair.B);
            }

            async Task CompareAsync(string operation, Func<Task<bool>> api, string rawOperation, Func<Task<bool>> raw, PageReads? pageReads = null)
            {
                var (apiResult, rawResult) = await PairedAsync($"API {operation} at {keys.Length}", api, $"raw {rawOperation} at {keys.Length}", raw);
                comparisons.Add(new GrowsComparison(operation, rawOperation, apiResult, rawResult, pageReads?.QueriesPerPage));
                Progress.Step($"  {operation}: API {Rates(apiResult)}, raw {Rates(rawResult)} " + Failures(apiResult, rawResult));
            }

            await CompareAsync(
                "get customer",
                () => Prospects.GetOkAsync(host.Partner, $"/api/customers/{Any().CustomerId}", cancellationToken),
                "GetEntity of the customer record",
                async () =>
                {
                    var id = Any().CustomerId;
                    return (await main.GetEntityAsync<TableEntity>(TableKeys.CustomerPartition(CustomerId.RegionOf(id)!, id), TableKeys.CustomerRow, cancellationToken: cancellationToken)).Value is not null;
                });

            var customerPages = new PageReads();
            await CompareAsync(
                "customer list, first page",
                () => Prospects.GetOkAsync(host.Partner, $"/api/customers?pageSize={PageSize}", cancellationToken),
                "the partner's listing partitions, one page",
                () => customerPages.ReadFirstPageAsync(
                    main, regions, region => TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.PartnerCustomersPartition(region, BenchHost.PartnerId)}"), PageSize, cancellationToken),
                customerPages);

            await CompareAsync(
                "get subscription",
                () => Prospects.GetOkAsync(host.Partner, $"/api/customers/{Any().CustomerId}/services/{ServiceCatalog.RapidStartServiceId}", cancellationToken),
                "GetEntity of the subscription row",
                async () =>
                {
                    var key = Any();
                    return (await main.GetEntityAsync<TableEntity>(TableKeys.CustomerPartition(key.Region, key.CustomerId), TableKeys.SubscriptionRow(key.ServiceId), cancellationToken: cancellationToken)).Value is not null;
                });

            var servicePages = new PageReads();
            var statusName = ServiceListStatus.ToString();
            await CompareAsync(
                $"Service List ({statusName}), first page",
                () => Prospects.GetOkAsync(host.Partner, $"/api/services?status={statusName}&pageSize={PageSize}", cancellationToken),
                "the partner's Service List partitions, one page",
                () => servicePages.ReadFirstPageAsync(
                    main, regions, region => TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.ServiceListPartition(region, BenchHost.PartnerId)} and Status eq {statusName}"), PageSize, cancellationToken),
                servicePages);

            // The engine's own tables: the point read of an instance's status it makes on every signal
            // and start, and the query of an instance's history it makes to replay it.
            var (instanceRead, historyQuery) = await PairedAsync(
                $"Instances GetEntity at {keys.Length}",
                async () => (await instances.GetEntityAsync<TableEntity>(ActivationLifecycle.InstanceIdFor(Any()), "", cancellationToken: cancellationToken)).Value is not null,
                $"History partition query at {keys.Length}",
                async () =>
                {
                    var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ActivationLifecycle.InstanceIdFor(Any())}");
                    return await CountAsync(history.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken)) > 0;
                });
            Progress.Step($"  engine: Instances GetEntity {Rates(instanceRead)}, History query {Rates(historyQuery)} " + Failures(instanceRead, historyQuery));

            var stepStalls = stalls.Between(stepStarted, Stopwatch.GetTimestamp());
            if (stepStalls.Count > 0)
            {
                Progress.Step($"  Azurite stalled {stepStalls.Count} time(s) in this step, longest {stepStalls.Max(s => s.Duration).TotalSeconds:0.0} s; {repeats} measurement(s) taken again");
            }

            steps.Add(new GrowsStep(keys.Length, sent, failures, growTime, cutShort, settleTime, busy, missing, rows, comparisons, instanceRead, historyQuery, stepStalls, repeats, stalledMeasurements));
            if (cutShort)
            {
                break;
            }
        }

        return new GrowsResult(steps, sizes, GrowthBudget(quick), Clients, warmUp, firstWarmUp, duration, slices, ActivationEvery, PageSize, ServiceListStatus.ToString(), started.Elapsed);
    }

    /// <summary><see cref="Load.PairedAsync"/> at <see cref="Clients"/> clients, taken again (up to <see cref="MaxRepeats"/> times) while an Azurite stall falls into it.</summary>
    private static async Task<StallFreePair> PairedAvoidingStallsAsync(
        AzuriteStalls stalls, string nameA, Func<Task<bool>> a, string nameB, Func<Task<bool>> b, TimeSpan warmUp, TimeSpan duration, int slices, CancellationToken cancellationToken)
    {
        for (var repeats = 0; ; repeats++)
        {
            var started = Stopwatch.GetTimestamp();
            var (resultA, resultB) = await Load.PairedAsync(nameA, (_, _) => a(), nameB, (_, _) => b(), Clients, warmUp, duration, slices, cancellationToken);
            var stalled = stalls.Between(started, Stopwatch.GetTimestamp()).Count > 0;
            if (!stalled || repeats == MaxRepeats)
            {
                return new StallFreePair(resultA, resultB, repeats, stalled);
            }

            Progress.Step($"  Azurite stalled during {nameA} / {nameB}: taking it again");
        }
    }

    private static string Rates(LoadResult r) => $"{r.PerSecond:0}/s p50 {r.Latency.P50:0.0} p99 {r.Latency.P99:0} max {r.Latency.Max:0} ms";

    private static string Failures(LoadResult a, LoadResult b) =>
        $"(failures {a.Failed}/{b.Failed}{((a.FirstError ?? b.FirstError) is { } error ? ": " + error : "")})";

    // Not LINQ's CountAsync: two assemblies define it here (the framework's and System.Linq.Async).
    private static async Task<int> CountAsync<T>(IAsyncEnumerable<T> items)
    {
        var count = 0;
        await foreach (var _ in items)
        {
            count++;
        }

        return count;
    }

    /// <summary>
    /// Waits until the engine is quiet (no lifecycle instance Pending, none updated in the last
    /// <see cref="QuietFor"/>) and every invitation sent is in the pickup folder, so that a
    /// measurement does not share Azurite with the engine's backlog.
    /// </summary>
    private static async Task<(TimeSpan Elapsed, int BusyInstances, int InvitationsMissing)> SettleAsync(
        TableClient instances, string mailDirectory, int invitations, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var recently = DateTimeOffset.UtcNow - QuietFor;
            var busyFilter = TableClient.CreateQueryFilter($"RuntimeStatus eq {"Pending"} or LastUpdatedTime ge {recently}");
            var busy = await CountAsync(instances.QueryAsync<TableEntity>(busyFilter, select: [nameof(ITableEntity.PartitionKey)], cancellationToken: cancellationToken));
            var mails = Directory.Exists(mailDirectory) ? Directory.EnumerateFiles(mailDirectory, "*.eml").Count() : 0;
            var missing = Math.Max(0, invitations - mails);
            if ((busy == 0 && missing == 0) || clock.Elapsed > SettleLimit)
            {
                return (clock.Elapsed, busy, missing);
            }

            await Task.Delay(TimeSpan.FromSeconds(0.5), cancellationToken);
        }
    }

    private static async Task<GrowsTableRows> CountRowsAsync(TableClient main, TableClient history, TableClient instances, CancellationToken cancellationToken)
    {
        int rows = 0, customers = 0, subscriptions = 0;
        await foreach (var row in Keys(main, cancellationToken))
        {
            rows++;
            if (row.RowKey == TableKeys.CustomerRow)
            {
                customers++;
            }
            else if (row.RowKey.StartsWith(TableKeys.SubscriptionPrefix, StringComparison.Ordinal))
            {
                subscriptions++;
            }
        }

        return new GrowsTableRows(rows, customers, subscriptions, await CountAsync(Keys(history, cancellationToken)), await CountAsync(Keys(instances, cancellationToken)));

        static IAsyncEnumerable<TableEntity> Keys(TableClient table, CancellationToken cancellationToken) =>
            table.QueryAsync<TableEntity>(filter: (string?)null, maxPerPage: 1000, select: [nameof(ITableEntity.PartitionKey), nameof(ITableEntity.RowKey)], cancellationToken: cancellationToken);
    }

    /// <summary>A list's first page read raw, exactly as the API's <c>RegionPager</c> reads it, and how many table queries the pages took.</summary>
    private sealed class PageReads
    {
        private long _pages;
        private long _queries;

        public double? QueriesPerPage => _pages == 0 ? null : (double)_queries / _pages;

        /// <summary>
        /// One partition per region in the catalog's order, each read in table pages of at most what the
        /// page still wants, until the page is full or the regions end (RegionPager.ReadAsync).
        /// </summary>
        public async Task<bool> ReadFirstPageAsync(TableClient table, IReadOnlyList<string> regions, Func<string, string> filterForRegion, int pageSize, CancellationToken cancellationToken)
        {
            var items = 0;
            var queries = 0;
            for (var region = 0; region < regions.Count && items < pageSize; region++)
            {
                string? token = null;
                do
                {
                    var want = Math.Min(pageSize - items, 1000);
                    queries++;
                    var next = (string?)null;
                    await foreach (var page in table.QueryAsync<TableEntity>(filterForRegion(regions[region]), want, cancellationToken: cancellationToken).AsPages(token, want))
                    {
                        items += page.Values.Count;
                        next = page.ContinuationToken;
                        break;
                    }

                    token = string.IsNullOrEmpty(next) ? null : next;
                }
                while (token is not null && items < pageSize);
            }

            Interlocked.Increment(ref _pages);
            Interlocked.Add(ref _queries, queries);
            return true;
        }
    }
}
