using System.Reflection;
using DurableTask.AzureStorage;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Subscriptions;
using RapidStart.Functions.Lifecycle;
using RapidStart.Infrastructure.Storage;

namespace RapidStart.Bench;

/// <summary>One storage call: a partition it touches, how many entities (a transaction counts each), and whether it writes.</summary>
public readonly record struct StorageCall(string Partition, string Kind, int Entities, bool Write);

/// <summary>The peak of one partition kind in a scenario: the busiest partition of that kind, and its rate over the busiest 10 s.</summary>
public sealed record PartitionPeak(string Kind, string Example, int Partitions, double PeakEntitiesPerSecond);

public sealed record ScaleScenario(
    string Name,
    string Description,
    IReadOnlyList<PartitionPeak> Peaks,
    double PeakTransactionsPerSecond,
    double PeakOrchestrationEventsPerSecond,
    double PeakActivitiesPerSecond,
    IReadOnlyList<double> ControlQueueShare);

/// <summary>
/// The design at Azure scale, by simulation: realistic days are turned into the storage calls the
/// code makes (each recipe below follows a service method, named in its comment), with every partition
/// key computed by the real <see cref="TableKeys"/> functions over real identifiers
/// (<see cref="CustomerId.New"/>, the catalog's regions), and every orchestration instance mapped to its
/// Durable control queue by the Azure Storage provider's own hash. The result is the peak entity rate of
/// the busiest partition of each kind, the account's transactions per second, and the Durable load.
/// </summary>
public static class ScaleModel
{
    public const double PartitionTarget = 2_000;
    public const double AccountTarget = 20_000;
    public const int DurablePartitions = 4;
    public const int DurableMaxPartitions = 16;

    private static readonly ServiceCatalog Catalog = ServiceCatalog.Default();
    private static readonly string[] Countries = Catalog.Find(ServiceCatalog.RapidStartServiceId)!.Countries.Select(c => c.CountryRegion).ToArray();
    private static readonly string ServiceId = ServiceCatalog.RapidStartServiceId;

    /// <summary>A customer as the simulation needs it: its identifiers, regions and partner.</summary>
    private sealed record Sim(string CustomerId, string HomeRegion, string Region, string PartnerId, DateTimeOffset SignedUpAt)
    {
        public SubscriptionKey Key => new(Region, CustomerId, ServiceId);
    }

    private sealed class Timeline
    {
        // (second, partition) -> entities; second -> transactions; second -> orchestration events / activities.
        public Dictionary<(int, string), int> Entities { get; } = [];
        public Dictionary<string, string> KindOf { get; } = new(StringComparer.Ordinal);
        public Dictionary<int, int> Transactions { get; } = [];
        public Dictionary<int, int> Events { get; } = [];
        public Dictionary<int, int> Activities { get; } = [];
        public long[] ControlQueue { get; } = new long[DurablePartitions];

        public void Add(double at, params StorageCall[] calls)
        {
            var second = (int)Math.Floor(at);
            foreach (var call in calls)
            {
                Entities[(second, call.Partition)] = Entities.GetValueOrDefault((second, call.Partition)) + call.Entities;
                KindOf[call.Partition] = call.Kind;
                Transactions[second] = Transactions.GetValueOrDefault(second) + 1;
            }
        }

        /// <summary>An orchestration episode (start, timer, activity result or signal) and the activity it schedules, if any.</summary>
        public void Orchestration(double at, Sim customer, bool activity)
        {
            var second = (int)Math.Floor(at);
            Events[second] = Events.GetValueOrDefault(second) + 1;
            ControlQueue[ControlQueueOf(ActivationLifecycle.InstanceIdFor(customer.Key), DurablePartitions)]++;
            if (activity)
            {
                Activities[second] = Activities.GetValueOrDefault(second) + 1;
            }
        }
    }

    // ---- Recipes: the storage calls of one operation, in the order the code makes them. ----

    private static StorageCall Customer(Sim c, int entities = 1, bool write = true) => new(TableKeys.CustomerPartition(c.HomeRegion, c.CustomerId), "customer", entities, write);

    private static StorageCall Subscription(Sim c, int entities = 1, bool write = true) => new(TableKeys.CustomerPartition(c.Region, c.CustomerId), "customer", entities, write);

