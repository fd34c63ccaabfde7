using RapidStart.Domain.Activation;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Portal;
using RapidStart.Domain.Subscriptions;
using RapidStart.Infrastructure.Storage;

namespace RapidStart.LocalHost;

/// <summary>
/// For crash tests only (<c>RapidStart:LocalHost:HoldAfterCommit</c>, off unless set): a subscription
/// commit that carries a follow-up row returns only after the hold, so a test can kill the process
/// after the commit and before anything that follows it. The local host only; the Functions app has no such switch.
/// </summary>
public sealed partial class HeldCommits(TableSubscriptionStore inner, TimeSpan hold, ILogger<HeldCommits> logger) : ISubscriptionStore
{
    public async Task<string> CommitAsync(SubscriptionCommit commit, CancellationToken cancellationToken)
    {
        var etag = await inner.CommitAsync(commit, cancellationToken);
        await HoldAsync(commit, cancellationToken);
        return etag;
    }

    public async Task<string> PurgeAsync(SubscriptionCommit tombstone, CancellationToken cancellationToken)
    {
        var etag = await inner.PurgeAsync(tombstone, cancellationToken);
        await HoldAsync(tombstone, cancellationToken);
        return etag;
    }

    private async Task HoldAsync(SubscriptionCommit commit, CancellationToken cancellationToken)
    {
        if (commit.FollowUps is { } pending)
        {
            LogHeld(commit.Subscription.Key, pending.Id, hold);
            await Task.Delay(hold, cancellationToken);
        }
    }

    public Task<Versioned<Subscription>?> GetAsync(SubscriptionKey key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

    public Task<bool> InsertAsync(Subscription subscription, AuditEntry signUp, CancellationToken cancellationToken) => inner.InsertAsync(subscription, signUp, cancellationToken);

    public Task<IReadOnlyList<AuditEntry>> GetHistoryAsync(SubscriptionKey key, CancellationToken cancellationToken) => inner.GetHistoryAsync(key, cancellationToken);

    public Task<ActivationTokenRecord?> GetTokenAsync(SubscriptionKey key, string hash, CancellationToken cancellationToken) => inner.GetTokenAsync(key, hash, cancellationToken);

    public Task<IReadOnlyList<PortalUser>> ListUsersAsync(SubscriptionKey key, CancellationToken cancellationToken) => inner.ListUsersAsync(key, cancellationToken);

    public Task UpsertListingAsync(Subscription subscription, CancellationToken cancellationToken) => inner.UpsertListingAsync(subscription, cancellationToken);

    public Task<Page<Subscription>> ListAsync(string partnerId, SubscriptionStatus? status, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        inner.ListAsync(partnerId, status, continuationToken, pageSize, cancellationToken);

    public Task AddDueAsync(DueItem item, CancellationToken cancellationToken) => inner.AddDueAsync(item, cancellationToken);

    public Task<IReadOnlyList<DueItem>> ListDueAsync(string region, DateOnly fromDay, DateTimeOffset until, CancellationToken cancellationToken) =>
        inner.ListDueAsync(region, fromDay, until, cancellationToken);

    public Task RemoveDueAsync(DueItem item, CancellationToken cancellationToken) => inner.RemoveDueAsync(item, cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Commit of {Subscription} held {Hold} before its follow-ups {FollowUpId} (RapidStart:LocalHost:HoldAfterCommit, crash tests only)")]
    private partial void LogHeld(SubscriptionKey subscription, string followUpId, TimeSpan hold);
}
