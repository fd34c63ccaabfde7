using RapidStart.Domain.Changes;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// A follow-up row: PK of the record whose change it follows (<c>{region}|{customerId}</c>), RK
/// <c>followup|{id}</c>. Written in the change's transaction, deleted once applied; the columns say
/// what to apply, never a copy of the record (the dispatcher reads the record when it applies a row).
/// </summary>
internal sealed class FollowUpEntity : StoredEntity
{
    public string Region { get; set; } = "";
    public string CustomerId { get; set; } = "";
    public string FollowUpId { get; set; } = "";
    public DateTimeOffset CommittedAt { get; set; }

    /// <summary>The subscription whose Service List line is rewritten (empty: none); region and service.</summary>
    public string? SubscriptionRegion { get; set; }
    public string? SubscriptionServiceId { get; set; }
    public bool Lifecycle { get; set; }
    public string? SignalJson { get; set; }
    public bool ListCustomer { get; set; }
    public string? MailsJson { get; set; }
}

internal static class FollowUpMapping
{
    public static FollowUpEntity ToEntity(PendingFollowUps pending)
    {
        var work = pending.FollowUps;
        return new FollowUpEntity
        {
            PartitionKey = TableKeys.CustomerPartition(pending.Region, pending.CustomerId),
            RowKey = TableKeys.FollowUpRow(pending.Id),
            Region = pending.Region,
            CustomerId = pending.CustomerId,
            FollowUpId = pending.Id,
            CommittedAt = pending.CommittedAt,
            SubscriptionRegion = work.Subscription?.Region,
            SubscriptionServiceId = work.Subscription?.ServiceId,
            Lifecycle = work.Lifecycle,
            SignalJson = StorageJson.Serialize(work.Signal, nameof(FollowUpEntity.SignalJson)),
            ListCustomer = work.Customer is not null,
            MailsJson = work.Mails is { Count: > 0 } mails ? StorageJson.Serialize(mails.ToArray(), nameof(FollowUpEntity.MailsJson)) : null,
        };
    }

    public static PendingFollowUps ToDomain(FollowUpEntity e) => new(
        e.Region,
        e.CustomerId,
        e.FollowUpId,
        e.CommittedAt,
        new FollowUps(
            string.IsNullOrEmpty(e.SubscriptionRegion) || string.IsNullOrEmpty(e.SubscriptionServiceId)
                ? null
                : new SubscriptionKey(e.SubscriptionRegion, e.CustomerId, e.SubscriptionServiceId),
            e.Lifecycle,
            StorageJson.Deserialize<LifecycleSignal>(e.SignalJson),
            e.ListCustomer ? e.CustomerId : null,
            StorageJson.Deserialize<EmailMessage[]>(e.MailsJson)));

    /// <summary>The sweep's hint for a follow-up row: a due item in the region's day partition that names the row.</summary>
    public static DueItemEntity ToHint(PendingFollowUps pending, DateTimeOffset dueAt) => new()
    {
        PartitionKey = TableKeys.DuePartition(pending.Region, DateOnly.FromDateTime(dueAt.UtcDateTime)),
        RowKey = TableKeys.FollowUpHintRow(pending.CustomerId, pending.Id),
        Region = pending.Region,
        CustomerId = pending.CustomerId,
        ServiceId = "",
        DueAt = dueAt,
        FollowUpId = pending.Id,
    };
}
