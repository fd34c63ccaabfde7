using RapidStart.Domain.Callers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using RapidStart.Domain.Activation;
using RapidStart.Domain.Portal;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Infrastructure.Storage;

/// <summary>A subscription as stored: PK <c>{region}|{customerId}</c>, RK <c>subscription|{serviceId}</c>.</summary>
internal sealed class SubscriptionEntity : StoredEntity
{
    public string CustomerId { get; set; } = "";
    public string PartnerId { get; set; } = "";
    public string ServiceId { get; set; } = "";
    public string CountryRegion { get; set; } = "";
    public string Region { get; set; } = "";
    public string Status { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? TrialEndsAt { get; set; }
    public DateTimeOffset? InactivatedAt { get; set; }
    public DateTimeOffset? RetentionEndsAt { get; set; }
    public string? StatusBeforeInactivation { get; set; }
    public string? InvitationJson { get; set; }
    public DateTimeOffset? ActivatedAt { get; set; }
    public string? AcceptanceJson { get; set; }
    public string? LiveTokenHash { get; set; }
    public string RecentSendsJson { get; set; } = "[]";
    public int AuditCount { get; set; }
}

/// <summary>One audit line: PK of its subscription, RK <c>audit|{serviceId}|{n:D6}</c> so a prefix query reads oldest first.</summary>
internal sealed class AuditEntity : StoredEntity
{
    public string ServiceId { get; set; } = "";
    public int Sequence { get; set; }
    public DateTimeOffset At { get; set; }
    public string Actor { get; set; } = "";
    public string? From { get; set; }
    public string To { get; set; } = "";
    public string Reason { get; set; } = "";
}

/// <summary>
/// An activation link's record: PK of its subscription, RK <c>token|{hash}</c>. Carries its service,
/// so purging one subscription leaves the tokens of another in the same partition alone.
/// </summary>
internal sealed class ActivationTokenEntity : StoredEntity
{
    public string ServiceId { get; set; } = "";
    public string Hash { get; set; } = "";
    public int Sequence { get; set; }
    public string MicrosoftAccountId { get; set; } = "";
    public DateTimeOffset IssuedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public string State { get; set; } = "";
}

/// <summary>A portal user: PK of the subscription, RK <c>user|{microsoftAccountId}</c> (one portal per customer).</summary>
internal sealed class PortalUserEntity : StoredEntity
{
    public string MicrosoftAccountId { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string Role { get; set; } = "";
    public DateTimeOffset AddedAt { get; set; }

    /// <summary>The Entra identity (<c>tid</c>, <c>oid</c>) the user is bound to; empty until their first sign-in (rows written before binding existed, too).</summary>
    public string? TenantId { get; set; }
    public string? ObjectId { get; set; }
}

/// <summary>
/// A line of a partner's Service List: PK <c>{region}|services|{partnerId}</c>, RK
/// <c>{customerId}|{serviceId}</c>. <see cref="Status"/> is a column of its own so the status filter
/// runs in the service; the rest is a JSON copy of the subscription entity.
/// </summary>
internal sealed class ServiceListingEntity : StoredEntity
{
    public string Status { get; set; } = "";
    public string SubscriptionJson { get; set; } = "";
}

/// <summary>
/// A hint for the sweep: PK <c>{region}|due|{yyyyMMdd}</c>, RK <c>{customerId}|{serviceId}|{ticks}</c>,
/// so "what is due by now" is one range query over a few day partitions.
/// </summary>
internal sealed class DueItemEntity : StoredEntity
{
    public string Region { get; set; } = "";
    public string CustomerId { get; set; } = "";
    public string ServiceId { get; set; } = "";
    public DateTimeOffset DueAt { get; set; }

    /// <summary>Set on the hint of a follow-up row (RK <c>{customerId}|followup|{id}</c>, <see cref="ServiceId"/> empty).</summary>
    public string? FollowUpId { get; set; }
}

/// <summary>Subscriptions and what lives under them, to and from their entities.</summary>
internal static class SubscriptionMapping
{
    public static string Partition(SubscriptionKey key) => TableKeys.CustomerPartition(key.Region, key.CustomerId);

