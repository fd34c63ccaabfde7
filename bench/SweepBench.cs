using System.Diagnostics;
using System.Reflection;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Subscriptions;
using RapidStart.Infrastructure.Storage;

namespace RapidStart.Bench;

/// <summary>One timed run of the expiry sweep.</summary>
public sealed record SweepRun(
    string Scenario,
    int SubscriptionsInTable,
    int DueItemsInIndex,
    int DueNow,
    int IndexFound,
    TimeSpan IndexRead,
    SweepResult Result,
    TimeSpan Elapsed);

/// <summary>What was written to storage before the sweeps, and how long it took.</summary>
public sealed record SweepSeed(string What, int Count, string Unit, int Requests, TimeSpan Elapsed);

/// <summary>A bounded attempt at writing real subscription rows, to see whether 100,000 fit in the run.</summary>
public sealed record SeedProbe(int Rows, TimeSpan Elapsed, double LastWindowPerSecond, int Target)
{
    public double PerSecond => Rows / Elapsed.TotalSeconds;

    public TimeSpan Projected => TimeSpan.FromSeconds(Target / Math.Max(1, Math.Min(PerSecond, LastWindowPerSecond)));
}

/// <summary>One step of a due item's handling, timed over several items.</summary>
public sealed record BreakdownStep(string Step, LatencyStats Latency, double Mean);

public sealed record SweepBenchResult(
    IReadOnlyList<SweepSeed> Seeds,
    IReadOnlyList<SweepRun> Runs,
    SeedProbe Probe,
    TimeSpan RowBudget,
    int Bulk,
    int BulkRows,
    int WarmUpItems,
    IReadOnlyList<BreakdownStep> Breakdown,
    int BreakdownItems);

/// <summary>
/// The expiry sweep over a large due index, on a fresh local host whose table holds only what this
/// section writes. Due subscriptions are written through the real stores (customer, listing, due
/// item, subscription with its sign-up audit line, Service List line: what a sign-up writes). The
/// bulk of not-yet-due subscriptions gets its due-index entries with Azure.Data.Tables directly,
/// through the store's own entity mapping, in transactions of up to 100 in one day partition. Whether
/// their subscription rows fit in the run is measured first (a bounded probe into a scratch table):
/// if so they are written too, else the bulk exists as due-index entries only, which is all the sweep
/// reads of a subscription that is not due.
/// </summary>
public static class SweepBench
{
    private const string Actor = "partner:P-BENCH:bench-agent@p-bench.example";

