namespace RapidStart.Domain.Callers;

/// <summary>
/// A person's immutable identity in Microsoft Entra ID: the tenant (<c>tid</c>) and the object in it
/// (<c>oid</c>). Addresses change and get recycled; this pair does not, so everything a person is
/// allowed after their first sign-in hangs on it.
/// </summary>
public sealed record AccountIdentity(string TenantId, string ObjectId)
{
    public override string ToString() => $"{TenantId}/{ObjectId}";
}

/// <summary>
/// Who is calling, as established by a validated bearer token and the partner registry. The domain
/// never sees claims: the edge decides, from the token and the registry, which partner (if any) the
/// caller acts for and whether they are Support.
/// </summary>
/// <param name="Identity">The immutable identity (<c>tid</c> + <c>oid</c>).</param>
/// <param name="VerifiedAddress">
/// The sign-in address the identity platform vouches for (lower-cased), or null when the token carries
/// none: invitations and portal users are matched on it, once, before they are bound to <see cref="Identity"/>.
/// </param>
/// <param name="Name">How the caller is written in audit trails: their sign-in name, else the identity.</param>
/// <param name="PartnerId">The partner this caller acts for: app role Partner from a tenant the registry maps to it; null otherwise.</param>
/// <param name="IsSupport">App role Support from the operator's tenant.</param>
public sealed record Caller(AccountIdentity Identity, string? VerifiedAddress, string Name, string? PartnerId, bool IsSupport)
{
    public const string PartnerRole = "Partner";
    public const string SupportRole = "Support";

    public bool IsPartner => !string.IsNullOrEmpty(PartnerId);
}
