using Microsoft.Azure.Functions.Worker;
using RapidStart.Domain.Lifecycle;

namespace RapidStart.Functions.Lifecycle;

/// <summary>
/// The scheduled expiry sweep. Schedule: app setting <c>RapidStart:Sweep:Schedule</c>
/// (<c>RapidStart__Sweep__Schedule</c>, NCRONTAB with seconds; default daily at 02:00 UTC, see local.settings.json / host settings).
/// </summary>
public sealed class ExpirySweepFunction(ExpirySweep sweep)
{
    public const string ScheduleSetting = "RapidStart:Sweep:Schedule";
    public const string DefaultSchedule = "0 0 2 * * *";

    [Function(nameof(ExpirySweepTimer))]
    public Task ExpirySweepTimer([TimerTrigger("%" + ScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken) =>
        sweep.RunAsync(cancellationToken);
}
