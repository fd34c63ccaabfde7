using RapidStart.Domain.Activation;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Portal;

namespace RapidStart.Domain.Subscriptions;

/// <summary>
/// Everything that changes with one subscription transition, committed atomically (one table
/// transaction in the subscription's partition) only if the subscription's ETag is still <see cref="ETag"/>:
/// the record, its audit line, its tokens and users, and the row of follow-ups still to apply.
/// Built only by <see cref="ChangeUnit"/>.
/// </summary>
public sealed record SubscriptionCommit(
    Subscription Subscription,
    string ETag,
    AuditEntry? Audit = null,
    IReadOnlyList<ActivationTokenRecord>? Tokens = null,
    IReadOnlyList<PortalUser>? UsersToUpsert = null,
    IReadOnlyList<string>? UsersToDelete = null,
    PendingFollowUps? FollowUps = null);

/// <summary>
/// A hint that a subscription's deadline or retention end falls due; the subscription itself decides.
/// With <paramref name="FollowUpId"/>, the hint of a follow-up row in the partition of <c>Key.Region</c>
/// and <c>Key.CustomerId</c> (its <c>ServiceId</c> is empty): the sweep applies the row if a crash left it.
/// </summary>
public sealed record DueItem(SubscriptionKey Key, DateTimeOffset DueAt, string? FollowUpId = null);

public interface ISubscriptionStore
{
    Task<Versioned<Subscription>?> GetAsync(SubscriptionKey key, CancellationToken cancellationToken);

    /// <summary>Inserts the subscription with its first audit entry; false when it already exists.</summary>
    Task<bool> InsertAsync(Subscription subscription, AuditEntry signUp, CancellationToken cancellationToken);

    /// <summary>Commits a transition; throws <see cref="Problems.ConcurrencyConflictException"/> when the ETag moved.</summary>
    Task<string> CommitAsync(SubscriptionCommit commit, CancellationToken cancellationToken);

    /// <summary>Deletes every token and portal user of the subscription, then commits the tombstone; returns its ETag.</summary>
    Task<string> PurgeAsync(SubscriptionCommit tombstone, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditEntry>> GetHistoryAsync(SubscriptionKey key, CancellationToken cancellationToken);

    Task<ActivationTokenRecord?> GetTokenAsync(SubscriptionKey key, string hash, CancellationToken cancellationToken);

    Task<IReadOnlyList<PortalUser>> ListUsersAsync(SubscriptionKey key, CancellationToken cancellationToken);

    /// <summary>Writes the subscription's row in its partner's Service List (a copy: last writer wins).</summary>
    Task UpsertListingAsync(Subscription subscription, CancellationToken cancellationToken);

    Task<Page<Subscription>> ListAsync(string partnerId, SubscriptionStatus? status, string? continuationToken, int pageSize, CancellationToken cancellationToken);

    Task AddDueAsync(DueItem item, CancellationToken cancellationToken);

    /// <summary>Due items of one region whose day is at or before <paramref name="until"/>, from <paramref name="fromDay"/>.</summary>
    Task<IReadOnlyList<DueItem>> ListDueAsync(string region, DateOnly fromDay, DateTimeOffset until, CancellationToken cancellationToken);

    Task RemoveDueAsync(DueItem item, CancellationToken cancellationToken);
}
