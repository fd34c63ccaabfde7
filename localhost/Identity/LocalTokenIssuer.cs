using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace RapidStart.LocalHost.Identity;

/// <summary>
/// Writes the provider's tokens, shaped like Entra ID's v2.0 tokens for a multi-tenant app: <c>iss</c>
/// per tenant, <c>tid</c>, <c>oid</c>, a pairwise <c>sub</c>, <c>preferred_username</c>, <c>email</c>,
/// <c>xms_edov</c>, <c>roles</c>, <c>scp</c>, <c>ver</c> 2.0, signed RS256 with a <c>kid</c>. One
/// claim builder for both ways tokens leave the local host: the OpenID Connect flows and
/// <c>POST /api/dev/token</c>, so both pass exactly the same validation.
/// </summary>
public sealed class LocalTokenIssuer(LocalIdentitySettings settings, TimeProvider clock)
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public string ClientId => settings.ClientId;

    /// <summary>The API's delegated scope, as a client asks for it.</summary>
    public string ApiScope => $"api://{settings.ClientId}/{LocalIdentitySettings.ApiScopeName}";

    /// <summary>Entra's <c>sub</c>: opaque and different per application, never the address.</summary>
    public string SubjectOf(LocalAccount account) =>
        Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes($"{account.ObjectId:D}:{settings.ClientId}")));

    /// <summary>An access token for the API, for the app's own scope only (as <c>POST /api/dev/token</c> gives).</summary>
    public string AccessToken(LocalAccount account)
    {
        var now = clock.GetUtcNow();
        return AccessToken(account, [LocalIdentitySettings.ApiScopeName], now, now + settings.TokenLifetime);
    }

    /// <param name="scopes">The API's scopes granted, without their <c>api://{clientId}/</c> prefix.</param>
    public string AccessToken(LocalAccount account, IEnumerable<string> scopes, DateTimeOffset issuedAt, DateTimeOffset expires) =>
        Write(AccessTokenDescriptor(account, scopes, issuedAt, expires));

    /// <summary>What an access token says, before it is signed: tests change a part of it to make tokens the API must refuse.</summary>
    public SecurityTokenDescriptor AccessTokenDescriptor(LocalAccount account, IEnumerable<string> scopes, DateTimeOffset issuedAt, DateTimeOffset expires)
    {
        var claims = CommonClaims(account);
        var granted = string.Join(' ', scopes);
        if (granted.Length > 0)
        {
            claims["scp"] = granted;
        }

        return Describe(account, claims, issuedAt, expires);
    }

    /// <summary>The token a descriptor describes, signed with its credentials (none: <c>alg: none</c>).</summary>
    public string Write(SecurityTokenDescriptor descriptor) => _handler.CreateToken(descriptor);

    /// <param name="protocolClaims">What the flow adds to an ID token: <c>nonce</c>, <c>at_hash</c>, <c>c_hash</c>.</param>
    public string IdToken(LocalAccount account, IReadOnlyDictionary<string, string> protocolClaims, DateTimeOffset issuedAt, DateTimeOffset expires)
    {
        var claims = CommonClaims(account);
        foreach (var (type, value) in protocolClaims)
        {
            claims[type] = value;
        }

        return Write(Describe(account, claims, issuedAt, expires));
    }

    private Dictionary<string, object> CommonClaims(LocalAccount account)
    {
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["ver"] = "2.0",
            ["tid"] = account.Tenant.Id.ToString("D"),
            ["oid"] = account.ObjectId.ToString("D"),
            ["sub"] = SubjectOf(account),
            ["azp"] = settings.ClientId,
            ["preferred_username"] = account.Address,
            ["email"] = account.Address,
            ["name"] = account.Name,
        };
        if (account.EmailVerified is { } verified)
        {
            claims["xms_edov"] = verified;
        }

        if (account.Roles.Count > 0)
        {
            claims["roles"] = account.Roles.ToArray();
        }

        return claims;
    }

    private SecurityTokenDescriptor Describe(LocalAccount account, Dictionary<string, object> claims, DateTimeOffset issuedAt, DateTimeOffset expires) =>
        new()
        {
            Issuer = settings.IssuerOf(account.Tenant.Id),
            Audience = settings.ClientId,
            Claims = claims,
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime,
            Expires = expires.UtcDateTime,
            TokenType = "JWT",
            SigningCredentials = settings.SigningCredentials,
        };
}
