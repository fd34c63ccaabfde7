namespace RapidStart.Domain.Subscriptions;

public enum SubscriptionStatus
{
    Created,
    InvitationSent,
    Active,
    Inactive,
    Purged,
}

/// <summary>The pending or last invitation. <see cref="Sequence"/> counts sends, so a stale send request is recognised.</summary>
public sealed record Invitation(
    DateTimeOffset RequestedAt,
    DateTimeOffset? SentAt,
    string MicrosoftAccountId,
    string ContactEmail,
    string AdministratorName,
    int Sequence,
    string? LastError);

/// <summary>What the administrator agreed to, and when: kept for the life of the subscription.</summary>
/// <param name="AcceptedBy">The Entra identity that accepted (<c>tid</c>/<c>oid</c>); null for acceptances recorded before sign-in binding.</param>
public sealed record Acceptance(DateTimeOffset At, string MicrosoftAccountId, string AgreementVersion, string PrivacyStatementVersion, string? AcceptedBy = null);

/// <summary>One line of a subscription's audit trail.</summary>
public sealed record AuditEntry(DateTimeOffset At, string Actor, SubscriptionStatus? From, SubscriptionStatus To, string Reason);

/// <summary>Identifies a subscription and the partition it lives in.</summary>
public sealed record SubscriptionKey(string Region, string CustomerId, string ServiceId)
{
    public override string ToString() => $"{CustomerId}/{ServiceId}";
}

/// <summary>
/// A customer's subscription to one service: the state machine of design.md. Every transition is a
/// method that returns the next value and the audit entry that explains it; nothing here does I/O.
/// </summary>
public sealed record Subscription(
    string CustomerId,
    string PartnerId,
    string ServiceId,
    string CountryRegion,
    string Region,
    SubscriptionStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? TrialEndsAt,
    DateTimeOffset? InactivatedAt,
    DateTimeOffset? RetentionEndsAt,
    SubscriptionStatus? StatusBeforeInactivation,
    Invitation? Invitation,
    DateTimeOffset? ActivatedAt,
    Acceptance? Acceptance,
    string? LiveTokenHash,
    IReadOnlyList<DateTimeOffset> RecentSends,
    int AuditCount)
{
    public SubscriptionKey Key => new(Region, CustomerId, ServiceId);

    public bool IsPermanent => TrialEndsAt is null;

    /// <summary>
    /// The sequence of the invitation requested and still waiting to be mailed: neither sent nor
    /// given up on (its retries ran out). Null when there is none.
    /// </summary>
    public int? UnsentInvitationSequence =>
        Status == SubscriptionStatus.InvitationSent && Invitation is { SentAt: null, LastError: null } waiting ? waiting.Sequence : null;

    public static (Subscription Subscription, AuditEntry Audit) SignUp(
        string customerId, string partnerId, string serviceId, string countryRegion, string region,
        DateTimeOffset now, TimeSpan? trialPeriod, string actor)
    {
        var subscription = new Subscription(
            customerId, partnerId, serviceId, countryRegion, region, SubscriptionStatus.Created, now,
            TrialEndsAt: now + trialPeriod, InactivatedAt: null, RetentionEndsAt: null, StatusBeforeInactivation: null,
            Invitation: null, ActivatedAt: null, Acceptance: null, LiveTokenHash: null, RecentSends: [], AuditCount: 1);
        var reason = trialPeriod is null ? "Signed up (customer has a VOICE account: permanent)." : $"Signed up; trial ends {subscription.TrialEndsAt:yyyy-MM-dd HH:mm:ss} UTC unless a VOICE number is added.";
        return (subscription, new AuditEntry(now, actor, null, SubscriptionStatus.Created, reason));
    }

    public (Subscription, AuditEntry) RequestInvitation(DateTimeOffset now, string accountId, string contactEmail, string administratorName, string actor, TimeSpan rateWindow)
    {
        var reason = Status == SubscriptionStatus.InvitationSent ? "Activation resent; the earlier link no longer works." : "Activation sent.";
        var next = this with
        {
            Status = SubscriptionStatus.InvitationSent,
            Invitation = new Invitation(now, null, accountId, contactEmail, administratorName, (Invitation?.Sequence ?? 0) + 1, null),
            LiveTokenHash = null,
            RecentSends = RecentSends.Where(t => t > now - rateWindow).Append(now).ToArray(),
        };
        return next.Audited(now, actor, Status, reason);
    }

    public (Subscription, AuditEntry) RevokeInvitation(DateTimeOffset now, string actor) =>
        (this with { Status = SubscriptionStatus.Created, LiveTokenHash = null })
            .Audited(now, actor, Status, "Pending invitation revoked; its link no longer works.");

    public Subscription WithIssuedToken(string tokenHash) => this with { LiveTokenHash = tokenHash };

    public Subscription WithInvitationSent(DateTimeOffset now) =>
        this with { Invitation = Invitation! with { SentAt = now, LastError = null } };

    public Subscription WithInvitationError(string error) =>
        this with { Invitation = Invitation! with { LastError = error } };

    public (Subscription, AuditEntry) Accept(DateTimeOffset now, Acceptance acceptance) =>
        (this with { Status = SubscriptionStatus.Active, ActivatedAt = now, Acceptance = acceptance, LiveTokenHash = null })
            .Audited(now, $"customer:{acceptance.MicrosoftAccountId}", Status, "Invitation accepted: agreement and privacy statement accepted.");

    public (Subscription, AuditEntry) MakePermanent(DateTimeOffset now, string actor) =>
        (this with { TrialEndsAt = null })
            .Audited(now, actor, Status, "VOICE account number added: the subscription is permanent.");

    public (Subscription, AuditEntry) Inactivate(DateTimeOffset now, TimeSpan retention, string actor) =>
        (this with
        {
            Status = SubscriptionStatus.Inactive,
            StatusBeforeInactivation = Status,
            InactivatedAt = now,
            RetentionEndsAt = now + retention,
            LiveTokenHash = null,
        }).Audited(now, actor, Status, $"Trial deadline {TrialEndsAt:yyyy-MM-dd HH:mm:ss} UTC reached without a VOICE account number; data kept until {now + retention:yyyy-MM-dd HH:mm:ss} UTC.");

    public (Subscription, AuditEntry) Reactivate(DateTimeOffset now, string actor) =>
        (this with
        {
            Status = StatusBeforeInactivation ?? SubscriptionStatus.Created,
            StatusBeforeInactivation = null,
            TrialEndsAt = null,
            InactivatedAt = null,
            RetentionEndsAt = null,
        }).Audited(now, actor, Status, "Reactivated by Support with a VOICE account number: permanent.");

    /// <summary>The tombstone: status and dates stay, who was invited does not.</summary>
    public (Subscription, AuditEntry) Purge(DateTimeOffset now, string actor) =>
        (this with
        {
            Status = SubscriptionStatus.Purged,
            Invitation = null,
            Acceptance = Acceptance is null ? null : Acceptance with { MicrosoftAccountId = "", AcceptedBy = null },
            LiveTokenHash = null,
            RecentSends = [],
        }).Audited(now, actor, Status, $"Retention ended {RetentionEndsAt:yyyy-MM-dd HH:mm:ss} UTC: customer data deleted.");

    private (Subscription, AuditEntry) Audited(DateTimeOffset now, string actor, SubscriptionStatus from, string reason) =>
        (this with { AuditCount = AuditCount + 1 }, new AuditEntry(now, actor, from, Status, reason));
}
