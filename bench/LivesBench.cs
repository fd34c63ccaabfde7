using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using RapidStart.Testing;

namespace RapidStart.Bench;

/// <summary>The minimal orchestration's input: activities to run at once, then a timer (offset from its start) and one activity per timer.</summary>
public sealed record MinimalLifeInput(int Activities, double[] TimerSeconds);

/// <summary>The host's memory as sampled once a second during a run: peak and at the end (after the run, following a full collection).</summary>
public sealed record MemoryUse(long PeakWorkingSet, long PeakHeap, long EndWorkingSet, long EndHeap);

/// <summary>A run of N lives through the product, then the same starts, timers and activities through a minimal orchestration.</summary>
public sealed record LivesBenchResult(
    LivesRun Lives,
    MemoryUse LivesMemory,
    TimeSpan MinimalSpan,
    int MinimalEnded,
    int MinimalStarted,
    IReadOnlyList<double> MinimalLateSeconds,
    MemoryUse MinimalMemory,
    IReadOnlyDictionary<string, long> LivesStorageCalls,
    IReadOnlyDictionary<string, long> MinimalStorageCalls)
{
    public TimeSpan LivesSpan => (Lives.LastCompletion ?? Lives.FirstSignUp) - Lives.FirstSignUp;

    public double LivesRate => Lives.Transitions / LivesSpan.TotalSeconds;

    public double MinimalRate => Lives.Transitions / MinimalSpan.TotalSeconds;

    public double Ratio => LivesRate / MinimalRate;
}

/// <summary>
/// Many whole lives at once on the real engine (<see cref="ConcurrentLives"/>), and beside them, on a
/// fresh host over the same Azurite, a minimal orchestration with each life's timers and activities,
/// started at the same moments, so that the ratio of the two rates is the cost of the product's
/// activities, signals and HTTP over the engine's own.
/// </summary>
public static class LivesBench
{
    public const string MinimalOrchestration = "MinimalLife";
    public const string MinimalActivity = "MinimalStep";