    private static StorageCall Listing(Sim c) => new(TableKeys.PartnerCustomersPartition(c.HomeRegion, c.PartnerId), "partner's customer listing", 1, true);

    private static StorageCall ServiceList(Sim c) => new(TableKeys.ServiceListPartition(c.Region, c.PartnerId), "partner's Service List", 1, true);

    private static StorageCall Due(Sim c, DateTimeOffset dueAt, bool write = true) =>
        new(TableKeys.DuePartition(c.Region, DateOnly.FromDateTime(dueAt.UtcDateTime)), "due index (day)", 1, write);

    /// <summary>CustomerService.CreateAsync (prospect): add the record, upsert the listing line.</summary>
    private static StorageCall[] CreateProspect(Sim c) => [Customer(c), Listing(c)];

    /// <summary>SubscriptionService.SignUpAsync: read the customer, add the due item, insert subscription + audit (one transaction), replace the customer, upsert the Service List line.</summary>
    private static StorageCall[] SignUp(Sim c, TimeSpan trial) =>
        [Customer(c, write: false), Due(c, c.SignedUpAt + trial), Subscription(c, entities: 2), Customer(c, write: false), Customer(c), ServiceList(c)];

    /// <summary>SubscriptionService send: read, commit (subscription + audit), upsert the Service List line.</summary>
    private static StorageCall[] SendActivation(Sim c) => [Subscription(c, write: false), Subscription(c, entities: 2), ServiceList(c)];

    /// <summary>ReadLifecycle activity: one read.</summary>
    private static StorageCall[] ReadLifecycle(Sim c) => [Subscription(c, write: false)];

    /// <summary>LifecycleTransitions.SendInvitationAsync: read subscription and customer, commit with the token, commit the sent mark, upsert the Service List line.</summary>
    private static StorageCall[] SendInvitation(Sim c) =>
        [Subscription(c, write: false), Customer(c, write: false), Subscription(c, entities: 2), Subscription(c), ServiceList(c)];

    /// <summary>ActivationService accept: read the token and the subscription, commit (subscription, audit, token, user), upsert the Service List line.</summary>
    private static StorageCall[] Accept(Sim c) => [Subscription(c, write: false), Subscription(c, write: false), Subscription(c, entities: 4), ServiceList(c)];

    /// <summary>LifecycleTransitions.SendTrialReminderAsync: read subscription and customer.</summary>
    private static StorageCall[] Reminder(Sim c) => [Subscription(c, write: false), Customer(c, write: false)];

    /// <summary>LifecycleTransitions.ApplyDeadlineAsync: read subscription and customer, the live token, add the retention due item, commit (subscription, audit, token), upsert the Service List line.</summary>
    private static StorageCall[] Deadline(Sim c, DateTimeOffset at, TimeSpan retention) =>
        [Subscription(c, write: false), Customer(c, write: false), Subscription(c, write: false), Due(c, at + retention), Subscription(c, entities: 3), ServiceList(c)];

    /// <summary>ExpirySweep per due item: the sweep's own read of the subscription, the deadline, and the delete of the due item.</summary>
    private static StorageCall[] SweepItem(Sim c, DateTimeOffset dueAt, DateTimeOffset at, TimeSpan retention, bool doubleRead) =>
        [.. doubleRead ? [Subscription(c, write: false)] : Array.Empty<StorageCall>(), .. Deadline(c, at, retention), Due(c, dueAt)];

    /// <summary>The Azure Storage provider's control queue for an instance: its FNV-1a hash of the instance ID modulo the partition count.</summary>
    public static int ControlQueueOf(string instanceId, int partitions)
    {
        var helper = typeof(AzureStorageOrchestrationService).Assembly.GetType("DurableTask.AzureStorage.Fnv1aHashHelper")
            ?? throw new InvalidOperationException("DurableTask.AzureStorage has no Fnv1aHashHelper any more: look up how it maps instances to control queues.");
        var compute = helper.GetMethod("ComputeHash", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [typeof(string)])
            ?? throw new InvalidOperationException("Fnv1aHashHelper.ComputeHash(string) is gone.");
        return (int)((uint)compute.Invoke(null, [instanceId])! % (uint)partitions);
    }

    // ---- Scenarios ----

