using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Microsoft.IdentityModel.Validators;

namespace RapidStart.Infrastructure.Auth;

/// <summary>
/// Validates an <c>Authorization: Bearer</c> token the way Microsoft's libraries validate Entra ID
/// tokens for a multi-tenant app: signature from the authority's JWKS (metadata and keys cached and
/// refreshed by <see cref="ConfigurationManager{T}"/>, also when a token names an unknown key), the
/// issuer by <see cref="AadIssuerValidator"/> against the <c>{tenantid}</c> template (so the issuer's
/// tenant must be the token's <c>tid</c>), the signing key's own issuer
/// (<c>EnableAadSigningKeyIssuerValidation</c>), the audience (client id or Application ID URI), the
/// lifetime, and RS256 only, so <c>alg: none</c> and symmetric keys are refused.
/// </summary>
public sealed partial class BearerTokenValidator
{
    private const int MaxTokenLength = 16_384;

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;
    private readonly ILogger<BearerTokenValidator> _logger;

    public BearerTokenValidator(IOptions<AuthOptions> options, IHttpClientFactory httpClients, ILogger<BearerTokenValidator> logger)
    {
        var auth = options.Value;
        _logger = logger;
        var http = httpClients.CreateClient(AuthOptions.MetadataHttpClientName);
        var metadata = new ConfigurationManager<OpenIdConnectConfiguration>(
            auth.MetadataAuthority + "/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(http) { RequireHttps = true });
        _parameters = new TokenValidationParameters
        {
            ConfigurationManager = metadata,
            IssuerValidator = AadIssuerValidator.GetAadIssuerValidator(auth.MetadataAuthority, http).Validate,
            ValidAudiences = [auth.ClientId, auth.EffectiveApplicationIdUri],
            ValidateIssuerSigningKey = true,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromMinutes(2),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        };
        _parameters.EnableAadSigningKeyIssuerValidation();
    }

    /// <summary>The signed-in account, or null when the header is missing or its token is not valid.</summary>
    public async Task<SignedInAccount?> ValidateAsync(string? authorizationHeader, CancellationToken cancellationToken)
    {
        const string scheme = "Bearer ";
        if (string.IsNullOrEmpty(authorizationHeader) || !authorizationHeader.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = authorizationHeader[scheme.Length..].Trim();
        if (token.Length is 0 or > MaxTokenLength)
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        // A copy per token: after a signature failure the handler sets RefreshBeforeValidation and
        // ValidateWithLKG on the parameters it was given, which would then hold for every later token.
        var result = await _handler.ValidateTokenAsync(token, _parameters.Clone());
        if (!result.IsValid || result.SecurityToken is not JsonWebToken valid)
        {
            LogRefused(result.Exception?.GetType().Name ?? "no token");
            return null;
        }

        return EntraClaims.Read(valid);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bearer token refused: {Reason}")]
    private partial void LogRefused(string reason);
}