    public static LivesPlan PlanFor(bool quick) => new(
        Count: quick ? 300 : 2_000,
        Trial: TimeSpan.FromSeconds(90),
        Retention: TimeSpan.FromSeconds(45),
        ReminderOffsets: [TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30)],
        Parallelism: 48);

    /// <summary>Registers the minimal orchestration and its activity with the host's Durable worker.</summary>
    public static void AddMinimalOrchestration(IServiceCollection services) =>
        services.Configure<DurableTaskRegistry>(Options.DefaultName, registry => registry
            .AddOrchestratorFunc<MinimalLifeInput, int>(MinimalOrchestration, async (context, input) =>
            {
                var start = context.CurrentUtcDateTime;
                var done = 0;
                for (; done < input.Activities - input.TimerSeconds.Length; done++)
                {
                    await context.CallActivityAsync<int>(MinimalActivity, done);
                }

                foreach (var seconds in input.TimerSeconds)
                {
                    await context.CreateTimer(start.AddSeconds(seconds), CancellationToken.None);
                    await context.CallActivityAsync<int>(MinimalActivity, done++);
                }

                return done;
            })
            .AddActivityFunc<int, int>(MinimalActivity, (_, n) => n + 1));

    public static async Task<LivesBenchResult> RunAsync(Func<IDictionary<string, string?>?, Action<IServiceCollection>?, Task<BenchHost>> startHost, bool quick, CancellationToken cancellationToken)
    {
        var plan = PlanFor(quick);
        LivesRun lives;
        MemoryUse livesMemory;
        IReadOnlyDictionary<string, long> livesStorageCalls;
        var dropped = new DroppedReminderLog();
        await using (var host = await startHost(plan.HostSettings(), dropped.AddTo))
        {
            using var sampler = new MemorySampler();
            using var livesCalls = new StorageCalls([host.TableName, host.VoiceTableName]);
            var driver = new ConcurrentLives(host.Services, host.BaseUrl, host.MailDirectory, host.Partner, BenchHost.PartnerId, dropped, Progress.Step);
            livesCalls.Start();
            lives = await driver.RunAsync(plan, cancellationToken, allEnded: livesCalls.Stop);
            livesMemory = await sampler.StopAsync();
            livesStorageCalls = livesCalls.Snapshot();
            Progress.Step($"  lives: {lives.Transitions:N0} transitions from the first sign-up to the last completion; {lives.Problems.Count} problem(s)");
            foreach (var problem in lives.Problems.Take(10))
            {
                Progress.Step($"    {problem}");
            }
        }

        // The same starts, at the same offsets, with the same timers and activities, on a fresh host.
        await using var minimal = await startHost(null, AddMinimalOrchestration);
        using var minimalSampler = new MemorySampler();
        using var minimalCalls = new StorageCalls([minimal.TableName, minimal.VoiceTableName]);
        var durable = minimal.Services.GetRequiredService<DurableTaskClient>();
        var first = lives.FirstSignUp;
        var schedule = lives.Lives.OrderBy(l => l.SignedUpAt).ToArray();
        Progress.Step($"lives: the minimal orchestration: {schedule.Length} instances started at the lives' sign-up offsets");
        var started = new (string InstanceId, DateTimeOffset DueAt)[schedule.Length];
        var clock = Stopwatch.StartNew();
        var minimalFirst = DateTimeOffset.UtcNow;
        minimalCalls.Start();
        await Load.ForEachAsync(Enumerable.Range(0, schedule.Length), plan.Parallelism, async (k, ct) =>
        {
            var life = schedule[k];
            var wait = (life.SignedUpAt - first) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, ct);
            }

            var timers = plan.TimersOf(life.Story);
            var input = new MinimalLifeInput(plan.ActivitiesOf(life.Story), timers.Select(t => t.TotalSeconds).ToArray());
            var id = await durable.ScheduleNewOrchestrationInstanceAsync(MinimalOrchestration, input, ct);
            var now = DateTimeOffset.UtcNow;
            started[k] = (id, now + (timers.Count == 0 ? TimeSpan.Zero : timers[^1]));
        }, cancellationToken);
        var ended = await InstanceCompletion.WaitAsync(durable, started, started.Max(s => s.DueAt) + TimeSpan.FromSeconds(Math.Max(120, plan.Count / 10.0)), Progress.Step, cancellationToken);
        minimalCalls.Stop();
        var minimalMemory = await minimalSampler.StopAsync();
        var last = ended.Where(e => e is not null).Select(e => e!.Value).DefaultIfEmpty(minimalFirst).Max();
        var late = Enumerable.Range(0, schedule.Length)
            .Where(k => ended[k] is not null && schedule[k].Story != LifeStory.Kept)
            .Select(k => (ended[k]!.Value - started[k].DueAt).TotalSeconds).ToArray();
        Progress.Step($"  minimal: {ended.Count(e => e is not null)}/{schedule.Length} ended, over {(last - minimalFirst).TotalSeconds:0} s");
        return new LivesBenchResult(
            lives, livesMemory, last - minimalFirst, ended.Count(e => e is not null), schedule.Length, late, minimalMemory, livesStorageCalls, minimalCalls.Snapshot());
    }

    /// <summary>Samples this process's working set and GC heap once a second (the host runs in the bench's process).</summary>
    private sealed class MemorySampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _sampling;
        private long _peakWorkingSet;
        private long _peakHeap;

        public MemorySampler() => _sampling = Task.Run(SampleAsync);

        private async Task SampleAsync()
        {
            using var process = Process.GetCurrentProcess();
            while (!_stop.IsCancellationRequested)
            {
                process.Refresh();
                _peakWorkingSet = Math.Max(_peakWorkingSet, process.WorkingSet64);
                _peakHeap = Math.Max(_peakHeap, GC.GetTotalMemory(false));
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        public async Task<MemoryUse> StopAsync()
        {
            await _stop.CancelAsync();
            await _sampling;
            var heap = GC.GetTotalMemory(forceFullCollection: true);
            using var process = Process.GetCurrentProcess();
            return new MemoryUse(_peakWorkingSet, _peakHeap, process.WorkingSet64, heap);
        }

        public void Dispose() => _stop.Dispose();
    }
}
