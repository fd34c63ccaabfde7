using RapidStart.Domain.Subscriptions;
using RapidStart.Infrastructure.Storage;

namespace RapidStart.LocalHost;

/// <summary>
/// For crash tests only (<c>RapidStart:LocalHost:HoldAfterCommit</c>, off unless set): a subscription
/// commit that carries a follow-up row returns only after the hold, so a test can kill the process
/// after the commit and before anything that follows it. The local host only; the Functions app has no such switch.
/// </summary>
public sealed partial class HeldCommits(TableSubscriptionStore inner, TimeSpan hold, ILogger<HeldCommits> logger) : DelegatingSubscriptionStore(inner)
{
    public override async Task<string> CommitAsync(SubscriptionCommit commit, CancellationToken cancellationToken)
    {
        var etag = await base.CommitAsync(commit, cancellationToken);
        await HoldAsync(commit, cancellationToken);
        return etag;
    }

    public override async Task<string> PurgeAsync(SubscriptionCommit tombstone, CancellationToken cancellationToken)
    {
        var etag = await base.PurgeAsync(tombstone, cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Commit of {Subscription} held {Hold} before its follow-ups {FollowUpId} (RapidStart:LocalHost:HoldAfterCommit, crash tests only)")]
    private partial void LogHeld(SubscriptionKey subscription, string followUpId, TimeSpan hold);
}
