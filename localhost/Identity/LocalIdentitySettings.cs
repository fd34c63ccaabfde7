using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;

namespace RapidStart.LocalHost.Identity;

/// <summary>
/// What the provider was started with, resolved once: its address, certificate, signing key, the
/// public client it serves and where that client may be sent back to.
/// </summary>
public sealed class LocalIdentitySettings
{
    /// <summary>The local default of <c>RapidStart:Auth:ClientId</c> (an Entra app registration's client id in Azure).</summary>
    public const string DefaultClientId = "5b1b3c8e-7d4a-4f62-9e0b-2a6c1d8f4e73";

    public const string ApiScopeName = "access_as_user";

    public LocalIdentitySettings(LocalIdentityOptions options, string clientId, Uri publicBaseUrl, X509Certificate2 certificate, RsaSecurityKey signingKey)
    {
        Options = options;
        ClientId = clientId;
        PublicBaseUrl = publicBaseUrl;
        Certificate = certificate;
        SigningKey = signingKey;
        SigningCredentials = new SigningCredentials(signingKey, SecurityAlgorithms.RsaSha256);
        RedirectUris = new HashSet<string>(StringComparer.Ordinal)
        {
            new Uri(publicBaseUrl, "api/auth/redirect").AbsoluteUri,
            new Uri(publicBaseUrl, "api/activate").AbsoluteUri,
            new Uri(publicBaseUrl, "api/console").AbsoluteUri,
        };
    }

    public LocalIdentityOptions Options { get; }

    public Uri Url => new(Options.Url.TrimEnd('/') + "/");

    public string ClientId { get; }

    /// <summary>The API's public address (<c>RapidStart:Lifecycle:PublicBaseUrl</c>); its origin may call the provider with fetch.</summary>
    public Uri PublicBaseUrl { get; }

    public X509Certificate2 Certificate { get; }

    public RsaSecurityKey SigningKey { get; }

    public SigningCredentials SigningCredentials { get; }

    public TimeSpan TokenLifetime => Options.TokenLifetime;

    /// <summary>The registered redirect URIs, matched exactly (and so without a query); sign-out may return to them too.</summary>
    public IReadOnlySet<string> RedirectUris { get; }

    public string IssuerOf(Guid tenantId) => Options.IssuerOf(tenantId);
}
