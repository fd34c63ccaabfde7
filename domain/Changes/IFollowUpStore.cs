namespace RapidStart.Domain.Changes;

/// <summary>
/// Follow-up rows and the hints that let the sweep find them. The row itself is written by the change's
/// own transaction (<see cref="Subscriptions.SubscriptionCommit.FollowUps"/>, the customer store's
/// writes); this port writes the hint before it, reads what is still pending, and clears what is done.
/// </summary>
public interface IFollowUpStore
{
    /// <summary>
    /// Writes the sweep's hint for <paramref name="pending"/> into the date-keyed due index, due at
    /// <paramref name="dueAt"/>. Written before the commit, so a crash right after the commit leaves a
    /// hint to find the row by; a hint whose row never committed is removed by the sweep.
    /// </summary>
    Task AddHintAsync(PendingFollowUps pending, DateTimeOffset dueAt, CancellationToken cancellationToken);

    /// <summary>The follow-up rows still pending in one partition (<c>{region}|{customerId}</c>), oldest first.</summary>
    Task<IReadOnlyList<PendingFollowUps>> ListPendingAsync(string region, string customerId, CancellationToken cancellationToken);

    /// <summary>Deletes the row (if still there) and its hint: the follow-ups are applied.</summary>
    Task ClearAsync(PendingFollowUps pending, DateTimeOffset hintDueAt, CancellationToken cancellationToken);
}
