using Microsoft.Extensions.Hosting;

namespace RapidStart.Infrastructure.Auth;

/// <summary>
/// Bearer token settings (section <c>RapidStart:Auth</c>). In Azure: the Entra ID authority (its
/// OpenID metadata supplies issuer and signing keys) and the API's audience. Locally: the
/// development issuer's symmetric key, which exists only where <see cref="DevelopmentIssuerEnabled"/> is set.
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "RapidStart:Auth";
    public const string DevelopmentIssuer = "https://rapidstart.local/dev-issuer";

    /// <summary>e.g. https://login.microsoftonline.com/{tenant}/v2.0; empty when only the development issuer is used.</summary>
    public string? Authority { get; set; }

    /// <summary>Overrides the issuer from the authority's metadata (or names the development issuer).</summary>
    public string? Issuer { get; set; }

    public string Audience { get; set; } = "api://rapidstart";

    /// <summary>True only on the local host in Development: POST /api/dev/token then issues tokens.</summary>
    public bool DevelopmentIssuerEnabled { get; set; }

    /// <summary>
    /// Whether the development issuer is on: its flag, and the Development environment. A flag alone
    /// can't open it in production. Its route, its key's trust and the activation page's development
    /// sign-in all ask this.
    /// </summary>
    public bool DevelopmentIssuerIsOn(IHostEnvironment environment) => DevelopmentIssuerEnabled && environment.IsDevelopment();

    /// <summary>Base64 key (at least 32 bytes) for the development issuer; a random one per process when empty.</summary>
    public string? DevelopmentSigningKey { get; set; }

    public TimeSpan DevelopmentTokenLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How MSAL.js in the pages talks to the authority: <c>AAD</c> for Entra ID, <c>OIDC</c> for the local provider.</summary>
    public string ProtocolMode { get; set; } = "AAD";

    /// <summary>The application (client) ID the browser pages sign in with (a public client: authorization code + PKCE).</summary>
    public string? ClientId { get; set; }

    /// <summary>The API's application ID URI; empty means <c>api://{ClientId}</c>.</summary>
    public string? ApplicationIdUri { get; set; }

    /// <summary>The delegated permission (scope) the API exposes.</summary>
    public string ScopeName { get; set; } = "access_as_user";

    /// <summary>The scope the pages ask for: <c>{ApplicationIdUri}/{ScopeName}</c>.</summary>
    public string Scope => $"{(string.IsNullOrEmpty(ApplicationIdUri) ? $"api://{ClientId}" : ApplicationIdUri.TrimEnd('/'))}/{ScopeName}";
}
