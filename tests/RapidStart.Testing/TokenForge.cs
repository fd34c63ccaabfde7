using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using RapidStart.LocalHost.Identity;

namespace RapidStart.Testing;

/// <summary>
/// Entra-shaped access tokens made by a test for one host's local identity provider, with the claim
/// builder and the signing key (this run's) the provider uses: signed right they are what the
/// provider would issue; a test changes one part (audience, lifetime, key, algorithm, issuer, tenant)
/// to make one the API must refuse.
/// </summary>
public sealed class TokenForge
{
    private readonly LocalTokenIssuer _issuer;
    private readonly LocalIdentityOptions _options;

    public TokenForge(string providerUrl, string clientId = DevTokens.ClientId)
    {
        _options = new LocalIdentityOptions { Url = providerUrl };
        var settings = new LocalIdentitySettings(_options, clientId, new Uri("http://127.0.0.1/"), LocalIdentityTestKeys.Certificate, LocalIdentityTestKeys.SigningKey);
        _issuer = new LocalTokenIssuer(settings, TimeProvider.System);
    }

    /// <summary>The forge for a host started with <paramref name="settings"/> (configuration keys).</summary>
    public static TokenForge For(IReadOnlyDictionary<string, string?> settings) =>
        new(settings["RapidStart:LocalIdentity:Url"]!, settings.TryGetValue("RapidStart:Auth:ClientId", out var clientId) && clientId is not null ? clientId : DevTokens.ClientId);

    /// <summary>
    /// An RSA key that is not the provider's but claims its <c>kid</c>, so a validator finds "the" key
    /// and must still refuse the signature.
    /// </summary>
    public static SigningCredentials ImpostorKey { get; } = new(
        new RsaSecurityKey(RSA.Create(2048)) { KeyId = LocalIdentityTestKeys.SigningKey.KeyId },
        SecurityAlgorithms.RsaSha256);

    /// <summary>The issuer of tenant <paramref name="tenantId"/>'s tokens at this provider.</summary>
    public string IssuerOf(Guid tenantId) => _options.IssuerOf(tenantId);

    /// <summary>
    /// The access token of partner <paramref name="partnerId"/>'s agent (<see cref="DevTokens.PartnerSubject"/>,
    /// role Partner, in the partner's tenant), valid for ten minutes unless <paramref name="change"/> says otherwise.
    /// </summary>
    public string Partner(string partnerId = "P-1001", Action<SecurityTokenDescriptor>? change = null) =>
        For(LocalDirectory.InTenant(LocalDirectory.PartnerTenant(partnerId), DevTokens.PartnerSubject(partnerId)), change);

    /// <summary>The access token of <paramref name="account"/>, changed by <paramref name="change"/>.</summary>
    public string For(LocalAccount account, Action<SecurityTokenDescriptor>? change = null)
    {
        var now = DateTimeOffset.UtcNow;
        var descriptor = _issuer.AccessTokenDescriptor(account, [LocalIdentitySettings.ApiScopeName], now.AddMinutes(-1), now.AddMinutes(10));
        change?.Invoke(descriptor);
        return _issuer.Write(descriptor);
    }

    /// <summary>Partner A's token with <c>alg: none</c> and no signature.</summary>
    public string Unsigned(string partnerId = "P-1001") => Partner(partnerId, d => d.SigningCredentials = null);

    /// <summary>Partner A's token, expired <paramref name="ago"/> (issued an hour before).</summary>
    public string Expired(TimeSpan ago, string partnerId = "P-1001") => Partner(partnerId, d =>
    {
        d.Expires = DateTime.UtcNow - ago;
        d.IssuedAt = d.NotBefore = d.Expires.Value.AddHours(-1);
    });
}