    public static SubscriptionEntity ToEntity(Subscription s) => new()
    {
        PartitionKey = Partition(s.Key),
        RowKey = TableKeys.SubscriptionRow(s.ServiceId),
        CustomerId = s.CustomerId,
        PartnerId = s.PartnerId,
        ServiceId = s.ServiceId,
        CountryRegion = s.CountryRegion,
        Region = s.Region,
        Status = s.Status.ToString(),
        CreatedAt = s.CreatedAt,
        TrialEndsAt = s.TrialEndsAt,
        InactivatedAt = s.InactivatedAt,
        RetentionEndsAt = s.RetentionEndsAt,
        StatusBeforeInactivation = s.StatusBeforeInactivation?.ToString(),
        InvitationJson = StorageJson.Serialize(
            s.Invitation is { } i ? new InvitationDocument(i.RequestedAt, i.SentAt, i.MicrosoftAccountId, i.ContactEmail, i.AdministratorName, i.Sequence, i.LastError) : null,
            nameof(SubscriptionEntity.InvitationJson)),
        ActivatedAt = s.ActivatedAt,
        AcceptanceJson = StorageJson.Serialize(
            s.Acceptance is { } a ? new AcceptanceDocument(a.At, a.MicrosoftAccountId, a.AgreementVersion, a.PrivacyStatementVersion, a.AcceptedBy) : null,
            nameof(SubscriptionEntity.AcceptanceJson)),
        LiveTokenHash = s.LiveTokenHash,
        RecentSendsJson = StorageJson.Serialize(s.RecentSends.ToArray(), nameof(SubscriptionEntity.RecentSendsJson))!,
        AuditCount = s.AuditCount,
    };

    public static Subscription ToDomain(SubscriptionEntity e)
    {
        var invitation = StorageJson.Deserialize<InvitationDocument>(e.InvitationJson);
        var acceptance = StorageJson.Deserialize<AcceptanceDocument>(e.AcceptanceJson);
        return new Subscription(
            e.CustomerId,
            e.PartnerId,
            e.ServiceId,
            e.CountryRegion,
            e.Region,
            Enum.Parse<SubscriptionStatus>(e.Status),
            e.CreatedAt,
            e.TrialEndsAt,
            e.InactivatedAt,
            e.RetentionEndsAt,
            e.StatusBeforeInactivation is null ? null : Enum.Parse<SubscriptionStatus>(e.StatusBeforeInactivation),
            invitation is null ? null : new Invitation(invitation.RequestedAt, invitation.SentAt, invitation.MicrosoftAccountId, invitation.ContactEmail, invitation.AdministratorName, invitation.Sequence, invitation.LastError),
            e.ActivatedAt,
            acceptance is null ? null : new Acceptance(acceptance.At, acceptance.MicrosoftAccountId, acceptance.AgreementVersion, acceptance.PrivacyStatementVersion, acceptance.AcceptedBy),
            e.LiveTokenHash,
            StorageJson.Deserialize<DateTimeOffset[]>(e.RecentSendsJson) ?? [],
            e.AuditCount);
    }

    public static AuditEntity ToEntity(SubscriptionKey key, int sequence, AuditEntry entry) => new()
    {
        PartitionKey = Partition(key),
        RowKey = TableKeys.AuditRow(key.ServiceId, sequence),
        ServiceId = key.ServiceId,
        Sequence = sequence,
        At = entry.At,
        Actor = StorageJson.Bounded(entry.Actor, nameof(AuditEntity.Actor))!,
        From = entry.From?.ToString(),
        To = entry.To.ToString(),
        Reason = StorageJson.Bounded(entry.Reason, nameof(AuditEntity.Reason))!,
    };

    public static AuditEntry ToDomain(AuditEntity e) =>
        new(e.At, e.Actor, e.From is null ? null : Enum.Parse<SubscriptionStatus>(e.From), Enum.Parse<SubscriptionStatus>(e.To), e.Reason);

