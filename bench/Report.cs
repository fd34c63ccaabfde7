using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;

namespace RapidStart.Bench;

/// <summary>The Markdown report: machine facts, one section per benchmark, and the goals with their verdicts.</summary>
public sealed class Report
{
    // Goals of the issue: at 8 clients reads >= 70 % and creates >= 50 % of the raw rate; sweep < 1 s; activation mail p99 < 2 s.
    public const int GoalClients = 8;
    public const double ReadGoal = 0.70;
    public const double CreateGoal = 0.50;
    public static readonly TimeSpan SweepGoal = TimeSpan.FromSeconds(1);
    public const int SweepGoalTotal = 100_000;
    public const int SweepGoalDue = 100;
    public static readonly TimeSpan MailGoal = TimeSpan.FromSeconds(2);

    private readonly StringBuilder _text = new();
    private readonly List<(string Goal, string Measured, string Verdict)> _goals = [];

    public void Line(string line = "") => _text.AppendLine(line);

    /// <summary>Other processes may take this share of the machine before a section's numbers are flagged as unreliable.</summary>
    public const double OthersLimitPercent = 15;

    private readonly List<string> _warnings = [];

    /// <summary>The section's CPU line (see <see cref="MachineLoad"/>), and a warning at the top when other processes took a real share of the machine.</summary>
    public void Load(string section, (string Text, double OthersPercent) load)
    {
        if (load.Text.Length == 0)
        {
            return;
        }

        Line(load.Text);
        Line();
        if (load.OthersPercent > OthersLimitPercent)
        {
            _warnings.Add($"**Warning: other processes took {load.OthersPercent:0} % of the machine's CPU during the {section} section** (more than {OthersLimitPercent:0} %): its numbers measure a shared, busy machine, not this system; run again on a quiet one.");
        }
    }

    public void Header(bool quick, IReadOnlyCollection<string> sections, int sectionCount, BenchHost host, string azurite, DateTimeOffset started)
    {
        Line("# RapidStart benchmark report");
        Line();
        Line($"Command: `./rapidstart bench{(quick ? " --quick" : "")}{(sections.Count < sectionCount ? " --only=" + string.Join(',', sections) : "")}` — " +
             (quick ? "**quick smoke run: short measurements, 10,000 instead of 100,000 subscriptions; not a verdict on the goals**" : "full run") + ".");
        Line();
        Line("| machine | |");
        Line("|---|---|");
        Line($"| date (UTC) | {started:yyyy-MM-dd HH:mm} |");
        Line($"| CPU | {Environment.ProcessorCount} logical cores{Cpu()} |");
        Line($"| memory | {MemoryGiB()} |");
        Line($"| OS | {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture}) |");
        Line($"| .NET | {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC, {(IsOptimized() ? "Release" : "Debug")} build |");
        Line($"| Azurite | {azurite}, node {Run("node", "--version") ?? "?"}; {host.Storage.Source} |");
        Line($"| code | commit {Run("git", "rev-parse --short HEAD") ?? "?"}{(string.IsNullOrEmpty(Run("git", "status --porcelain --untracked-files=no")) ? "" : " + uncommitted changes")} |");
        Line($"| layout | bench client, local host (Kestrel + Durable sidecar, in the bench process) and Azurite (node) all on this machine, over loopback |");
        Line($"| host start | {host.StartUpTime.TotalSeconds:0.0} s until /api/health answered 200 (Durable engine ready), for the first of the run's local hosts |");
        Line($"| host settings | Development, development token issuer, `RunTimers=false`, tables and task hub named per run, pickup email to a temp folder, telemetry export off (no console exporter, no Application Insights) |");
        Line();
    }

