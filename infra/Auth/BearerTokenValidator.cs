using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using RapidStart.Domain.Callers;

namespace RapidStart.Infrastructure.Auth;

/// <summary>
/// Turns an <c>Authorization: Bearer</c> header into a <see cref="Caller"/>: signature, issuer,
/// audience and lifetime are all checked, and unsigned (<c>alg: none</c>) tokens are refused.
/// </summary>
public sealed class BearerTokenValidator
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly AuthOptions _options;
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _metadata;
    private readonly ILogger<BearerTokenValidator> _logger;

    public BearerTokenValidator(IOptions<AuthOptions> options, ILogger<BearerTokenValidator> logger)
    {
        _options = options.Value;
        _logger = logger;
        if (!string.IsNullOrEmpty(_options.Authority))
        {
            var metadataAddress = _options.Authority.TrimEnd('/') + "/.well-known/openid-configuration";
            _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(metadataAddress, new OpenIdConnectConfigurationRetriever());
        }
    }

    /// <summary>The caller, or null when the header is missing or the token is not valid.</summary>
    public async Task<Caller?> ValidateAsync(string? authorizationHeader, CancellationToken cancellationToken)
    {
        const string scheme = "Bearer ";
        if (string.IsNullOrEmpty(authorizationHeader) || !authorizationHeader.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = authorizationHeader[scheme.Length..].Trim();
        if (token.Length is 0 or > 16_384)
        {
            return null;
        }

        var parameters = await BuildParametersAsync(cancellationToken);
        var result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
        {
            _logger.LogInformation("Bearer token refused: {Reason}", result.Exception?.GetType().Name);
            return null;
        }

        return ToCaller(result.ClaimsIdentity);
    }

    private async Task<TokenValidationParameters> BuildParametersAsync(CancellationToken cancellationToken)
    {
        var keys = new List<SecurityKey>();
        var issuers = new List<string>();
        if (_metadata is not null)
        {
            var configuration = await _metadata.GetConfigurationAsync(cancellationToken);
            keys.AddRange(configuration.SigningKeys);
            issuers.Add(_options.Issuer ?? configuration.Issuer);
        }

        return new TokenValidationParameters
        {
            ValidIssuers = issuers,
            ValidAudience = _options.Audience,
            IssuerSigningKeys = keys,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromMinutes(2),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.HmacSha256],
        };
    }

    private static Caller? ToCaller(ClaimsIdentity identity)
    {
        var subject = identity.FindFirst("sub")?.Value;
        if (string.IsNullOrWhiteSpace(subject))
        {
            return null;
        }

        var roles = identity.FindAll("roles").SelectMany(ExpandRoles).ToHashSet(StringComparer.Ordinal);
        var partnerId = identity.FindFirst("partner_id")?.Value;
        return new Caller(subject, roles, string.IsNullOrWhiteSpace(partnerId) ? null : partnerId);
    }

    /// <summary>A roles claim may arrive as one JSON array value or as repeated values.</summary>
    private static IEnumerable<string> ExpandRoles(Claim claim)
    {
        if (claim.ValueType == JsonClaimValueTypes.JsonArray || claim.Value.StartsWith('['))
        {
            return JsonSerializer.Deserialize<string[]>(claim.Value) ?? [];
        }

        return [claim.Value];
    }
}
