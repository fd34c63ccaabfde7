namespace RapidStart.Domain.Callers;

/// <summary>Who is calling, as established by a validated bearer token.</summary>
public sealed record Caller(string Subject, IReadOnlySet<string> Roles, string? PartnerId)
{
    public const string PartnerRole = "partner";
    public const string SupportRole = "support";

    public bool IsPartner => Roles.Contains(PartnerRole) && !string.IsNullOrEmpty(PartnerId);
    public bool IsSupport => Roles.Contains(SupportRole);
}