    public void Enrollment(EnrollmentResult result)
    {
        Line("## 1. Enrollment: API against raw table operations");
        Line();
        Line($"Closed loop: each client sends its next request as soon as the previous one answered. Each concurrency level runs on a fresh local host (new tables): " +
             $"{result.Levels[0].Pool:N0} customers are created through the API first (untimed), then get/GetEntity is measured over them, then create/AddEntity. " +
             $"Per row, API and raw each get {result.WarmUp.TotalSeconds:0} s of warm-up and then {result.Duration.TotalSeconds:0} s measured, " +
             $"in {result.Slices} slices each taken in turns (API, raw, raw, API{(result.Slices > 2 ? ", API, raw, raw, API" : "")}), so that drift over time (Azurite slows as a table grows) and bursts of other load fall on both alike. " +
             "Raw = Azure.Data.Tables from the bench process (a `TableClient` of its own) against the API's table in the same Azurite, at the same concurrency: " +
             "`GetEntity` of random customer records the API created, and " +
             $"`AddEntity` of an entity with a customer record's properties and key shape (~{result.RawEntityBytes} B of properties; the API's stored record is ~{result.CustomerEntityBytes} B). " +
             "A get through the API authenticates the bearer token and makes 1 point read; a create authenticates, validates, and writes the record and the " +
             "partner-listing copy (2 sequential writes). Latencies in ms, from request sent to response read.");
        Line();
        Line("| clients | operation | API req/s | API p50 | API p99 | raw operation | raw req/s | raw p50 | raw p99 | API / raw | goal at 8 clients |");
        Line("|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---|");
        foreach (var level in result.Levels)
        {
            Row(level, "get customer", level.ApiGet, "GetEntity", level.RawGet, ReadGoal);
            Row(level, "create customer", level.ApiCreate, "AddEntity", level.RawAdd, CreateGoal);
        }

        Line();
        Line("Rows with the row key `customer` in the table at the end of each level (pool + API creates + raw adds, warm-ups included): " +
             string.Join(", ", result.Levels.Select(l => $"{l.CustomerRowsAtEnd:N0} at {l.Clients} client{(l.Clients == 1 ? "" : "s")}")) + ".");
        Line();
        var failures = result.Levels.SelectMany(l => new[] { l.ApiCreate, l.RawAdd, l.ApiGet, l.RawGet }).Where(r => r.Failed > 0).ToArray();
        Line(failures.Length == 0
            ? "Every request in the measured windows succeeded (201 / 200 / 204)."
            : "Failed requests (not counted in req/s or latency): " + string.Join("; ", failures.Select(f => $"{f.Name} at {f.Clients}: {f.Failed} ({f.FirstError})")) + ".");
        Line();

        void Row(EnrollmentLevel level, string name, LoadResult api, string rawName, LoadResult raw, double goal)
        {
            var ratio = api.PerSecond / raw.PerSecond;
            var verdict = level.Clients == GoalClients ? $"≥ {goal:P0}: **{(ratio >= goal ? "PASS" : "FAIL")}**" : "";
            Line($"| {level.Clients} | {name} | {api.PerSecond:0} | {api.Latency.P50:0.0} | {api.Latency.P99:0.0} | {rawName} | {raw.PerSecond:0} | {raw.Latency.P50:0.0} | {raw.Latency.P99:0.0} | {ratio:P0} | {verdict} |");
            if (level.Clients == GoalClients)
            {
                Goal($"{name} at {GoalClients} clients ≥ {goal:P0} of raw {rawName}", $"{api.PerSecond:0} vs {raw.PerSecond:0} req/s = {ratio:P0}", ratio >= goal);
            }
        }
    }

    public void Lifecycle(LifecycleResult r)
    {
        Line("## 2. Lifecycle: orchestration starts and Send Activation to .eml");
        Line();
        Line($"{r.SignUps} prospects (created beforehand, untimed) are signed up for RapidStart Services by {r.SignUpClients} concurrent clients; each sign-up (`POST /api/customers/{{id}}/services`) starts one lifecycle orchestration. " +
             $"A poller asks the host's `DurableTaskClient` every {r.PollInterval.TotalMilliseconds:0} ms (4 at a time) for each started instance until it is `Running`.");
        Line();
        Line("| measure | value |");
        Line("|---|---:|");
        Line($"| sign-ups answered 201 | {r.SignUps - r.SignUpFailures} of {r.SignUps} in {r.SignUpElapsed.TotalSeconds:0.0} s = **{r.SignUpsPerSecond:0.0}/s** |");
        Line($"| sign-up latency p50 / p99 | {r.SignUpLatency.P50:0} / {r.SignUpLatency.P99:0} ms |");
        Line($"| instances seen Running | {r.ReachedRunning} (not Running in time: {r.NotRunning}) |");
        Line($"| orchestration starts per second (Running instances ÷ time from the first sign-up request to the last instance Running) | **{r.RunningPerSecond:0.0}/s** over {r.RunningElapsed.TotalSeconds:0.0} s |");
        Line($"| 201 → Running p50 / p99 (resolution ≈ one poll round) | {r.SignUpToRunning.P50:0} / {r.SignUpToRunning.P99:0} ms |");
        Line();
        Line($"Send Activation (`POST .../services/rapidstart/activation`, no body) on {r.Sends} of those subscriptions, one every {r.SendPacing.TotalMilliseconds:0} ms; " +
             $"the pickup folder is scanned every {r.MailPollInterval.TotalMilliseconds:0} ms for the invitation addressed to each administrator. Latency = 202 received → .eml found.");
        Line();
        Line("| measure | value |");
        Line("|---|---:|");
        Line($"| sends answered 202 | {r.Sends - r.SendFailures} of {r.Sends} |");
        Line($"| Send Activation request → 202 p50 / p99 | {r.SendLatency.P50:0} / {r.SendLatency.P99:0} ms |");
        Line($"| **202 → .eml on disk p50 / p99** (max) | **{r.MailLatency.P50:0} / {r.MailLatency.P99:0} ms** ({r.MailLatency.Max:0}) |");
        Line($"| invitations not on disk within 60 s of the last send | {r.MailsMissing} |");
        Line();
        var ok = r.MailsMissing == 0 && r.SendFailures == 0 && r.MailLatency.Count > 0 && r.MailLatency.P99 < MailGoal.TotalMilliseconds;
        Goal($"Send Activation → .eml p99 < {MailGoal.TotalSeconds:0} s", $"p99 {r.MailLatency.P99:0} ms over {r.MailLatency.Count} sends" + (r.MailsMissing > 0 ? $", {r.MailsMissing} missing" : ""), ok);
    }