    public static ActivationTokenEntity ToEntity(SubscriptionKey key, ActivationTokenRecord token) => new()
    {
        PartitionKey = Partition(key),
        RowKey = TableKeys.TokenRow(token.Hash),
        ServiceId = key.ServiceId,
        Hash = token.Hash,
        Sequence = token.Sequence,
        MicrosoftAccountId = token.MicrosoftAccountId,
        IssuedAt = token.IssuedAt,
        ExpiresAt = token.ExpiresAt,
        State = token.State.ToString(),
    };

    public static ActivationTokenRecord ToDomain(ActivationTokenEntity e) =>
        new(e.Hash, e.Sequence, e.MicrosoftAccountId, e.IssuedAt, e.ExpiresAt, Enum.Parse<TokenState>(e.State));

    public static PortalUserEntity ToEntity(SubscriptionKey key, PortalUser user) => new()
    {
        PartitionKey = Partition(key),
        RowKey = TableKeys.UserRow(user.MicrosoftAccountId),
        MicrosoftAccountId = user.MicrosoftAccountId,
        DisplayName = StorageJson.Bounded(user.DisplayName, nameof(PortalUserEntity.DisplayName))!,
        Role = user.Role,
        AddedAt = user.AddedAt,
        TenantId = user.Identity?.TenantId,
        ObjectId = user.Identity?.ObjectId,
    };

    public static PortalUser ToDomain(PortalUserEntity e) => new(
        e.MicrosoftAccountId, e.DisplayName, e.Role, e.AddedAt,
        string.IsNullOrEmpty(e.TenantId) || string.IsNullOrEmpty(e.ObjectId) ? null : new AccountIdentity(e.TenantId, e.ObjectId));

    public static ServiceListingEntity ToListing(Subscription s) => new()
    {
        PartitionKey = TableKeys.ServiceListPartition(s.Region, s.PartnerId),
        RowKey = TableKeys.ServiceListRow(s.CustomerId, s.ServiceId),
        Status = s.Status.ToString(),
        SubscriptionJson = StorageJson.Bounded(JsonSerializer.Serialize(ToEntity(s), StorageJson.Options), nameof(ServiceListingEntity.SubscriptionJson))!,
    };

    public static Subscription FromListing(ServiceListingEntity listing) =>
        ToDomain(JsonSerializer.Deserialize<SubscriptionEntity>(listing.SubscriptionJson, StorageJson.Options)
            ?? throw new InvalidOperationException($"Service List row {listing.PartitionKey}/{listing.RowKey} has no subscription snapshot."));

    public static DueItemEntity ToEntity(DueItem item) => new()
    {
        PartitionKey = TableKeys.DuePartition(item.Key.Region, DateOnly.FromDateTime(item.DueAt.UtcDateTime)),
        RowKey = item.FollowUpId is { } followUpId
            ? TableKeys.FollowUpHintRow(item.Key.CustomerId, followUpId)
            : TableKeys.DueRow(item.Key.CustomerId, item.Key.ServiceId, item.DueAt),
        Region = item.Key.Region,
        CustomerId = item.Key.CustomerId,
        ServiceId = item.Key.ServiceId,
        DueAt = item.DueAt,
        FollowUpId = item.FollowUpId,
    };

    public static DueItem ToDomain(DueItemEntity e) =>
        new(new SubscriptionKey(e.Region, e.CustomerId, e.ServiceId), e.DueAt, string.IsNullOrEmpty(e.FollowUpId) ? null : e.FollowUpId);
}

/// <summary>The stored shape of an invitation (JSON), kept apart from the domain record so either can change.</summary>
internal sealed record InvitationDocument(
    DateTimeOffset RequestedAt, DateTimeOffset? SentAt, string MicrosoftAccountId, string ContactEmail, string AdministratorName, int Sequence, string? LastError);

internal sealed record AcceptanceDocument(DateTimeOffset At, string MicrosoftAccountId, string AgreementVersion, string PrivacyStatementVersion, string? AcceptedBy = null);
