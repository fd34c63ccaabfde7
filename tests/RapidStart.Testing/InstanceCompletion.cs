using System.Diagnostics;
using Microsoft.DurableTask.Client;

namespace RapidStart.Testing;

/// <summary>Waits for many orchestration instances to finish, asking about each only once it is due.</summary>
public static class InstanceCompletion
{
    /// <summary>
    /// Polls every second the instances whose <c>DueAt</c> has passed (so the polling load follows what the
    /// engine should be finishing) until each is Completed, Failed or Terminated, or until
    /// <paramref name="giveUpAt"/>. Returns, per instance, when the engine last updated it (its end), or null.
    /// </summary>
    public static async Task<DateTimeOffset?[]> WaitAsync(
        DurableTaskClient durable, IReadOnlyList<(string InstanceId, DateTimeOffset DueAt)> instances, DateTimeOffset giveUpAt, Action<string> log, CancellationToken cancellationToken)
    {
        var ended = new DateTimeOffset?[instances.Count];
        var pending = Enumerable.Range(0, instances.Count).ToList();
        var report = Stopwatch.StartNew();
        while (pending.Count > 0 && DateTimeOffset.UtcNow < giveUpAt)
        {
            var now = DateTimeOffset.UtcNow;
            await Parallel.ForEachAsync(pending.Where(i => instances[i].DueAt <= now), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                var instance = await durable.GetInstanceAsync(instances[i].InstanceId, getInputsAndOutputs: false, ct);
                if (instance is { RuntimeStatus: OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated })
                {
                    ended[i] = instance.LastUpdatedAt;
                }
            });
            pending.RemoveAll(i => ended[i] is not null);
            if (report.Elapsed > TimeSpan.FromSeconds(15))
            {
                log($"  {instances.Count - pending.Count}/{instances.Count} instances finished");
                report.Restart();
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        return ended;
    }
}
