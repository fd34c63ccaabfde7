using Microsoft.Extensions.Logging;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Domain.Lifecycle;

public sealed record SweepResult(int Examined, int Inactivated, int Purged);

/// <summary>
/// The safety net under the orchestrations: finds subscriptions whose deadline or retention passed
/// without the transition, and applies it. It reads only the date-keyed due index, so its cost
/// grows with what is due, not with how many subscriptions exist.
/// </summary>
public sealed class ExpirySweep(
    ISubscriptionStore store,
    ServiceCatalog catalog,
    LifecycleTransitions transitions,
    FollowUpDispatcher followUps,
    TimeProvider clock,
    ILogger<ExpirySweep> logger)
{
    /// <summary>How far back the sweep looks for due items it has not cleared yet.</summary>
    public static readonly TimeSpan LookBack = TimeSpan.FromDays(60);

    /// <summary>Due items handled at once: each is a handful of storage round trips, mostly waiting.</summary>
    private const int Parallelism = 8;

    /// <summary>A sweep without a Durable client: follow-ups that must tell an orchestration wait for a sweep with one.</summary>
    public Task<SweepResult> RunAsync(CancellationToken cancellationToken) => RunAsync(signals: null, cancellationToken);

    /// <summary>
    /// Applies what is due, and the follow-ups a crash left behind: rows found by their hints in the
    /// same index, and new customers' listing lines found by their identifiers.
    /// </summary>
    public async Task<SweepResult> RunAsync(ILifecycleSignals? signals, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var fromDay = DateOnly.FromDateTime((now - LookBack).UtcDateTime);
        int examined = 0, inactivated = 0, purged = 0, listed = 0;
        foreach (var region in catalog.Regions)
        {
            listed += await followUps.ListNewCustomersAsync(region, cancellationToken);
            var due = await store.ListDueAsync(region, fromDay, now, cancellationToken);
            await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (item, token) =>
            {
                if (item.FollowUpId is not null)
                {
                    if (await followUps.ApplyLeftoversAsync(item.Key.Region, item.Key.CustomerId, signals, token) == 0)
                    {
                        await store.RemoveDueAsync(item, token);
                    }

                    return;
                }

                Interlocked.Increment(ref examined);
                var (before, after) = await ApplyAsync(item, token);
                if (before != SubscriptionStatus.Inactive && after == SubscriptionStatus.Inactive)
                {
                    Interlocked.Increment(ref inactivated);
                }

                if (before != SubscriptionStatus.Purged && after == SubscriptionStatus.Purged)
                {
                    Interlocked.Increment(ref purged);
                }

                await store.RemoveDueAsync(item, token);
            });
        }

        logger.LogInformation(
            "Expiry sweep examined {Examined} due items: {Inactivated} inactivated, {Purged} purged; {Listed} new customers listed that their create had not",
            examined, inactivated, purged, listed);
        return new SweepResult(examined, inactivated, purged);
    }

    /// <summary>Applies what a due item calls for; every transition re-checks the record, so a stale item changes nothing.</summary>
    private async Task<(SubscriptionStatus? Before, SubscriptionStatus? After)> ApplyAsync(DueItem item, CancellationToken cancellationToken)
    {
        // Read once: the transition starts from this version rather than reading it again (with 100,000
        // due, a second read is 100,000 more round trips); a conflict makes it read afresh.
        var read = await store.GetAsync(item.Key, cancellationToken);
        if (read?.Value is not { } subscription)
        {
            // The hint was written before a sign-up that never committed.
            return (null, null);
        }

        // A deadline item still here after inactivation means an earlier pass failed after its commit:
        // ApplyDeadline then re-sends the notice and rewrites the Service List line.
        var isDeadlineItem = subscription.InactivatedAt is not { } inactivatedAt || item.DueAt <= inactivatedAt;
        var after = subscription.Status switch
        {
            SubscriptionStatus.Created or SubscriptionStatus.InvitationSent or SubscriptionStatus.Active or SubscriptionStatus.Inactive when isDeadlineItem =>
                (await transitions.ApplyDeadlineAsync(item.Key, LifecycleTransitions.SweepActor, cancellationToken, read)).Status,
            SubscriptionStatus.Inactive =>
                (await transitions.ApplyRetentionEndAsync(item.Key, LifecycleTransitions.SweepActor, cancellationToken, read)).Status,
            _ => subscription.Status,
        };
        return (subscription.Status, after);
    }
}
