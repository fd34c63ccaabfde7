using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using RapidStart.Domain.Callers;
using RapidStart.Domain.Validation;

namespace RapidStart.Infrastructure.Auth;

/// <summary>What a validated token says about the person, before the partner registry is asked.</summary>
public sealed record SignedInAccount(AccountIdentity Identity, string? VerifiedAddress, string Name, IReadOnlySet<string> Roles)
{
    public bool HasRole(string role) => Roles.Contains(role);
}

/// <summary>
/// Reads an Entra ID v2.0 access token's claims (docs/security.md, "Identity model"). Only
/// <c>tid</c> + <c>oid</c> identify a person. An address is "verified" only where Microsoft says it
/// is: a personal account's <c>email</c> (Microsoft verifies it), or a work account's <c>email</c>
/// when <c>xms_edov</c> says the tenant verified the domain's ownership. <c>preferred_username</c>
/// and <c>upn</c> are never used to decide anything: a tenant administrator can set them to any value.
/// </summary>
public static class EntraClaims
{
    public static SignedInAccount? Read(JsonWebToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var tenantId = Guid(token, "tid");
        var objectId = Guid(token, "oid");
        if (tenantId is null || objectId is null)
        {
            return null;
        }

        var identity = new AccountIdentity(tenantId, objectId);
        var email = Text(token, "email");
        var personal = tenantId == AuthOptions.PersonalAccountsTenantId;
        var verified = email is not null && FieldRules.IsEmail(email) && (personal || IsTrue(token, "xms_edov"))
            ? FieldRules.NormalizeAccountId(email)
            : null;
        var name = Text(token, "preferred_username") ?? email ?? identity.ToString();
        return new SignedInAccount(identity, verified, name, Roles(token));
    }

    private static string? Text(JsonWebToken token, string claim) =>
        token.TryGetPayloadValue<string>(claim, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    /// <summary>Entra writes ids as lower-case GUIDs; anything else is not an Entra identity.</summary>
    private static string? Guid(JsonWebToken token, string claim) =>
        Text(token, claim) is { } value && System.Guid.TryParseExact(value, "D", out var parsed) ? parsed.ToString("D") : null;

    /// <summary><c>xms_edov</c> arrives as a JSON boolean, or as "true"/"1" where a tenant maps it through claims mapping.</summary>
    private static bool IsTrue(JsonWebToken token, string claim)
    {
        if (token.TryGetPayloadValue<bool>(claim, out var flag))
        {
            return flag;
        }

        return Text(token, claim) is "true" or "True" or "1";
    }

    private static HashSet<string> Roles(JsonWebToken token)
    {
        var roles = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (token.TryGetPayloadValue<string[]>("roles", out var many) && many is not null)
        {
            roles.UnionWith(many.Where(r => !string.IsNullOrWhiteSpace(r)));
        }
        else if (Text(token, "roles") is { } one)
        {
            roles.Add(one);
        }

        return roles;
    }
}
