using System.Text.Json.Serialization;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Portal;
using RapidStart.Domain.Subscriptions;
using RapidStart.Domain.Voice;

namespace RapidStart.Functions.Http;

// The wire shapes of api.md. Domain records stay free to change; these names do not.

public sealed record ItemsResponse<T>(IReadOnlyList<T> Items, string? ContinuationToken = null);

public sealed record VoiceAccountResponse(string AccountNumber, string Name, Address Address)
{
    public static VoiceAccountResponse Of(VoiceAccount a) => new(a.AccountNumber, a.Name, a.Address);
}

public sealed record CustomerResponse(
    string CustomerId,
    string PartnerId,
    string Kind,
    string? VoiceAccountNumber,
    Organization? Organization,
    Administrator? Administrator,
    string Region,
    DateTimeOffset CreatedAt,
    string Status)
{
    public static CustomerResponse Of(Customer c) =>
        new(c.CustomerId, c.PartnerId, c.Kind, c.VoiceAccountNumber, c.Organization, c.Administrator, c.Region, c.CreatedAt, c.Purged ? "Purged" : "Live");
}

public sealed record InvitationResponse(DateTimeOffset RequestedAt, DateTimeOffset? SentAt, string MicrosoftAccountId, string ContactEmail, string? LastError);

public sealed record AcceptanceResponse(DateTimeOffset At, string AgreementVersion, string PrivacyStatementVersion);

public sealed record SubscriptionResponse(
    string CustomerId,
    string ServiceId,
    string CountryRegion,
    string Region,
    SubscriptionStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? TrialEndsAt,
    DateTimeOffset? InactivatedAt,
    DateTimeOffset? RetentionEndsAt,
    InvitationResponse? Invitation,
    DateTimeOffset? ActivatedAt,
    AcceptanceResponse? Acceptance)
{
    public static SubscriptionResponse Of(Subscription s) => new(
        s.CustomerId, s.ServiceId, s.CountryRegion, s.Region, s.Status, s.CreatedAt, s.TrialEndsAt, s.InactivatedAt, s.RetentionEndsAt,
        s.Invitation is { } i ? new InvitationResponse(i.RequestedAt, i.SentAt, i.MicrosoftAccountId, i.ContactEmail, i.LastError) : null,
        s.ActivatedAt,
        s.Acceptance is { } a ? new AcceptanceResponse(a.At, a.AgreementVersion, a.PrivacyStatementVersion) : null);
}

public sealed record HistoryItemResponse(DateTimeOffset At, string Actor, SubscriptionStatus? From, SubscriptionStatus To, string Reason)
{
    public static HistoryItemResponse Of(AuditEntry e) => new(e.At, e.Actor, e.From, e.To, e.Reason);
}

/// <summary>A portal user; <c>etag</c> is what PUT and DELETE take in <c>If-Match</c> (the list has no per-user header).</summary>
public sealed record PortalUserResponse(string MicrosoftAccountId, string DisplayName, string Role, DateTimeOffset AddedAt, [property: JsonPropertyName("etag")] string ETag)
{
    public static PortalUserResponse Of(PortalUser u) => new(u.MicrosoftAccountId, u.DisplayName, u.Role, u.AddedAt, u.ETag);
}

public sealed record SupportCustomerResponse(CustomerResponse Customer, IReadOnlyList<SubscriptionResponse> Subscriptions);

// Request bodies.

public sealed record VoiceAccountRequest(string? VoiceAccountNumber);

public sealed record SignUpRequest(string? ServiceId, string? CountryRegion);

public sealed record CountryChangeRequest(string? CountryRegion);

public sealed record SendActivationRequest(AdministratorDraft? Administrator);

public sealed record AcceptRequest(string? Token, bool AcceptAgreement, bool AcceptPrivacyStatement);

public sealed record AddUserRequest(string? MicrosoftAccountId, string? DisplayName, string? Role);

public sealed record ChangeRoleRequest(string? Role);

