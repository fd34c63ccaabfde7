using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Subscriptions;
using RapidStart.Functions.Lifecycle;

namespace RapidStart.Bench;

public sealed record LifecycleResult(
    int SignUps,
    int SignUpClients,
    int SignUpFailures,
    TimeSpan SignUpElapsed,
    LatencyStats SignUpLatency,
    int ReachedRunning,
    int NotRunning,
    TimeSpan RunningElapsed,
    LatencyStats SignUpToRunning,
    TimeSpan PollInterval,
    int Sends,
    TimeSpan SendPacing,
    int SendFailures,
    LatencyStats SendLatency,
    LatencyStats MailLatency,
    int MailsMissing,
    TimeSpan MailPollInterval)
{
    public double SignUpsPerSecond => (SignUps - SignUpFailures) / SignUpElapsed.TotalSeconds;

    public double RunningPerSecond => ReachedRunning / RunningElapsed.TotalSeconds;
}

/// <summary>
/// Orchestration starts: prospects are signed up (POST .../services starts one lifecycle orchestration
/// each) by concurrent clients while a poller asks the host's <see cref="DurableTaskClient"/> when each
/// instance is Running. Then Send Activation on some of them, paced, timing each from its 202 to the
/// invitation's .eml appearing in the pickup folder.
/// </summary>
public static class LifecycleBench
{
    private const int SignUpClients = 8;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MailPollInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan SendPacing = TimeSpan.FromMilliseconds(500);