    public void Sweep(SweepBenchResult r, bool quick)
    {
        Line("## 3. Expiry sweep");
        Line();
        Line($"On a fresh local host (new tables and task hub), so the table holds only what this section writes. " +
             "`ExpirySweep.RunAsync` is resolved from the host's services and called directly (timers are off). It reads the due index " +
             "(one range query per region, 3 regions) and then, one due item after the other, reads the subscription, applies the deadline " +
             "(`LifecycleTransitions.ApplyDeadlineAsync`, given the sweep's read of the subscription: reads the customer, upserts the retention due item, commits the inactivation with its audit line, " +
             "upserts the Service List line, writes the notice to the pickup folder) and deletes the due item. " +
             $"An untimed warm-up sweep over {r.WarmUpItems} due subscriptions ran first (the first sweep of a process runs unoptimised code).");
        Line();
        var p = r.Probe;
        var probe = $"Writing real subscription rows (`SubscriptionEntity` + sign-up `AuditEntity`, one transaction per customer partition as `TableSubscriptionStore.InsertAsync` does, 32 in parallel) " +
                    $"into a scratch table ran at {p.PerSecond:0} rows/s over {p.Elapsed.TotalSeconds:0} s ({p.LastWindowPerSecond:0}/s in the last quarter), " +
                    $"so the bulk's {r.Bulk:N0} rows would take at least {p.Projected.TotalMinutes:0.0} min against a budget of {r.RowBudget.TotalMinutes:0.0} min for them in this run. ";
        Line("**What was seeded.** " + probe + (r.BulkRows == r.Bulk
            ? "They fit, so the bulk has its subscription rows (with sign-up audit lines) as well as its due-index entries; only its customer records are left out (the sweep reads a customer only for a due item)."
            : r.BulkRows == 0
                ? "That is too slow, so, as planned for that case, the bulk of not-yet-due subscriptions exists only as due-index entries (the sweep reads nothing else of a subscription that is not due); only the due subscriptions are complete (customer, listing, subscription, audit line, Service List line, due item)."
                : $"They were written within a time limit: {r.BulkRows:N0} of the bulk's {r.Bulk:N0} have their subscription row; the rest exist as due-index entries only (the sweep reads nothing else of a subscription that is not due)."));
        Line();
        Line("| seeded (before the sweep that follows it; not part of any sweep time) | requests | time | rate |");
        Line("|---|---:|---:|---:|");
        foreach (var seed in r.Seeds)
        {
            Line($"| {seed.What} | {seed.Requests:N0} | {seed.Elapsed.TotalSeconds:0.0} s | {seed.Count / seed.Elapsed.TotalSeconds:0} {seed.Unit}/s |");
        }

        Line();
        Line("| scenario | subscription rows | due-index entries | due now | found by the index read | index read alone | **sweep** | examined | inactivated | sweep per due item |");
        Line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var run in r.Runs)
        {
            var perItem = run.Result.Examined == 0 ? "—" : $"{run.Elapsed.TotalMilliseconds / run.Result.Examined:0.0} ms";
            Line($"| {run.Scenario} | {run.SubscriptionsInTable:N0} | {run.DueItemsInIndex:N0} | {run.DueNow:N0} | {run.IndexFound:N0} | {run.IndexRead.TotalMilliseconds:0} ms | **{run.Elapsed.TotalMilliseconds:0} ms** | {run.Result.Examined:N0} | {run.Result.Inactivated:N0} | {perItem} |");
        }

        Line();
        Line("\"subscription rows\" counts the subscription rows written so far: the bulk's, if any, and the due ones seeded through the stores (including the warm-up's; swept ones stay, as Inactive); " +
             "\"due-index entries\" counts every due item written so far (the bulk's plus one per complete subscription; swept ones are deleted, and each inactivation adds a retention item 30 days ahead). " +
             "\"index read alone\" is the sweep's own index queries (`ISubscriptionStore.ListDueAsync`, 3 regions), timed just before the sweep.");
        Line();
        Line($"Where one due item's time goes: the calls the sweep makes for one due `Created` subscription, re-enacted one by one through the same public store methods " +
             $"(and `EmailComposer` + the host's `IEmailSender`) over {r.BreakdownItems} more due subscriptions, sequentially, after run D:");
        Line();
        Line("| call | mean | p50 | p99 |");
        Line("|---|---:|---:|---:|");
        foreach (var step in r.Breakdown)
        {
            Line($"| {step.Step} | {step.Mean:0.0} ms | {step.Latency.P50:0.0} ms | {step.Latency.P99:0.0} ms |");
        }