    private static readonly DateTimeOffset Day = new(2027, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Trial = TimeSpan.FromDays(90);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    /// <summary>1,000 partners, Zipf-distributed (the largest has about 13 % of the customers), customers spread over the catalog's countries.</summary>
    private static string[] Partners(Random random, int count, int partners)
    {
        var weights = Enumerable.Range(1, partners).Select(k => 1.0 / k).ToArray();
        var total = weights.Sum();
        var cumulative = new double[partners];
        var sum = 0.0;
        for (var k = 0; k < partners; k++)
        {
            sum += weights[k] / total;
            cumulative[k] = sum;
        }

        return Enumerable.Range(0, count).Select(_ =>
        {
            var index = Array.BinarySearch(cumulative, random.NextDouble());
            return $"P-{1000 + (index < 0 ? ~index : index)}";
        }).ToArray();
    }

    private static Sim NewCustomer(Random random, string partnerId, string? country, DateTimeOffset at)
    {
        country ??= Countries[random.Next(Countries.Length)];
        var home = Catalog.HomeRegionOf(country);
        var region = Catalog.RegionForSignUp(Catalog.Find(ServiceId)!, country, at);
        return new Sim(CustomerId.New(home, at), home, region, partnerId, at);
    }

    /// <summary>Enrollment of one customer at <paramref name="t"/> seconds: create, sign up (starts the orchestration), send; the orchestration's reads and the invitation.</summary>
    private static void Enrol(Timeline timeline, Sim c, double t)
    {
        timeline.Add(t, CreateProspect(c));
        timeline.Add(t + 0.5, SignUp(c, Trial));
        timeline.Orchestration(t + 0.6, c, activity: true);
        timeline.Add(t + 0.7, ReadLifecycle(c));
        timeline.Orchestration(t + 0.8, c, activity: false);
        timeline.Add(t + 2, SendActivation(c));
        timeline.Orchestration(t + 2.1, c, activity: true);
        timeline.Add(t + 2.2, SendInvitation(c));
        timeline.Orchestration(t + 2.5, c, activity: false);
    }

    public static IReadOnlyList<ScaleScenario> Run()
    {
        var scenarios = new List<ScaleScenario>();
        var random = new Random(11);

        // 1. A busy day: 100,000 customers across 1,000 partners, over 10 business hours, at twice the day's mean in the peak hour.
        {
            var timeline = new Timeline();
            const int perDay = 100_000;
            var peakHour = (int)(perDay / 10.0 * 2);
            var partners = Partners(random, peakHour, 1_000);
            for (var i = 0; i < peakHour; i++)
            {
                var t = random.NextDouble() * 3600;
                Enrol(timeline, NewCustomer(random, partners[i], null, Day.AddSeconds(t)), t);
            }

            scenarios.Add(Summarise("busy day", $"100,000 customers a day across 1,000 partners (Zipf: the largest has ~13 %), countries spread over the catalog's {Countries.Length}; the peak hour at twice the mean of 10 business hours ({peakHour:N0} enrolments in the hour, {peakHour / 3600.0:0.0}/s): create, sign up, send, and the orchestration's ReadLifecycle and SendInvitation.", timeline));
        }

        // 2. A campaign: one partner enrols 50,000 of its customers in one country in 30 minutes, on top of the busy peak hour.
        foreach (var (minutes, label) in new[] { (30.0, "campaign (30 min)"), (5.0, "campaign burst (5 min)") })
        {
            var timeline = new Timeline();
            const int campaign = 50_000;
            var seconds = minutes * 60;
            for (var i = 0; i < campaign; i++)
            {
                var t = seconds * i / campaign;
                Enrol(timeline, NewCustomer(random, "P-1001", "DE", Day.AddSeconds(t)), t);
            }

            var background = (int)(20_000 * seconds / 3600);
            var partners = Partners(random, background, 1_000);
            for (var i = 0; i < background; i++)
            {
                var t = random.NextDouble() * seconds;
                Enrol(timeline, NewCustomer(random, partners[i], null, Day.AddSeconds(t)), t);
            }

            scenarios.Add(Summarise(label, $"One partner (P-1001) enrols 50,000 customers in Germany in {minutes:0} minutes ({campaign / seconds:0}/s) through the API, on top of the busy day's peak hour.", timeline));
        }

        // 3. The sweep day: 100,000 deadlines fall on one day. Their orchestrations apply them at the
        // moment each is due (the campaign's 50,000 within 30 minutes, the rest spread over 10 hours);
        // the daily sweep then finds what they missed. Worst case: all of it (task hub lost), swept at
        // the sweep's parallelism (8) with ~10 ms per storage call in Azure.
        {
            var timeline = new Timeline();
            const int due = 100_000;
            for (var i = 0; i < due; i++)
            {
                var t = i < 50_000 ? 1800.0 * i / 50_000 : random.NextDouble() * 36_000;
                var c = NewCustomer(random, i < 50_000 ? "P-1001" : $"P-{1000 + random.Next(1_000)}", i < 50_000 ? "DE" : null, Day.AddSeconds(t) - Trial);
                var at = Day.AddSeconds(t);
                timeline.Orchestration(t, c, activity: true);
                timeline.Add(t + 0.1, Deadline(c, at, Retention));
                timeline.Orchestration(t + 0.2, c, activity: false);
            }

            scenarios.Add(Summarise("sweep day: orchestrations", "100,000 trial deadlines on one day: 50,000 from the campaign within 30 minutes, 50,000 spread over 10 hours; each orchestration's timer fires and runs ApplyDeadline.", timeline));
        }

        foreach (var doubleRead in new[] { true, false })
        {
            var timeline = new Timeline();
            const int due = 100_000;
            var perItem = (SweepItem(NewCustomer(random, "P-1001", "DE", Day), Day, Day, Retention, doubleRead).Length + 1) * 0.010;
            var itemsPerSecond = 8 / perItem;
            for (var i = 0; i < due; i++)
            {
                var t = i / itemsPerSecond;
                var c = NewCustomer(random, i % 2 == 0 ? "P-1001" : $"P-{1000 + random.Next(1_000)}", i % 2 == 0 ? "DE" : null, Day - Trial);
                timeline.Add(t, SweepItem(c, Day, Day.AddSeconds(t), Retention, doubleRead));
            }

            scenarios.Add(Summarise(doubleRead ? "sweep day: the sweep, as it was" : "sweep day: the sweep, one read",
                $"Worst case: every one of the 100,000 due items is left to the sweep (say the task hub was lost). It takes them 8 at a time; at ~10 ms per storage call in Azure one item takes {perItem * 1000:0} ms " +
                $"({(doubleRead ? "the sweep's own read of the subscription, then ApplyDeadline's reads and writes, then the delete" : "ApplyDeadline's reads and writes and the delete, the subscription read once")}), so {itemsPerSecond:0} items/s and {due / itemsPerSecond / 60:0} minutes for all.", timeline));
        }

        return scenarios;
    }

    private static ScaleScenario Summarise(string name, string description, Timeline timeline)
    {
        // Peak rate of a partition: the most entities in any 10 consecutive seconds, divided by 10.
        var byPartition = timeline.Entities.GroupBy(p => p.Key.Item2).Select(g =>
        {
            var perSecond = g.ToDictionary(p => p.Key.Item1, p => p.Value);
            var peak = perSecond.Keys.Max(s => Enumerable.Range(s - 9, 10).Sum(x => perSecond.GetValueOrDefault(x))) / 10.0;
            return (Partition: g.Key, Kind: timeline.KindOf[g.Key], Peak: peak);
        }).ToArray();
        var peaks = byPartition.GroupBy(p => p.Kind).Select(g =>
        {
            var top = g.MaxBy(p => p.Peak);
            return new PartitionPeak(g.Key, top.Partition, g.Count(), top.Peak);
        }).OrderByDescending(p => p.PeakEntitiesPerSecond).ToArray();

        var controlTotal = timeline.ControlQueue.Sum();
        return new ScaleScenario(name, description, peaks,
            Peak10(timeline.Transactions), Peak10(timeline.Events), Peak10(timeline.Activities),
            timeline.ControlQueue.Select(c => controlTotal == 0 ? 0 : (double)c / controlTotal).ToArray());
    }

    private static double Peak10(Dictionary<int, int> perSecond) =>
        perSecond.Count == 0 ? 0 : perSecond.Keys.Max(s => Enumerable.Range(s - 9, 10).Sum(x => perSecond.GetValueOrDefault(x))) / 10.0;
}
