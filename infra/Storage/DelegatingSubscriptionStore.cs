using RapidStart.Domain.Activation;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Portal;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// An <see cref="ISubscriptionStore"/> that passes every call on, for decorators that change one or two
/// of them (the local host's held commits for crash tests, a test's failing Service List write).
/// </summary>
public abstract class DelegatingSubscriptionStore(ISubscriptionStore inner) : ISubscriptionStore
{
    public virtual Task<Versioned<Subscription>?> GetAsync(SubscriptionKey key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

    public virtual Task<bool> InsertAsync(Subscription subscription, AuditEntry signUp, CancellationToken cancellationToken) => inner.InsertAsync(subscription, signUp, cancellationToken);

    public virtual Task<string> CommitAsync(SubscriptionCommit commit, CancellationToken cancellationToken) => inner.CommitAsync(commit, cancellationToken);

    public virtual Task<string> PurgeAsync(SubscriptionCommit tombstone, CancellationToken cancellationToken) => inner.PurgeAsync(tombstone, cancellationToken);

    public virtual Task<IReadOnlyList<AuditEntry>> GetHistoryAsync(SubscriptionKey key, CancellationToken cancellationToken) => inner.GetHistoryAsync(key, cancellationToken);

    public virtual Task<ActivationTokenRecord?> GetTokenAsync(SubscriptionKey key, string hash, CancellationToken cancellationToken) => inner.GetTokenAsync(key, hash, cancellationToken);

    public virtual Task<IReadOnlyList<PortalUser>> ListUsersAsync(SubscriptionKey key, CancellationToken cancellationToken) => inner.ListUsersAsync(key, cancellationToken);

    public virtual Task UpsertListingAsync(Subscription subscription, CancellationToken cancellationToken) => inner.UpsertListingAsync(subscription, cancellationToken);

    public virtual Task<Page<Subscription>> ListAsync(string partnerId, SubscriptionStatus? status, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        inner.ListAsync(partnerId, status, continuationToken, pageSize, cancellationToken);

    public virtual Task AddDueAsync(DueItem item, CancellationToken cancellationToken) => inner.AddDueAsync(item, cancellationToken);

    public virtual Task<IReadOnlyList<DueItem>> ListDueAsync(string region, DateOnly fromDay, DateTimeOffset until, CancellationToken cancellationToken) =>
        inner.ListDueAsync(region, fromDay, until, cancellationToken);

    public virtual Task RemoveDueAsync(DueItem item, CancellationToken cancellationToken) => inner.RemoveDueAsync(item, cancellationToken);
}
