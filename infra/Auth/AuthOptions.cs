namespace RapidStart.Infrastructure.Auth;

/// <summary>
/// Sign-in settings (section <c>RapidStart:Auth</c>): the Entra ID app registration that the pages sign
/// in with and the API validates tokens for. The same keys point at Entra in Azure and at the local
/// OpenID Connect provider on the local host; nothing else differs.
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "RapidStart:Auth";

    /// <summary>Entra's tenant for personal Microsoft accounts (outlook.com, hotmail.com, live.com…).</summary>
    public const string PersonalAccountsTenantId = "9188040d-6c67-4c5b-b112-36a304b66dad";

    /// <summary>The named HttpClient that fetches the authority's metadata and keys (the local host makes it trust its development certificate).</summary>
    public const string MetadataHttpClientName = "RapidStart.Auth.Metadata";

    /// <summary>
    /// The authority the browser signs in at: <c>https://login.microsoftonline.com/common</c> (work or
    /// school accounts of any tenant, and personal accounts). Its v2.0 metadata gives the issuer template
    /// (<c>https://login.microsoftonline.com/{tenantid}/v2.0</c>) and the signing keys.
    /// </summary>
    public string Authority { get; set; } = "https://login.microsoftonline.com/common";

    /// <summary><c>AAD</c> for Entra ID; <c>OIDC</c> for any other OpenID Connect provider (the local one).</summary>
    public string ProtocolMode { get; set; } = "AAD";

    /// <summary>The app registration's application (client) ID: the pages' client, and the audience of v2.0 access tokens.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The Application ID URI; also accepted as audience. Empty: <c>api://{ClientId}</c>.</summary>
    public string? ApplicationIdUri { get; set; }

    /// <summary>The exposed API scope the pages ask for (its full name is <see cref="ApplicationIdUri"/>/<see cref="ScopeName"/>).</summary>
    public string ScopeName { get; set; } = "access_as_user";

    /// <summary>The operator's own tenant: only its users with app role Support are Support.</summary>
    public string? OperatorTenantId { get; set; }

    /// <summary>How long a tenant's partner registration is remembered by one instance (0: read on every request).</summary>
    public TimeSpan PartnerRegistryCacheLifetime { get; set; } = TimeSpan.FromSeconds(30);

    public string EffectiveApplicationIdUri => string.IsNullOrEmpty(ApplicationIdUri) ? $"api://{ClientId}" : ApplicationIdUri;

    /// <summary>The scope the pages request: <c>api://{clientId}/access_as_user</c>.</summary>
    public string Scope => $"{EffectiveApplicationIdUri}/{ScopeName}";

    /// <summary>The v2.0 authority whose metadata holds the issuer template and the keys.</summary>
    public string MetadataAuthority
    {
        get
        {
            var authority = Authority.TrimEnd('/');
            return authority.EndsWith("/v2.0", StringComparison.OrdinalIgnoreCase) ? authority : authority + "/v2.0";
        }
    }
}
