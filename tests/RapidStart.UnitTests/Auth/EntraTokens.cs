using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace RapidStart.UnitTests.Auth;

/// <summary>
/// Tokens shaped like Microsoft Entra ID's v2.0 access tokens, signed by a key that a fake
/// <c>login.microsoftonline.com</c> publishes in its JWKS, with the common endpoint's
/// <c>{tenantid}</c> issuer template in its metadata.
/// </summary>
internal sealed class EntraTokens
{
    public const string ClientId = "7a1c2e4f-0b3d-4c5e-8f6a-9b0c1d2e3f40";
    public const string PersonalTenant = "9188040d-6c67-4c5b-b112-36a304b66dad";
    public const string ContosoTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "key-" + Guid.NewGuid().ToString("N")[..8] };

    /// <summary>A host name of its own: the issuer validator caches per authority for the process.</summary>
    public string Host { get; } = $"login.{Guid.NewGuid():N}.example";

    public string Authority => $"https://{Host}/common";

    public string IssuerOf(string tenantId) => $"https://{Host}/{tenantId}/v2.0";

    /// <summary>Claims of a work account in Contoso's tenant, with a verified email; change what a test needs.</summary>
    public static Dictionary<string, object> WorkAccount(string address = "dana@contoso.com") => new()
    {
        ["tid"] = ContosoTenant,
        ["oid"] = "00000000-0000-0000-66f3-3332eca7ea81",
        ["sub"] = "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        ["preferred_username"] = address,
        ["email"] = address,
        ["xms_edov"] = true,
        ["name"] = "Dana Admin",
        ["scp"] = "access_as_user",
        ["ver"] = "2.0",
    };

    public static Dictionary<string, object> PersonalAccount(string address = "dana@outlook.com") => new()
    {
        ["tid"] = PersonalTenant,
        ["oid"] = "00000000-0000-0000-2f1e-7c0d5a3b9e11",
        ["sub"] = "AAAAAAAAAAAAAAAAAAAAAOz2yBmBq1d0c9k0Bq8jPJw",
        ["preferred_username"] = address,
        ["email"] = address,
        ["name"] = "Dana",
        ["scp"] = "access_as_user",
        ["ver"] = "2.0",
    };

    /// <summary>Signs <paramref name="claims"/> as the authority would; issuer from the token's tid unless given.</summary>
    public string Issue(Dictionary<string, object> claims, string? issuer = null, string audience = ClientId, DateTime? expires = null, SecurityKey? key = null)
    {
        var now = DateTime.UtcNow;
        var end = expires ?? now.AddHours(1);
        var start = end < now ? end.AddHours(-1) : now;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? IssuerOf(claims.TryGetValue("tid", out var tid) ? (string)tid : "common"),
            Audience = audience,
            Claims = claims,
            IssuedAt = start,
            NotBefore = start,
            Expires = end,
            SigningCredentials = new SigningCredentials(key ?? _key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>What the common endpoint serves: its v2.0 metadata and the keys (each with its own issuer template, as Entra's JWKS has).</summary>
    public HttpMessageHandler Metadata() => new MetadataHandler(this);

    private sealed class MetadataHandler(EntraTokens tokens) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            var template = $"https://{tokens.Host}/{{tenantid}}/v2.0";
            object? body = path switch
            {
                "/common/v2.0/.well-known/openid-configuration" => new Dictionary<string, object>
                {
                    ["issuer"] = template,
                    ["jwks_uri"] = $"https://{tokens.Host}/common/discovery/v2.0/keys",
                    ["authorization_endpoint"] = $"https://{tokens.Host}/common/oauth2/v2.0/authorize",
                    ["token_endpoint"] = $"https://{tokens.Host}/common/oauth2/v2.0/token",
                    ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                },
                "/common/discovery/v2.0/keys" => new { keys = new[] { Jwk(tokens._key, template) } },
                _ => null,
            };
            var response = new HttpResponseMessage(body is null ? HttpStatusCode.NotFound : HttpStatusCode.OK)
            {
                Content = new StringContent(body is null ? "" : JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
            };
            return Task.FromResult(response);
        }

        private static Dictionary<string, object> Jwk(RsaSecurityKey key, string issuer)
        {
            var parameters = key.Rsa.ExportParameters(false);
            return new()
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["kid"] = key.KeyId,
                ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                ["issuer"] = issuer,
            };
        }
    }
}