        Line();
        var b = r.Runs.FirstOrDefault(x => x.Scenario.StartsWith("B:", StringComparison.Ordinal));
        var a = r.Runs.FirstOrDefault(x => x.Scenario.StartsWith("A:", StringComparison.Ordinal));
        var c = r.Runs.FirstOrDefault(x => x.Scenario.StartsWith("C:", StringComparison.Ordinal));
        var d = r.Runs.FirstOrDefault(x => x.Scenario.StartsWith("D:", StringComparison.Ordinal));
        if (a is null || b is null || c is null || d is null)
        {
            return;
        }

        var full = !quick && r.Bulk + SweepGoalDue >= SweepGoalTotal;
        Goal($"sweep of {SweepGoalDue} due among {SweepGoalTotal:N0} subscriptions < {SweepGoal.TotalSeconds:0} s",
            $"{b.Elapsed.TotalMilliseconds:0} ms for {b.Result.Examined} due among {r.Bulk + SweepGoalDue:N0}" + (r.BulkRows == r.Bulk ? "" : r.BulkRows == 0 ? " (the bulk as due-index entries only)" : $" ({r.BulkRows:N0} of the bulk with subscription rows)"),
            full ? b.Elapsed < SweepGoal && b.Result.Examined == SweepGoalDue : null);
        Goal("sweep time grows with the due count, not the total",
            $"100 due: {a.Elapsed.TotalMilliseconds:0} ms without the bulk, {b.Elapsed.TotalMilliseconds:0} ms with it; 0 due with the bulk: {c.Elapsed.TotalMilliseconds:0} ms; " +
            $"1,000 due with the bulk: {d.Elapsed.TotalMilliseconds:0} ms (×{d.Elapsed / b.Elapsed:0.0} of 100 due). Criterion: adding the bulk (B − A) costs less than adding 900 due items (D − B), and C < B",
            full ? (b.Elapsed - a.Elapsed) < (d.Elapsed - b.Elapsed) && c.Elapsed < b.Elapsed : null);
    }

    /// <summary>Goal of issue 11: many whole lives at once reach this share of a minimal orchestration's rate, and nothing is lost.</summary>
    public const double LivesGoal = 0.70;

    public void Lives(LivesBenchResult r)
    {
        var run = r.Lives;
        var plan = run.Plan;
        Line("## 4. Many whole lives at once, on the real engine");
        Line();
        Line($"{plan.Count:N0} subscriptions live compressed whole lives at the same time on one local host: trial {plan.Trial.TotalSeconds:0} s, reminders " +
             $"{string.Join(" and ", plan.ReminderOffsets.Select(o => $"{o.TotalSeconds:0} s"))} before the deadline, retention {plan.Retention.TotalSeconds:0} s. " +
             $"{plan.Parallelism} concurrent drivers take them one after the other (`ConcurrentLives` of `tests/RapidStart.Testing`, also behind the end-to-end test `ConcurrentLivesTests`): " +
             "create the prospect, sign up (starts the lifecycle orchestration), and by story: a quarter **kept** (Send Activation, accept the link from the mail as the administrator, give a VOICE number: Active for good), " +
             "a quarter **accepted, no VOICE number**, a quarter **invited, never accepted**, a quarter **never sent**; the last three are reminded, inactivated at the deadline and purged after retention, by their orchestration's timers alone (no sweep). " +
             "Then every life is checked: its record's state, exactly its mails in the pickup folder (one invitation per send, every configured reminder, one inactivation and one deletion notice; " +
             "for a kept life no reminder due after its VOICE number was given), its instance Completed, and the partner's Service List against the records.");
        Line();
        Line("*Transitions* are the engine's work for a life as its story has it: its activities (ReadLifecycle, SendInvitation, one per fired timer) and its fired timers " +
             $"({run.Transitions:N0} in all; the {run.Signals:N0} lifecycle signals from HTTP are not counted). The rate is transitions ÷ time from the first sign-up to the last instance completed. " +
             "The **minimal orchestration** runs on a fresh host (new task hub) over the same Azurite right after: one instance per life, started at the same offsets from the first, " +
             "each with its life's activities (an activity that returns its input) and its timers at the same offsets from its start. Its rate counts the same transitions over its own span. " +
             "*Late* is an instance's end minus its last timer's due time (lapsed lives only). Memory is the bench process's (client and host in one process), sampled every second.");
        Line();
        var late = run.Lives.Where(l => l.LateBy is not null).Select(l => l.LateBy!.Value.TotalSeconds).ToArray();
        var lateStats = LatencyStats.Of(late);
        var minimalLate = LatencyStats.Of(r.MinimalLateSeconds);
        Line("| measure | whole lives (product) | minimal orchestration |");
        Line("|---|---:|---:|");
        Line($"| instances | {run.Lives.Count:N0} signed up, {run.Lives.Count(l => l.CompletedAt is not null):N0} ended | {r.MinimalStarted:N0} started, {r.MinimalEnded:N0} ended |");
        Line($"| span: first start → last end | {r.LivesSpan.TotalSeconds:0} s (all lives driven in {run.SignUpElapsed.TotalSeconds:0} s) | {r.MinimalSpan.TotalSeconds:0} s |");
        Line($"| **transitions per second** | **{r.LivesRate:0.0}/s** | **{r.MinimalRate:0.0}/s** |");
        Line($"| late p50 / p99 / max | {lateStats.P50:0.0} / {lateStats.P99:0.0} / {lateStats.Max:0.0} s | {minimalLate.P50:0.0} / {minimalLate.P99:0.0} / {minimalLate.Max:0.0} s |");
        Line($"| memory at peak: working set / GC heap | {Mb(r.LivesMemory.PeakWorkingSet)} / {Mb(r.LivesMemory.PeakHeap)} | {Mb(r.MinimalMemory.PeakWorkingSet)} / {Mb(r.MinimalMemory.PeakHeap)} |");
        Line($"| memory at the end (after a full collection) | {Mb(r.LivesMemory.EndWorkingSet)} / {Mb(r.LivesMemory.EndHeap)} | {Mb(r.MinimalMemory.EndWorkingSet)} / {Mb(r.MinimalMemory.EndHeap)} |");
        Line();
        StorageCallsPerLife(r);
        Line("Both rates count a schedule of timers fixed in advance: when the engine keeps up, both spans are that schedule's and the ratio is near 100 %. " +
             "Where the product falls behind without making the span longer (its backlog clears before the last timers), only *late* shows it: compare the two columns' lateness too.");
        Line();
        Line($"Mails in the pickup folder: {string.Join(", ", run.MailsByKind.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Value:N0} {p.Key}"))}. " +
             $"Lifecycle instances: {string.Join(", ", run.InstancesByStatus.Select(p => $"{p.Value:N0} {p.Key}"))}. Service List lines: {run.ServiceListLines:N0}. " +
             $"Kept lives whose VOICE number came after a reminder was due (so that reminder may have gone out): {run.KeptWithReminderAllowed}. " +
             $"Reminders dropped by rule because the engine ran them after the deadline (logged by the host, counted as accounted for): **{run.RemindersDroppedAsLate}**.");
        Line();
        var lost = run.Problems.Count == 0 && r.MinimalEnded == r.MinimalStarted;
        Line(run.Problems.Count == 0
            ? $"**Nothing lost**: every one of the {run.Lives.Count:N0} lives ended as its story says, with exactly its mails, its instance Completed, and its Service List line matching its record."
            : $"**{run.Problems.Count} problem(s)** (first 20): " + string.Join("; ", run.Problems.Take(20)));
        Line();
        Goal($"{plan.Count:N0} whole lives at once ≥ {LivesGoal:P0} of the minimal orchestration's rate, nothing lost",
            $"{r.LivesRate:0.0} vs {r.MinimalRate:0.0} transitions/s = {r.Ratio:P0}; {run.Problems.Count} problem(s)",
            r.Ratio >= LivesGoal && lost);

        static string Mb(long bytes) => $"{bytes / 1024.0 / 1024.0:0} MB";
    }

    /// <summary>Storage requests per life, by what they touch: the product's work (its API and its activities) against the bare engine's.</summary>
    private void StorageCallsPerLife(LivesBenchResult r)
    {
        var lives = Math.Max(1, r.Lives.Lives.Count);
        var kinds = r.LivesStorageCalls.Keys.Union(r.MinimalStorageCalls.Keys).OrderBy(k => k, StringComparer.Ordinal).ToArray();
        Line("Storage requests per life while the lives ran, counted from Azure.Core's request events of the whole process: the product's table work (for its API requests and its activities), " +
             "the engine's tables, queues and blobs, and the bench's completion polling; the lives' final check is not counted.");
        Line();
        Line("| requests to | whole lives, per life | minimal orchestration, per life |");
        Line("|---|---:|---:|");
        foreach (var kind in kinds)
        {
            Line($"| {kind} | {r.LivesStorageCalls.GetValueOrDefault(kind) / (double)lives:0.0} | {r.MinimalStorageCalls.GetValueOrDefault(kind) / (double)lives:0.0} |");
        }

        Line($"| **all** | **{r.LivesStorageCalls.Values.Sum() / (double)lives:0.0}** | **{r.MinimalStorageCalls.Values.Sum() / (double)lives:0.0}** |");
        Line();
    }

    /// <summary>The title and the machine line of a run that started no host (the scale simulation alone).</summary>
    public void HeaderWithoutHost(bool quick, IReadOnlyCollection<string> sections, int sectionCount, DateTimeOffset started)
    {
        Line("# RapidStart benchmark report");
        Line();
        Line($"Command: `./rapidstart bench{(quick ? " --quick" : "")}{(sections.Count < sectionCount ? " --only=" + string.Join(',', sections) : "")}`, {started:yyyy-MM-dd HH:mm} UTC, " +
             $"commit {Run("git", "rev-parse --short HEAD") ?? "?"}{(string.IsNullOrEmpty(Run("git", "status --porcelain --untracked-files=no")) ? "" : " + uncommitted changes")}.");
        Line();
    }

    public void Azurite(IReadOnlyList<AzuriteAtSize> sizes)
    {
        Line("## Azurite's rates against the size of the table");
        Line();
        Line($"A scratch table in the same Azurite, nothing of RapidStart involved, grown in steps (entities of ~500 B, 100 to a partition, batch transactions); at each size {sizes[0].PointReads.Clients} clients " +
             $"measure `GetEntity` of random entities and a query of one random partition (100 entities), {sizes[0].PointReads.Elapsed.TotalSeconds:0} s each after 1 s of warm-up. " +
             "This is why every API-against-raw ratio in this report is taken on the very table the API uses, in the same state, in alternating slices (section 1): a raw rate from a smaller, fresher table would count Azurite's decline as our overhead.");
        Line();
        Line("| entities in the table | GetEntity/s | p50 ms | p99 ms | partition queries/s (100 entities each) | p50 ms | p99 ms |");
        Line("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var size in sizes)
        {
            Line($"| {size.Entities:N0} | {size.PointReads.PerSecond:0} | {size.PointReads.Latency.P50:0.0} | {size.PointReads.Latency.P99:0.0} | {size.Queries.PerSecond:0} | {size.Queries.Latency.P50:0.0} | {size.Queries.Latency.P99:0.0} |");
        }

        Line();
        if (sizes.Count > 1)
        {
            Line($"From {sizes[0].Entities:N0} to {sizes[^1].Entities:N0} entities: point reads ×{sizes[^1].PointReads.PerSecond / sizes[0].PointReads.PerSecond:0.00}, partition queries ×{sizes[^1].Queries.PerSecond / sizes[0].Queries.PerSecond:0.00}.");
            Line();
        }
    }

    /// <summary>An operation's API/raw ratio may fall by this much from the first size to the last before the growth counts as ours.</summary>
    public const double GrowsRatioTolerance = 0.20;

    public void Grows(GrowsResult r)
    {
        var first = r.Steps[0];
        var last = r.Steps[^1];
        Line("## 6. What grows: API against raw as the tables grow");
        Line();
        Line($"One local host whose state grows in steps as the soak grows it, to {string.Join(", ", r.Sizes.Select(x => x.ToString("N0", CultureInfo.InvariantCulture)))} customers " +
             $"(growth stops when {r.GrowthBudget.TotalMinutes:0} min of it are spent, and that size is the last): per step, prospects are created through the API, each is signed up for RapidStart Services " +
             $"(which starts its lifecycle orchestration, so the task hub's Instances and History tables grow too), and Send Activation goes to one in {r.ActivationEvery} " +
             $"({r.Clients} clients). Then the bench waits until the engine is quiet (no instance Pending, none updated in the last 2 s) and every invitation is in the pickup folder, counts the tables' rows (key-only queries, untimed), " +
             $"and measures the soak's reads at {r.Clients} clients, each through the API and as the raw Azure.Data.Tables reads it runs, on the same tables, " +
             $"{r.Duration.TotalSeconds:0} s each in {r.Slices} slices taken in turns (API, raw, raw, API, API, raw, ...) after {r.WarmUp.TotalSeconds:0.#} s of warm-up ({r.FirstWarmUp.TotalSeconds:0} s at the first size, while the JIT compiles the host's read paths). " +
             $"*API / raw* is the median, over the {r.Slices} pairs of neighbouring slices, of the API's rate over the raw rate (a disturbance of a fraction of a second moves one pair, not the median); the req/s columns are each side's {r.Slices} slices together. " +
             $"The lists are the soak's requests: `/api/customers?pageSize={r.PageSize}` and `/api/services?status={r.ServiceListStatus}&pageSize={r.PageSize}`; their raw side reads the partner's " +
             "index partition of each region in the catalog's order, one table page of at most what the page still wants at a time, until the page is full (what `RegionPager` does). " +
             "A subscription through the API is two point reads (the customer record, to check the partner and find the subscription's region, then the subscription row); its raw side is the second one alone. " +
             $"*vs first* is the rate relative to the first size ({first.Customers:N0} customers). Latencies in ms. " +
             $"*Azurite stalls*: a canary point read of a one-row table every 100 ms that took more than {AzuriteStalls.Threshold.TotalMilliseconds:0} ms, from the start of the step to the end of its measurements " +
             "(in-memory Azurite's queue garbage collector blocks its one event loop for seconds once a minute, see `AzuriteStalls`); a measurement a stall fell into was taken again (at most twice).");
        Line();
        Line("| customers (all signed up) | Send Activation so far | grow time | settle | failed | main table rows | customer records | subscription rows | History rows | Instances rows | Azurite stalls: count, longest | measurements taken again |");
        Line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var grown = 0;
        foreach (var step in r.Steps)
        {
            var unsettled = step.BusyInstancesAfterSettle + step.InvitationsMissing > 0 ? $" (gave up: {step.BusyInstancesAfterSettle} instances busy, {step.InvitationsMissing} invitations missing)" : "";
            var cutShort = step.CutShort ? ", budget spent" : "";
            Line($"| {step.Customers:N0} | {step.ActivationsSent:N0} | {step.GrowTime.TotalSeconds:0} s ({(step.Customers - grown) / step.GrowTime.TotalSeconds:0}/s{cutShort}) | {step.SettleTime.TotalSeconds:0.0} s{unsettled} | {step.GrowFailures} | " +
                 $"{step.Rows.Main:N0} | {step.Rows.CustomerRecords:N0} | {step.Rows.Subscriptions:N0} | {step.Rows.History:N0} | {step.Rows.Instances:N0} | " +
                 $"{(step.Stalls.Count == 0 ? "0" : $"{step.Stalls.Count}, {step.Stalls.Max(s => s.Duration).TotalSeconds:0.0} s")} | {step.Repeats}{(step.StalledMeasurements > 0 ? $" ({step.StalledMeasurements} still stalled)" : "")} |");
            grown = step.Customers;
        }

        Line();
        foreach (var operation in first.Comparisons.Select(c => c.Operation))
        {
            var rows = r.Steps.Select(s => (s.Customers, Comparison: s.Comparisons.Single(c => c.Operation == operation))).ToArray();
            var baseline = rows[0].Comparison;
            var pages = baseline.QueriesPerPage is not null;
            Line($"**{operation}**: API against raw {baseline.RawOperation}");
            Line();
            Line($"| customers | API req/s | API p50 | raw req/s | raw p50 | API / raw | API vs first | raw vs first |{(pages ? " raw table queries per page |" : "")}");
            Line($"|---:|---:|---:|---:|---:|---:|---:|---:|{(pages ? "---:|" : "")}");
            foreach (var (customers, c) in rows)
            {
                Line($"| {customers:N0} | {c.Api.PerSecond:0} | {c.Api.Latency.P50:0.0} | {c.Raw.PerSecond:0} | {c.Raw.Latency.P50:0.0} | {c.Ratio:P0} | " +
                     $"×{c.Api.PerSecond / baseline.Api.PerSecond:0.00} | ×{c.Raw.PerSecond / baseline.Raw.PerSecond:0.00} |{(pages ? $" {c.QueriesPerPage:0.0} |" : "")}");
            }

            Line();
        }

        Line("**The Durable engine's own tables** (raw reads only; the engine makes them, not our code): `GetEntity` of a random lifecycle instance's row in the Instances table " +
             "(what every start and signal reads first), and the query of a random instance's whole History partition (what replaying an orchestration reads), in turns.");
        Line();
        Line("| customers | Instances rows | History rows | Instances GetEntity/s | p50 | vs first | History partition queries/s | p50 | vs first |");
        Line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var step in r.Steps)
        {
            Line($"| {step.Customers:N0} | {step.Rows.Instances:N0} | {step.Rows.History:N0} | {step.InstanceRead.PerSecond:0} | {step.InstanceRead.Latency.P50:0.0} | ×{step.InstanceRead.PerSecond / first.InstanceRead.PerSecond:0.00} | " +
                 $"{step.HistoryQuery.PerSecond:0} | {step.HistoryQuery.Latency.P50:0.0} | ×{step.HistoryQuery.PerSecond / first.HistoryQuery.PerSecond:0.00} |");
        }

        Line();
        var failures = r.Steps.SelectMany(s => s.Comparisons.SelectMany(c => new[] { c.Api, c.Raw }).Append(s.InstanceRead).Append(s.HistoryQuery)).Where(l => l.Failed > 0).ToArray();
        Line(failures.Length == 0
            ? "Every measured request succeeded."
            : "Failed requests (not counted in req/s or latency): " + string.Join("; ", failures.Select(f => $"{f.Name}: {f.Failed} ({f.FirstError})")) + ".");
        Line();
        if (r.Steps.Count < 2)
        {
            return;
        }

        // One size's ratio moves by ±20 % from run to run on this machine: the verdict compares the
        // mean ratio of the larger half of the sizes with that of the smaller half.
        var half = r.Steps.Count / 2;
        var changes = first.Comparisons.Select(c =>
        {
            var ratios = r.Steps.Select(s => s.Comparisons.Single(x => x.Operation == c.Operation).Ratio).ToArray();
            var raw = last.Comparisons.Single(x => x.Operation == c.Operation).Raw.PerSecond / c.Raw.PerSecond;
            return (c.Operation, Ratios: ratios, Smaller: ratios.Take(half).Average(), Larger: ratios.Skip(ratios.Length - half).Average(), Raw: raw);
        }).ToArray();
        var fell = changes.Where(c => c.Larger / c.Smaller < 1 - GrowsRatioTolerance).ToArray();
        var halves = half == 1 ? "the first size against the last" : $"the mean of the {half} smaller sizes against that of the {half} larger ones";
        Line($"From {first.Customers:N0} to {last.Customers:N0} customers: " +
             string.Join("; ", changes.Select(c => $"{c.Operation} API / raw {string.Join(" → ", c.Ratios.Select(x => x.ToString("P0", CultureInfo.InvariantCulture)))} (×{c.Larger / c.Smaller:0.00}), raw rate ×{c.Raw:0.00}")) +
             $"; the engine's Instances read ×{last.InstanceRead.PerSecond / first.InstanceRead.PerSecond:0.00} and History query ×{last.HistoryQuery.PerSecond / first.HistoryQuery.PerSecond:0.00}. " +
             $"The factor in brackets is {halves}.");
        Line();
        Line(fell.Length == 0
            ? $"**Verdict: the API's share of the raw rate held ({halves}: it fell by less than {GrowsRatioTolerance:P0}) for every read while the tables grew, so what slows down as they grow is the raw table operations themselves: the growth is Azurite's.**"
            : $"**Verdict: the API's share of the raw rate fell by more than {GrowsRatioTolerance:P0} ({halves}) for {string.Join(", ", fell.Select(f => f.Operation))}: something of ours grows there.**");
        Line();
    }

    public void Scale(IReadOnlyList<ScaleScenario> scenarios)
    {
        Line("## 5. The key layout at Azure scale (simulation)");
        Line();
        Line("`ScaleModel` (bench/ScaleModel.cs) turns each day below into the storage calls the code makes, with partition keys from the real `TableKeys` functions over real customer IDs " +
             "(`CustomerId.New`, the catalog's regions), and maps each lifecycle instance to its Durable control queue with the Azure Storage provider's own hash. " +
             $"Rates are the busiest 10 seconds of the busiest partition of each kind, in entities per second (a transaction counts each entity), against Azure's target of {ScaleModel.PartitionTarget:N0} entities/s per partition " +
             $"and {ScaleModel.AccountTarget:N0} transactions/s per account. Nothing here ran against Azure.");
        Line();
        foreach (var scenario in scenarios)
        {
            Line($"### {scenario.Name}");
            Line();
            Line(scenario.Description);
            Line();
            Line("| partition kind | partitions touched | busiest (example key) | peak entities/s | share of 2,000/s |");
            Line("|---|---:|---|---:|---:|");
            foreach (var peak in scenario.Peaks)
            {
                var share = peak.PeakEntitiesPerSecond / ScaleModel.PartitionTarget;
                Line($"| {peak.Kind} | {peak.Partitions:N0} | `{peak.Example.Replace("|", "\\|", StringComparison.Ordinal)}` | {peak.PeakEntitiesPerSecond:N1} | {(share >= 1 ? "**" : "")}{share:P0}{(share >= 1 ? "** (throttles)" : "")} |");
            }

            Line();
            Line($"Account: peak {scenario.PeakTransactionsPerSecond:N0} transactions/s ({scenario.PeakTransactionsPerSecond / ScaleModel.AccountTarget:P0} of {ScaleModel.AccountTarget:N0}). " +
                 $"Durable: peak {scenario.PeakOrchestrationEventsPerSecond:N0} orchestration episodes/s and {scenario.PeakActivitiesPerSecond:N0} activities/s; " +
                 $"instances over the {ScaleModel.DurablePartitions} control queues: {string.Join(" / ", scenario.ControlQueueShare.Select(x => $"{x:P0}"))}.");
            Line();
        }
    }

    public void Goals()
    {
        if (_goals.Count == 0)
        {
            return;
        }

        Line("## Goals");
        Line();
        Line("| goal | measured | verdict |");
        Line("|---|---|---|");
        foreach (var (goal, measured, verdict) in _goals)
        {
            Line($"| {goal} | {measured} | {verdict} |");
        }

        Line();
    }

    public override string ToString()
    {
        if (_warnings.Count == 0)
        {
            return _text.ToString();
        }

        // The warnings go right under the title, above everything they qualify.
        var text = _text.ToString();
        var afterTitle = text.IndexOf('\n', StringComparison.Ordinal) + 1;
        return text[..afterTitle] + Environment.NewLine + string.Join(Environment.NewLine + Environment.NewLine, _warnings) + Environment.NewLine + text[afterTitle..];
    }

    private void Goal(string goal, string measured, bool? met) =>
        _goals.Add((goal, measured, met switch { true => "**PASS**", false => "**FAIL**", null => "see the section" }));

    private static string Cpu()
    {
        try
        {
            var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return model is null ? "" : $" ({model.Split(':', 2)[1].Trim()})";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string MemoryGiB()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            return $"{kb / 1024.0 / 1024.0:0.0} GiB";
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or FormatException)
        {
            return $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024.0 / 1024.0:0.0} GiB (as the GC sees it)";
        }
    }

    private static bool IsOptimized() =>
        typeof(Report).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false) is not [DebuggableAttribute { IsJITOptimizerDisabled: true }];

    private static string? Run(string file, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = AppContext.BaseDirectory,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            return process.WaitForExit(5000) && process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
