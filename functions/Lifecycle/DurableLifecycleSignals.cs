using Grpc.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Functions.Lifecycle;

/// <summary>
/// Makes <see cref="ILifecycleSignals"/> for one request's <see cref="DurableTaskClient"/>: in Azure
/// Functions the client comes from the <c>[DurableClient]</c> binding, not from DI.
/// </summary>
public sealed class LifecycleSignalsFactory(IOptions<LifecycleOptions> options, ILogger<DurableLifecycleSignals> logger)
{
    public ILifecycleSignals For(DurableTaskClient client) => new DurableLifecycleSignals(client, options.Value, logger);
}

/// <summary>
/// Starts a subscription's orchestration if it is not running (its instance ID is derived from the
/// subscription, so there is never a second one) and raises the signal on it.
/// </summary>
public sealed class DurableLifecycleSignals(DurableTaskClient client, LifecycleOptions options, ILogger<DurableLifecycleSignals> logger) : ILifecycleSignals
{
    /// <remarks>
    /// Deliberately not cancellable: the record has already changed, so the orchestration must hear
    /// of it even if the caller hung up.
    /// </remarks>
    public async Task SignalAsync(Subscription subscription, LifecycleSignal? signal, CancellationToken cancellationToken)
    {
        var notCancellable = CancellationToken.None;
        signal = signal is null ? null : signal with { Status = subscription.Status };
        var instanceId = ActivationLifecycle.InstanceIdFor(subscription.Key);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, notCancellable);
            if (instance is { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended })
            {
                if (signal is not null)
                {
                    await client.RaiseEventAsync(instanceId, ActivationLifecycle.SignalEvent, signal, notCancellable);
                }

                return;
            }

            if (ActivationLifecycle.IsFinished(subscription.Status, subscription.TrialEndsAt) && signal?.Kind != LifecycleSignalKind.InvitationRequested)
            {
                return;
            }

            var input = new LifecycleInput(
                subscription.Key, ActivationLifecycle.CurrentVersion, subscription.Status, subscription.TrialEndsAt, subscription.RetentionEndsAt,
                options.EffectiveReminderOffsets, signal);
            try
            {
                // Never replace a live instance: two racing starts give one instance and one AlreadyExists.
                var start = new StartOrchestrationOptions(instanceId).WithDedupeStatuses(
                    OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended);
                await client.ScheduleNewOrchestrationInstanceAsync(nameof(ActivationLifecycleOrchestrator), input, start, notCancellable);
                logger.LogInformation("Started lifecycle orchestration {InstanceId}", instanceId);
                return;
            }
            catch (Exception e) when (IsAlreadyRunning(e))
            {
                // Another request started it between our look and our start: signal that one instead.
            }
        }

        throw new InvalidOperationException($"Could not start or signal orchestration {instanceId}.");
    }

    private static bool IsAlreadyRunning(Exception e) =>
        e is RpcException { StatusCode: StatusCode.AlreadyExists or StatusCode.FailedPrecondition }
        || (e is InvalidOperationException && e.Message.Contains("already exists", StringComparison.OrdinalIgnoreCase));
}
