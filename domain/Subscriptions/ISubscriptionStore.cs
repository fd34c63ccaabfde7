using RapidStart.Domain.Activation;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Portal;

namespace RapidStart.Domain.Subscriptions;

/// <summary>
/// Everything that changes with one subscription transition, committed atomically (one table
/// transaction in the subscription's partition) only if the subscription's ETag is still <see cref="ETag"/>.
/// </summary>
public sealed record SubscriptionCommit(
    Subscription Subscription,
    string ETag,
    AuditEntry? Audit = null,
    IReadOnlyList<ActivationTokenRecord>? Tokens = null,
    IReadOnlyList<PortalUser>? UsersToUpsert = null,
    IReadOnlyList<string>? UsersToDelete = null);

/// <summary>A hint that a subscription's deadline or retention end falls due; the subscription itself decides.</summary>
public sealed record DueItem(SubscriptionKey Key, DateTimeOffset DueAt);

public interface ISubscriptionStore
{
    Task<Versioned<Subscription>?> GetAsync(SubscriptionKey key, CancellationToken cancellationToken);

    /// <summary>Inserts the subscription with its first audit entry; false when it already exists.</summary>
    Task<bool> InsertAsync(Subscription subscription, AuditEntry signUp, CancellationToken cancellationToken);

    /// <summary>Commits a transition; throws <see cref="Problems.ConcurrencyConflictException"/> when the ETag moved.</summary>
    Task<string> CommitAsync(SubscriptionCommit commit, CancellationToken cancellationToken);

    /// <summary>Deletes every token and portal user of the subscription, then commits the tombstone.</summary>
    Task PurgeAsync(SubscriptionCommit tombstone, CancellationToken cancellationToken);

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