    public static async Task<SweepBenchResult> RunAsync(BenchHost host, bool quick, CancellationToken cancellationToken)
    {
        var services = host.Services;
        var router = services.GetRequiredService<TableRouter>();
        var store = services.GetRequiredService<ISubscriptionStore>();
        var customers = services.GetRequiredService<ICustomerStore>();
        var catalog = services.GetRequiredService<ServiceCatalog>();
        var sweep = services.GetRequiredService<ExpirySweep>();
        var email = services.GetRequiredService<IEmailSender>();
        var lifecycle = services.GetRequiredService<IOptions<LifecycleOptions>>().Value;
        var trial = lifecycle.TrialPeriod;
        var service = catalog.Find(ServiceCatalog.RapidStartServiceId)!;
        var mapping = Mapping.Find();

        var total = quick ? 10_000 : 100_000;
        const int warmUpItems = 20;
        const int dueSmall = 100;
        const int dueLarge = 1_000;
        var breakdownItems = quick ? 20 : 50;
        var bulk = total - dueSmall;
        var seeds = new List<SweepSeed>();
        var runs = new List<SweepRun>();
        var subscriptions = 0;
        var dueItems = 0;
        long number = 20_000_000;
        var lastSeedTime = TimeSpan.Zero;

        // Warm-up: the first sweep of a process runs unoptimised code (tiered JIT); this one is not timed.
        Progress.Step($"sweep: warm-up sweep over {warmUpItems} due subscriptions (not reported as a run)");
        await SeedDueAsync(warmUpItems);
        await sweep.RunAsync(cancellationToken);
        subscriptions += warmUpItems;
        dueItems += warmUpItems;

        // A: 100 due while the table is small.
        await SeedDueNowAsync(dueSmall);
        runs.Add(await TimeSweepAsync($"A: {dueSmall} due, small table", dueSmall));

        // Can 100,000 real subscription rows be written in this run? A bounded probe, in a scratch table.
        var probe = await ProbeSubscriptionRowsAsync(TimeSpan.FromSeconds(quick ? 5 : 15), bulk);
        var rowBudget = TimeSpan.FromSeconds(quick ? 45 : 120);

        // B: the bulk of subscriptions due in future days (their due-index entries, and their rows if the probe says they fit), plus 100 due now.
        var future = Enumerable.Range(0, bulk).Select(_ => FutureSubscription()).ToArray();
        Progress.Step($"sweep: seeding {bulk:N0} due-index entries for future days (batches of <= 100, one day partition each)");
        seeds.Add(await SeedDueIndexAsync(future.Select(f => f.Due).ToArray()));
        dueItems += bulk;
        var bulkRows = 0;
        if (probe.Projected <= rowBudget)
        {
            var (seed, rows) = await SeedSubscriptionRowsAsync(future, rowBudget * 1.25);
            seeds.Add(seed);
            bulkRows = rows;
            subscriptions += rows;
        }

        await SeedDueNowAsync(dueSmall);
        runs.Add(await TimeSweepAsync($"B: {dueSmall} due, with the bulk", dueSmall));

        // C: nothing due: what the index queries alone cost over the bulk.
        runs.Add(await TimeSweepAsync("C: 0 due (B again)", 0));

        // D: ten times as many due over the same bulk.
        await SeedDueNowAsync(dueLarge);
        runs.Add(await TimeSweepAsync($"D: {dueLarge:N0} due, with the bulk", dueLarge));

        // Where one due item's time goes: the sweep's calls for one item, re-enacted and timed one by one.
        Progress.Step($"sweep: breakdown of one due item's calls over {breakdownItems} more due subscriptions");
        var breakdown = await BreakdownAsync(await SeedDueAsync(breakdownItems));
        return new SweepBenchResult(seeds, runs, probe, rowBudget, bulk, bulkRows, warmUpItems, breakdown, breakdownItems);

        // A subscription whose trial ends 1 to 89 days ahead (no customer record: the sweep never reads one for an item not due).
        (Subscription Subscription, AuditEntry SignUp, DueItem Due) FutureSubscription()
        {
            var n = Interlocked.Increment(ref number);
            var country = Prospects.Country(n);
            var dueAt = DateTimeOffset.UtcNow + TimeSpan.FromDays(1) + TimeSpan.FromMinutes(Random.Shared.Next(0, 88 * 24 * 60));
            var createdAt = dueAt - trial;
            var customerId = CustomerId.New(catalog.HomeRegionOf(country), createdAt);
            var (subscription, signUp) = Subscription.SignUp(customerId, BenchHost.PartnerId, service.ServiceId, country, service.RegionFor(country)!, createdAt, trial, Actor);
            return (subscription, signUp, new DueItem(subscription.Key, subscription.TrialEndsAt!.Value));
        }

        async Task<(SweepSeed Seed, int Rows)> SeedSubscriptionRowsAsync((Subscription Subscription, AuditEntry SignUp, DueItem Due)[] rows, TimeSpan limit)
        {
            Progress.Step($"sweep: seeding {rows.Length:N0} subscription rows + sign-up audit lines (one transaction per customer partition, 32 in parallel), at most {limit.TotalSeconds:0} s");
            var clock = Stopwatch.StartNew();
            var written = 0;
            using var stop = new CancellationTokenSource(limit);
            try
            {
                await Load.ForEachAsync(rows, 32, async (row, _) =>
                {
                    if (await store.InsertAsync(row.Subscription, row.SignUp, cancellationToken))
                    {
                        Interlocked.Increment(ref written);
                    }
                }, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Progress.Step($"  time limit reached: {written:N0} of {rows.Length:N0} subscription rows written");
            }

            var what = written == rows.Length
                ? $"{written:N0} subscription rows of those due-index entries (`SubscriptionEntity`, status Created) each with its sign-up `AuditEntity`: one 2-operation transaction per customer partition through `TableSubscriptionStore.InsertAsync`, 32 in parallel; no customer records behind them"
                : $"{written:N0} of {rows.Length:N0} subscription rows of those due-index entries (time limit of {limit.TotalSeconds:0} s reached; the rest exist as due-index entries only), through `TableSubscriptionStore.InsertAsync`";
            return (new SweepSeed(what, written, "rows", written, clock.Elapsed), written);
        }

        (Customer Customer, Subscription Subscription, AuditEntry SignUp) DueSubscription(DateTimeOffset dueAt)
        {
            var n = Interlocked.Increment(ref number);
            var country = Prospects.Country(n);
            var region = service.RegionFor(country)!;
            var home = catalog.HomeRegionOf(country);
            var createdAt = dueAt - trial;
            var customerId = CustomerId.New(home, createdAt);
            var customer = new Customer(
                customerId, BenchHost.PartnerId, CustomerKinds.Prospect, null,
                new Organization($"Bench Customer {n} Ltd", new Address($"{n} Main Street", "Springfield", "North", "12345", country)),
                new Administrator($"Admin {n}", $"admin-{Prospects.RunTag}-{n}@customer{n}.example", Prospects.ContactEmail(n)),
                home, createdAt, new Dictionary<string, string> { [service.ServiceId] = region });
            var (subscription, signUp) = Subscription.SignUp(customerId, BenchHost.PartnerId, service.ServiceId, country, region, createdAt, trial, Actor);
            return (customer, subscription, signUp);
        }

        // Seeds due subscriptions for a timed run: reported as a seeding row and counted in the table's totals.
        async Task SeedDueNowAsync(int count)
        {
            Progress.Step($"sweep: seeding {count:N0} due subscriptions through the stores");
            seeds.Add(Describe(await SeedDueAsync(count), count, "due now"));
            subscriptions += count;
            dueItems += count;
        }

        async Task<(Customer Customer, DueItem Due)[]> SeedDueAsync(int count)
        {
            var clock = Stopwatch.StartNew();
            var seeded = new (Customer, DueItem)[count];
            await Load.ForEachAsync(Enumerable.Range(0, count), 16, async (i, ct) =>
            {
                var (customer, subscription, signUp) = DueSubscription(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1 + Random.Shared.Next(0, 2 * 24 * 60)));
                if (!await customers.InsertAsync(customer, ct))
                {
                    throw new InvalidOperationException($"Customer {customer.CustomerId} exists already.");
                }

                await customers.UpsertListingAsync(customer, ct);
                var due = new DueItem(subscription.Key, subscription.TrialEndsAt!.Value);
                await store.AddDueAsync(due, ct);
                if (!await store.InsertAsync(subscription, signUp, ct))
                {
                    throw new InvalidOperationException($"Subscription {subscription.Key} exists already.");
                }

                await store.UpsertListingAsync(subscription, ct);
                seeded[i] = (customer, due);
            }, cancellationToken);
            lastSeedTime = clock.Elapsed;
            return seeded;
        }

        SweepSeed Describe((Customer, DueItem)[] seeded, int count, string label) => new(
            $"{count:N0} subscriptions {label} (trial deadline 1 min to 2 days ago, status Created): customer record + partner listing, due item, subscription + sign-up audit line (one transaction), Service List line; through `ICustomerStore` / `ISubscriptionStore`",
            seeded.Length, "subscriptions", seeded.Length * 5, lastSeedTime);

        async Task<SweepSeed> SeedDueIndexAsync(DueItem[] items)
        {
            var clock = Stopwatch.StartNew();
            var batches = items
                .Select(item => (item.Key.Region, Entity: mapping.ToEntity(item)))
                .GroupBy(x => (x.Region, x.Entity.PartitionKey))
                .SelectMany(g => g.Chunk(TableTransactions.MaxOperations).Select(chunk => (g.Key.Region, Chunk: chunk)))
                .ToArray();
            await Load.ForEachAsync(batches, 8, async (batch, ct) =>
            {
                var actions = batch.Chunk.Select(x => new TableTransactionAction(TableTransactionActionType.UpsertReplace, x.Entity)).ToList();
                await TableTransactions.SubmitAsync(router.For(batch.Region), actions, ct);
            }, cancellationToken);
            var partitions = batches.Select(b => b.Chunk[0].Entity.PartitionKey).Distinct().Count();
            return new SweepSeed(
                $"{items.Length:N0} due-index entries (`DueItemEntity`, from the store's own mapping) of subscriptions whose trial ends 1 to 89 days ahead, in {partitions} partitions (one per region and day); upsert transactions of up to 100 entities, one partition each, 8 in parallel",
                items.Length, "entries", batches.Length, clock.Elapsed);
        }

        async Task<SeedProbe> ProbeSubscriptionRowsAsync(TimeSpan limit, int target)
        {
            Progress.Step($"sweep: probing how fast real subscription rows can be written ({limit.TotalSeconds:0} s, scratch table)");
            var scratch = new TableClient(host.ConnectionString, host.TableName + "probe");
            await scratch.CreateIfNotExistsAsync(cancellationToken);
            var written = 0;
            var windowStart = 0;
            var clock = Stopwatch.StartNew();
            using var stop = new CancellationTokenSource(limit);
            try
            {
                await Load.ForEachAsync(Enumerable.Range(0, target), 32, async (_, ct) =>
                {
                    var (_, subscription, signUp) = DueSubscription(DateTimeOffset.UtcNow + TimeSpan.FromDays(1 + Random.Shared.Next(0, 88)));
                    await TableTransactions.SubmitAsync(scratch, mapping.SignUpEntities(subscription, signUp), cancellationToken);
                    var now = Interlocked.Increment(ref written);
                    if (clock.Elapsed > limit * 0.75 && windowStart == 0)
                    {
                        Interlocked.CompareExchange(ref windowStart, now, 0);
                    }
                }, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // The time limit: that is the point of the probe.
            }

            var elapsed = clock.Elapsed;
            await scratch.DeleteAsync(cancellationToken);
            var last = (written - windowStart) / (limit * 0.25).TotalSeconds;
            var result = new SeedProbe(written, elapsed, last, target);
            Progress.Step($"  {written:N0} rows in {elapsed.TotalSeconds:0.0} s ({result.PerSecond:0}/s, last quarter {last:0}/s): {target:N0} would take at least {result.Projected.TotalMinutes:0.0} min");
            return result;
        }

        async Task<SweepRun> TimeSweepAsync(string scenario, int dueNow)
        {
            Progress.Step($"sweep: {scenario}");
            var now = DateTimeOffset.UtcNow;
            var fromDay = DateOnly.FromDateTime((now - ExpirySweep.LookBack).UtcDateTime);
            var index = Stopwatch.StartNew();
            var found = 0;
            foreach (var region in catalog.Regions)
            {
                found += (await store.ListDueAsync(region, fromDay, now, cancellationToken)).Count;
            }

            var indexRead = index.Elapsed;
            var clock = Stopwatch.StartNew();
            var result = await sweep.RunAsync(cancellationToken);
            var elapsed = clock.Elapsed;
            Progress.Step($"  examined {result.Examined}, inactivated {result.Inactivated} in {elapsed.TotalMilliseconds:0} ms (index read alone {indexRead.TotalMilliseconds:0} ms)");
            return new SweepRun(scenario, subscriptions, dueItems, dueNow, found, indexRead, result, elapsed);
        }

        async Task<IReadOnlyList<BreakdownStep>> BreakdownAsync((Customer Customer, DueItem Due)[] items)
        {
            var steps = new Dictionary<string, List<double>>(StringComparer.Ordinal);
            var order = new List<string>();
            async Task<T> Timed<T>(string step, Func<Task<T>> call)
            {
                var started = Stopwatch.GetTimestamp();
                var result = await call();
                if (!steps.TryGetValue(step, out var samples))
                {
                    steps[step] = samples = [];
                    order.Add(step);
                }

                samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return result;
            }

            var now = DateTimeOffset.UtcNow;
            var fromDay = DateOnly.FromDateTime((now - ExpirySweep.LookBack).UtcDateTime);
            await Timed("index read: `ListDueAsync` x 3 regions (once per sweep, not per item)", async () =>
            {
                foreach (var region in catalog.Regions)
                {
                    await store.ListDueAsync(region, fromDay, now, cancellationToken);
                }

                return true;
            });

            // The same calls, in the same order, that ExpirySweep + LifecycleTransitions.ApplyDeadlineAsync make for a due Created subscription.
            foreach (var (customer, due) in items)
            {
                var perItem = Stopwatch.GetTimestamp();
                // One read: the transition starts from the sweep's (ApplyDeadlineAsync's read parameter).
                var current = (await Timed("read subscription (the sweep's, handed to the transition)", () => store.GetAsync(due.Key, cancellationToken)))!;
                var owner = (await Timed("read customer", () => customers.GetAsync(customer.CustomerId, cancellationToken)))!.Value;
                var (inactive, audit) = current.Value.Inactivate(DateTimeOffset.UtcNow, lifecycle.RetentionPeriod, LifecycleTransitions.SweepActor);
                await Timed("upsert the retention due item", async () => { await store.AddDueAsync(new DueItem(due.Key, inactive.RetentionEndsAt!.Value), cancellationToken); return true; });
                await Timed("commit: transaction of subscription replace (ETag) + audit add", () => store.CommitAsync(new SubscriptionCommit(inactive, current.ETag, audit, []), cancellationToken));
                await Timed("upsert the Service List line", async () => { await store.UpsertListingAsync(inactive, cancellationToken); return true; });
                await Timed("write the notice .eml (pickup folder)", async () =>
                {
                    await email.SendAsync(EmailComposer.Inactivated(owner, inactive, inactive.Invitation?.ContactEmail ?? owner.Administrator?.ContactEmail ?? ""), cancellationToken);
                    return true;
                });
                await Timed("delete the due item", async () => { await store.RemoveDueAsync(due, cancellationToken); return true; });
                steps.TryAdd("= one due item, all of the above", []);
                steps["= one due item, all of the above"].Add(Stopwatch.GetElapsedTime(perItem).TotalMilliseconds);
            }

            order.Add("= one due item, all of the above");
            return order.Select(step => new BreakdownStep(step, LatencyStats.Of(steps[step]), steps[step].Average())).ToArray();
        }
    }

    /// <summary>
    /// The store's own entity mapping. <c>SubscriptionMapping</c> is internal to the infrastructure
    /// assembly (no InternalsVisibleTo), so the bench reaches it by reflection rather than copying
    /// the key layout and property names.
    /// </summary>
    private sealed class Mapping(MethodInfo dueItem, MethodInfo subscription, MethodInfo audit)
    {
        public static Mapping Find()
        {
            var type = typeof(TableSubscriptionStore).Assembly.GetType("RapidStart.Infrastructure.Storage.SubscriptionMapping")
                ?? throw new InvalidOperationException("RapidStart.Infrastructure.Storage.SubscriptionMapping not found: update the bench's seeding.");
            MethodInfo Method(params Type[] parameters) =>
                type.GetMethod("ToEntity", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, parameters)
                ?? throw new InvalidOperationException($"SubscriptionMapping.ToEntity({string.Join(", ", parameters.Select(p => p.Name))}) not found: update the bench's seeding.");
            return new Mapping(Method(typeof(DueItem)), Method(typeof(Subscription)), Method(typeof(SubscriptionKey), typeof(int), typeof(AuditEntry)));
        }

        public ITableEntity ToEntity(DueItem item) => (ITableEntity)dueItem.Invoke(null, [item])!;

        /// <summary>What <c>TableSubscriptionStore.InsertAsync</c> writes: the subscription and its sign-up audit line, one transaction.</summary>
        public List<TableTransactionAction> SignUpEntities(Subscription s, AuditEntry signUp) =>
        [
            new(TableTransactionActionType.Add, (ITableEntity)subscription.Invoke(null, [s])!),
            new(TableTransactionActionType.Add, (ITableEntity)audit.Invoke(null, [s.Key, s.AuditCount, signUp])!),
        ];
    }
}
