using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using RapidStart.Domain.Lifecycle;

namespace RapidStart.Functions.Lifecycle;

/// <summary>
/// The scheduled expiry sweep. Schedule: app setting <c>RapidStart:Sweep:Schedule</c>
/// (<c>RapidStart__Sweep__Schedule</c>, NCRONTAB with seconds; default daily at 02:00 UTC, see local.settings.json / host settings).
/// It takes a Durable client so that follow-ups a crash left behind can still tell their orchestration.
/// </summary>
public sealed class ExpirySweepFunction(ExpirySweep sweep, LifecycleSignalsFactory signals)
{
    public const string ScheduleSetting = "RapidStart:Sweep:Schedule";
    public const string DefaultSchedule = "0 0 2 * * *";

    [Function(nameof(ExpirySweepTimer))]
    public Task ExpirySweepTimer(
        [TimerTrigger("%" + ScheduleSetting + "%")] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        sweep.RunAsync(signals.For(durable), cancellationToken);
}
