using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Domain.Changes;

/// <summary>
/// What has to happen after a change commits, outside the record's partition: the copies to rewrite
/// from the record (a Service List line, a partner's customer list line), the orchestration to tell,
/// the mails to send. It is stored as a row in the same transaction as the change, so a crash between
/// the commit and these leaves them pending for the sweep instead of lost. Every one of them is
/// idempotent at its receiver: a listing is a copy of the record, a mail carries its idempotency key,
/// and the orchestration re-checks each signal against the record.
/// </summary>
/// <param name="Subscription">The subscription whose Service List line is rewritten from its record.</param>
/// <param name="Lifecycle">Whether the subscription's orchestration is started if not running, and told <paramref name="Signal"/>.</param>
/// <param name="Signal">What the orchestration is told; null only starts it.</param>
/// <param name="Customer">The customer whose line in its partner's customer list is rewritten from its record.</param>
/// <param name="Mails">Mails to send, each with its idempotency key.</param>
public sealed record FollowUps(
    SubscriptionKey? Subscription = null,
    bool Lifecycle = false,
    LifecycleSignal? Signal = null,
    string? Customer = null,
    IReadOnlyList<EmailMessage>? Mails = null)
{
    public bool IsEmpty => Subscription is null && Customer is null && (Mails is null || Mails.Count == 0);

    /// <summary>The Service List line of <paramref name="key"/>, and nothing else.</summary>
    public static FollowUps Listing(SubscriptionKey key) => new(key);

    /// <summary>The Service List line of <paramref name="key"/>, then its orchestration told <paramref name="signal"/> (null: started).</summary>
    public static FollowUps ListingAndSignal(SubscriptionKey key, LifecycleSignal? signal) => new(key, Lifecycle: true, Signal: signal);

    /// <summary>The partner's customer-list line of <paramref name="customerId"/>.</summary>
    public static FollowUps CustomerListing(string customerId) => new(Customer: customerId);
}

/// <summary>
/// A follow-up row: <see cref="FollowUps"/> written in the partition <c>{Region}|{CustomerId}</c> of the
/// record whose change it follows, under <see cref="Id"/>, until the dispatcher has applied it.
/// </summary>
public sealed record PendingFollowUps(string Region, string CustomerId, string Id, DateTimeOffset CommittedAt, FollowUps FollowUps)
{
    /// <summary>Ordered by time, unique without coordination.</summary>
    public static string NewId(DateTimeOffset now) => $"{now.UtcTicks:D19}-{Guid.NewGuid():N}";
}
