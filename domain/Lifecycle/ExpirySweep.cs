using Microsoft.Extensions.Logging;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Domain.Lifecycle;

public sealed record SweepResult(int Examined, int Inactivated, int Purged);

/// <summary>
/// The safety net under the orchestrations: finds subscriptions whose deadline or retention passed
/// without the transition, and applies it. It reads only the date-keyed due index, so its cost
/// grows with what is due, not with how many subscriptions exist.
/// </summary>
public sealed class ExpirySweep(ISubscriptionStore store, ServiceCatalog catalog, LifecycleTransitions transitions, TimeProvider clock, ILogger<ExpirySweep> logger)
{
    /// <summary>How far back the sweep looks for due items it has not cleared yet.</summary>
    public static readonly TimeSpan LookBack = TimeSpan.FromDays(60);

    public async Task<SweepResult> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var fromDay = DateOnly.FromDateTime((now - LookBack).UtcDateTime);
        int examined = 0, inactivated = 0, purged = 0;
        foreach (var region in catalog.Regions)
        {
            foreach (var item in await store.ListDueAsync(region, fromDay, now, cancellationToken))
            {
                examined++;
                var subscription = (await store.GetAsync(item.Key, cancellationToken))?.Value;
                if (subscription is null)
                {
                    // The hint was written before a sign-up that never committed.
                    await store.RemoveDueAsync(item, cancellationToken);
                    continue;
                }

                var before = subscription.Status;
                var isDeadlineItem = subscription.InactivatedAt is not { } inactivatedAt || item.DueAt <= inactivatedAt;
                var after = before switch
                {
                    SubscriptionStatus.Created or SubscriptionStatus.InvitationSent or SubscriptionStatus.Active =>
                        (await transitions.ApplyDeadlineAsync(item.Key, LifecycleTransitions.SweepActor, cancellationToken)).Status,
                    // A deadline item still here after inactivation: the earlier pass failed after its commit.
                    SubscriptionStatus.Inactive when isDeadlineItem =>
                        (await transitions.ApplyDeadlineAsync(item.Key, LifecycleTransitions.SweepActor, cancellationToken)).Status,
                    SubscriptionStatus.Inactive =>
                        (await transitions.ApplyRetentionEndAsync(item.Key, LifecycleTransitions.SweepActor, cancellationToken)).Status,
                    _ => before,
                };

                inactivated += before != SubscriptionStatus.Inactive && after == SubscriptionStatus.Inactive ? 1 : 0;
                purged += before != SubscriptionStatus.Purged && after == SubscriptionStatus.Purged ? 1 : 0;

                // The Service List is a copy written after each commit; a failure there is repaired here.
                if (await store.GetAsync(item.Key, cancellationToken) is { } latest)
                {
                    await store.UpsertListingAsync(latest.Value, cancellationToken);
                }

                await store.RemoveDueAsync(item, cancellationToken);
            }
        }

        logger.LogInformation("Expiry sweep examined {Examined} due items: {Inactivated} inactivated, {Purged} purged", examined, inactivated, purged);
        return new SweepResult(examined, inactivated, purged);
    }
}
