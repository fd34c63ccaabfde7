namespace RapidStart.LocalHost.Identity;

/// <summary>
/// Section <c>RapidStart:LocalIdentity</c>: the development OpenID Connect provider that stands in
/// for Entra ID on the local host. It exists only in the Development environment; no setting turns
/// it on anywhere else.
/// </summary>
public sealed class LocalIdentityOptions
{
    public const string SectionName = "RapidStart:LocalIdentity";

    /// <summary>
    /// Where the provider listens, over HTTPS of its own (MSAL.js refuses an http:// authority).
    /// The authority is <c>{Url}/common/v2.0</c>.
    /// </summary>
    public string Url { get; set; } = "https://localhost:7073";

    /// <summary>The TLS certificate (PFX, SAN localhost and 127.0.0.1); made there when missing.</summary>
    public string CertificatePath { get; set; } = Path.Combine(".certs", "local-identity.pfx");

    /// <summary>The RS256 token signing key (PEM or PFX); made there (PEM) when missing.</summary>
    public string SigningKeyPath { get; set; } = Path.Combine(".certs", "local-identity-signing.pem");

    /// <summary>Lifetime of the access and ID tokens it issues (Entra's are 60 to 90 minutes).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    public Uri Authority => new(Url.TrimEnd('/') + "/common/v2.0");

    /// <summary>The issuer template of the discovery document, as Entra's common endpoint writes it.</summary>
    public string IssuerTemplate => Url.TrimEnd('/') + "/{tenantid}/v2.0";

    /// <summary>The issuer of the tokens of one tenant.</summary>
    public string IssuerOf(Guid tenantId) => $"{Url.TrimEnd('/')}/{tenantId:D}/v2.0";
}