    public static async Task<LifecycleResult> RunAsync(BenchHost host, bool quick, CancellationToken cancellationToken)
    {
        var signUps = quick ? 60 : 200;
        var sends = quick ? 20 : 50;
        var durable = host.Services.GetRequiredService<DurableTaskClient>();

        // Prospects to sign up (not timed). Numbers far above the enrollment phase's, so addresses stay unique.
        Progress.Step($"lifecycle: creating {signUps} prospects");
        var numbers = Enumerable.Range(0, signUps).Select(i => 10_000_000L + i).ToArray();
        var customerIds = new string?[signUps];
        await Load.ForEachAsync(Enumerable.Range(0, signUps), 8, async (i, ct) =>
        {
            for (var attempt = 0; attempt < 3 && customerIds[i] is null; attempt++)
            {
                customerIds[i] = await Prospects.CreateAsync(host.Partner, numbers[i], ct);
            }
        }, cancellationToken);

        // Sign-ups, while a poller watches the orchestration instances.
        Progress.Step($"lifecycle: {signUps} sign-ups with {SignUpClients} clients; polling the instances every {PollInterval.TotalMilliseconds:0} ms");
        var instanceIds = new string?[signUps];
        var requested = new long[signUps];
        var answered = new long[signUps];
        var running = new long[signUps];
        var failures = 0;
        var next = -1;
        var signUpsDone = false;
        var firstRequest = Stopwatch.GetTimestamp();
        var poller = Task.Run(() => PollRunningAsync(durable, instanceIds, running, () => Volatile.Read(ref signUpsDone), quick ? 60 : 120, cancellationToken), cancellationToken);
        await Task.WhenAll(Enumerable.Range(0, SignUpClients).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < signUps; i = Interlocked.Increment(ref next))
            {
                requested[i] = Stopwatch.GetTimestamp();
                var key = await Prospects.SignUpAsync(host.Partner, customerIds[i], Prospects.Country(numbers[i]), cancellationToken);
                answered[i] = Stopwatch.GetTimestamp();
                if (key is null)
                {
                    Interlocked.Increment(ref failures);
                    continue;
                }

                Volatile.Write(ref instanceIds[i], ActivationLifecycle.InstanceIdFor(key));
            }
        }, cancellationToken)));
        var signUpElapsed = Stopwatch.GetElapsedTime(firstRequest);
        Volatile.Write(ref signUpsDone, true);
        await poller;

        var reached = Enumerable.Range(0, signUps).Where(i => running[i] != 0).ToArray();
        var lastRunning = reached.Length == 0 ? firstRequest : reached.Max(i => running[i]);
        var signUpLatency = LatencyStats.Of(Enumerable.Range(0, signUps).Where(i => instanceIds[i] is not null)
            .Select(i => Stopwatch.GetElapsedTime(requested[i], answered[i]).TotalMilliseconds));
        var toRunning = LatencyStats.Of(reached.Select(i => Math.Max(0, Stopwatch.GetElapsedTime(answered[i], running[i]).TotalMilliseconds)));
        Progress.Step($"  {reached.Length}/{signUps} Running after {Stopwatch.GetElapsedTime(firstRequest, lastRunning).TotalSeconds:0.0} s");

        // Send Activation on instances that are running, paced, each timed from its 202 to its .eml.
        var targets = reached.Take(sends).ToArray();
        Progress.Step($"lifecycle: Send Activation x{targets.Length}, one every {SendPacing.TotalMilliseconds:0} ms, watching {host.MailDirectory}");
        var accepted = new long[targets.Length];
        var mailed = new long[targets.Length];
        var sendStarted = new long[targets.Length];
        var sendFailures = 0;
        using var watcherStop = new CancellationTokenSource();
        var addresses = targets.Select(i => Prospects.ContactEmail(numbers[i])).ToArray();
        var watcher = Task.Run(() => WatchMailAsync(host.MailDirectory, addresses, mailed, watcherStop.Token), CancellationToken.None);
        var pace = Stopwatch.StartNew();
        var inFlight = new List<Task>();
        for (var k = 0; k < targets.Length; k++)
        {
            var wait = (SendPacing * k) - pace.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            var slot = k;
            var customerId = customerIds[targets[k]]!;
            inFlight.Add(Task.Run(async () =>
            {
                sendStarted[slot] = Stopwatch.GetTimestamp();
                if (await Prospects.SendActivationAsync(host.Partner, customerId, cancellationToken))
                {
                    accepted[slot] = Stopwatch.GetTimestamp();
                }
                else
                {
                    Interlocked.Increment(ref sendFailures);
                }
            }, cancellationToken));
        }

        await Task.WhenAll(inFlight);
        var mailDeadline = Stopwatch.StartNew();
        while (mailDeadline.Elapsed < TimeSpan.FromSeconds(60)
               && Enumerable.Range(0, targets.Length).Any(k => accepted[k] != 0 && Volatile.Read(ref mailed[k]) == 0))
        {
            await Task.Delay(100, cancellationToken);
        }

        await watcherStop.CancelAsync();
        await watcher;
        var delivered = Enumerable.Range(0, targets.Length).Where(k => accepted[k] != 0 && mailed[k] != 0).ToArray();
        var mailLatency = LatencyStats.Of(delivered.Select(k => Stopwatch.GetElapsedTime(accepted[k], mailed[k]).TotalMilliseconds));
        var sendLatency = LatencyStats.Of(Enumerable.Range(0, targets.Length).Where(k => accepted[k] != 0)
            .Select(k => Stopwatch.GetElapsedTime(sendStarted[k], accepted[k]).TotalMilliseconds));
        Progress.Step($"  {delivered.Length}/{targets.Length} invitations on disk; p50 {mailLatency.P50:0} ms, p99 {mailLatency.P99:0} ms");

        return new LifecycleResult(
            signUps, SignUpClients, failures, signUpElapsed, signUpLatency,
            reached.Length, signUps - failures - reached.Length, Stopwatch.GetElapsedTime(firstRequest, lastRunning), toRunning, PollInterval,
            targets.Length, SendPacing, sendFailures, sendLatency, mailLatency,
            Enumerable.Range(0, targets.Length).Count(k => accepted[k] != 0 && mailed[k] == 0), MailPollInterval);
    }

    /// <summary>Marks when each started instance is first seen Running; stops when all are, or at the time limit.</summary>
    private static async Task PollRunningAsync(DurableTaskClient durable, string?[] instanceIds, long[] running, Func<bool> signUpsDone, int limitSeconds, CancellationToken cancellationToken)
    {
        var limit = Stopwatch.StartNew();
        while (limit.Elapsed < TimeSpan.FromSeconds(limitSeconds))
        {
            var done = signUpsDone();
            var pending = Enumerable.Range(0, instanceIds.Length).Where(i => Volatile.Read(ref instanceIds[i]) is not null && running[i] == 0).ToArray();
            if (done && pending.Length == 0)
            {
                return;
            }

            await Load.ForEachAsync(pending, 4, async (i, ct) =>
            {
                var instance = await durable.GetInstanceAsync(instanceIds[i]!, getInputsAndOutputs: false, ct);
                if (instance is { RuntimeStatus: OrchestrationRuntimeStatus.Running })
                {
                    running[i] = Stopwatch.GetTimestamp();
                }
            }, cancellationToken);
            await Task.Delay(PollInterval, cancellationToken);
        }

        Progress.Step($"  gave up waiting for Running after {limitSeconds} s");
    }

    /// <summary>Notes when an .eml addressed to each address first appears in the pickup folder.</summary>
    private static async Task WatchMailAsync(string directory, string[] addresses, long[] mailed, CancellationToken stop)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (!stop.IsCancellationRequested)
        {
            if (Directory.Exists(directory))
            {
                foreach (var file in Directory.EnumerateFiles(directory, "*.eml"))
                {
                    if (seen.Contains(file))
                    {
                        continue;
                    }

                    var now = Stopwatch.GetTimestamp();
                    string text;
                    try
                    {
                        text = await File.ReadAllTextAsync(file, CancellationToken.None);
                    }
                    catch (IOException)
                    {
                        continue; // being moved into place: read it on the next round
                    }

                    seen.Add(file);
                    for (var k = 0; k < addresses.Length; k++)
                    {
                        if (mailed[k] == 0 && text.Contains(addresses[k], StringComparison.OrdinalIgnoreCase))
                        {
                            Volatile.Write(ref mailed[k], now);
                        }
                    }
                }
            }

            try
            {
                await Task.Delay(MailPollInterval, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
