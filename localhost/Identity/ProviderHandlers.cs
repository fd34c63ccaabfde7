using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RapidStart.LocalHost.Identity;

/// <summary>
/// What the provider adds to OpenIddict's server (in degraded mode: no application or token
/// store) so that it behaves like Entra's common endpoint for one public client.
/// </summary>
public static class ProviderHandlers
{
    public static IEnumerable<OpenIddictServerHandlerDescriptor> All =>
    [
        IgnoreScopeOfCodeRedemption.Descriptor,
        ValidateAuthorizationClient.Descriptor,
        ValidateTokenClient.Descriptor,
        ValidateEndSessionRedirect.Descriptor,
        WriteEntraShapedTokens.Descriptor,
        AcceptTenantIssuers.Descriptor,
        PublishIssuerTemplate.Descriptor,
    ];

    /// <summary>A custom handler, by default ahead of OpenIddict's own checks.</summary>
    private static OpenIddictServerHandlerDescriptor Custom<TContext, THandler>(int order = int.MinValue + 50_000)
        where TContext : BaseContext
        where THandler : class, IOpenIddictServerHandler<TContext> =>
        OpenIddictServerHandlerDescriptor.CreateBuilder<TContext>()
            .UseSingletonHandler<THandler>()
            .SetOrder(order)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <summary>
    /// MSAL.js (like Entra, which accepts it) sends <c>scope</c> when it redeems a code; OpenIddict
    /// refuses that parameter for this grant. The scopes granted are the code's in any case. Runs
    /// after the request is read, before it is validated.
    /// </summary>
    public sealed class IgnoreScopeOfCodeRedemption : IOpenIddictServerHandler<ExtractTokenRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = Custom<ExtractTokenRequestContext, IgnoreScopeOfCodeRedemption>(int.MaxValue - 100_000);

        public ValueTask HandleAsync(ExtractTokenRequestContext context)
        {
            if (context.Request is { } request && request.IsAuthorizationCodeGrantType())
            {
                request.Scope = null;
            }

            return default;
        }
    }

    /// <summary>
    /// The one public client, with its exact redirect URIs and PKCE S256. Runs before OpenIddict's own
    /// checks, so a request it refuses is answered here, never redirected to an unregistered URI.
    /// </summary>
    public sealed class ValidateAuthorizationClient(LocalIdentitySettings settings) : IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = Custom<ValidateAuthorizationRequestContext, ValidateAuthorizationClient>();

        public ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
        {
            if (!string.Equals(context.Request.ClientId, settings.ClientId, StringComparison.Ordinal))
            {
                context.Reject(Errors.InvalidClient, $"The only client here is '{settings.ClientId}' (RapidStart:Auth:ClientId).");
            }
            else if (context.Request.RedirectUri is not { } redirect || !settings.RedirectUris.Contains(redirect))
            {
                context.Reject(Errors.InvalidRequest, $"The redirect_uri is not registered; registered: {string.Join(", ", settings.RedirectUris)}.");
            }
            else if (!string.Equals(context.Request.CodeChallengeMethod, CodeChallengeMethods.Sha256, StringComparison.Ordinal))
            {
                context.Reject(Errors.InvalidRequest, "PKCE with code_challenge_method=S256 is required.");
            }

            return default;
        }
    }

    /// <summary>The token endpoint serves the same public client only (OpenIddict checks the code was issued to it).</summary>
    public sealed class ValidateTokenClient(LocalIdentitySettings settings) : IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = Custom<ValidateTokenRequestContext, ValidateTokenClient>();

        public ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            if (!string.Equals(context.Request.ClientId, settings.ClientId, StringComparison.Ordinal))
            {
                context.Reject(Errors.InvalidClient, $"The only client here is '{settings.ClientId}'.");
            }

            return default;
        }
    }

    /// <summary>Sign-out returns only to a registered redirect URI or the API's own base address.</summary>
    public sealed class ValidateEndSessionRedirect(LocalIdentitySettings settings) : IOpenIddictServerHandler<ValidateEndSessionRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = Custom<ValidateEndSessionRequestContext, ValidateEndSessionRedirect>();

        public ValueTask HandleAsync(ValidateEndSessionRequestContext context)
        {
            if (context.Request.PostLogoutRedirectUri is { Length: > 0 } target
                && !settings.RedirectUris.Contains(target)
                && target != settings.PublicBaseUrl.AbsoluteUri)
            {
                context.Reject(Errors.InvalidRequest, "The post_logout_redirect_uri is not registered.");
            }

            return default;
        }
    }

    /// <summary>
    /// Access and ID tokens are written by <see cref="LocalTokenIssuer"/>, Entra-shaped (issuer per
    /// tenant, <c>typ</c> JWT, never encrypted); OpenIddict keeps writing its own codes and refresh
    /// tokens. It skips generation when a handler already set the token.
    /// </summary>
    public sealed class WriteEntraShapedTokens(LocalDirectory directory, LocalTokenIssuer issuer) : IOpenIddictServerHandler<GenerateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = Custom<GenerateTokenContext, WriteEntraShapedTokens>(OpenIddictServerHandlers.Protection.AttachSecurityCredentials.Descriptor.Order + 500);

        public ValueTask HandleAsync(GenerateTokenContext context)
        {
            if (context.TokenType is not (TokenTypeIdentifiers.AccessToken or TokenTypeIdentifiers.IdentityToken))
            {
                return default;
            }

            var address = context.Principal.GetClaim(Claims.PreferredUsername)
                ?? throw new InvalidOperationException("The signed-in principal has no preferred_username.");
            var account = directory.SignIn(address);
            var issuedAt = context.Principal.GetCreationDate() ?? DateTimeOffset.UtcNow;
            var expires = context.Principal.GetExpirationDate() ?? issuedAt.AddHours(1);
            if (context.TokenType == TokenTypeIdentifiers.AccessToken)
            {
                var prefix = $"api://{issuer.ClientId}/";
                var scopes = context.Principal.GetScopes().Where(s => s.StartsWith(prefix, StringComparison.Ordinal)).Select(s => s[prefix.Length..]);
                context.Token = issuer.AccessToken(account, scopes, issuedAt, expires);
            }
            else
            {
                var protocol = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var type in new[] { Claims.Nonce, Claims.AccessTokenHash, Claims.CodeHash })
                {
                    if (context.Principal.GetClaim(type) is { Length: > 0 } value)
                    {
                        protocol[type] = value;
                    }
                }

                context.Token = issuer.IdToken(account, protocol, issuedAt, expires);
            }

            return default;
        }
    }

    /// <summary>
    /// Tokens the provider reads back (an <c>id_token_hint</c> at sign-out) carry their tenant's issuer:
    /// accept that one, for the tenant the token names, besides OpenIddict's own.
    /// </summary>
    public sealed class AcceptTenantIssuers(LocalIdentitySettings settings) : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = Custom<ValidateTokenContext, AcceptTenantIssuers>(OpenIddictServerHandlers.Protection.ResolveTokenValidationParameters.Descriptor.Order + 500);

        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            var parameters = context.TokenValidationParameters;
            if (parameters is null || !parameters.ValidateIssuer)
            {
                return default;
            }

            var own = parameters.ValidIssuers?.ToHashSet(StringComparer.Ordinal) ?? [];
            parameters.IssuerValidator = (issuer, token, _) =>
                own.Contains(issuer)
                || (token is JsonWebToken jwt && jwt.TryGetPayloadValue("tid", out string tenant) && Guid.TryParse(tenant, out var tenantId)
                    && string.Equals(issuer, settings.IssuerOf(tenantId), StringComparison.Ordinal))
                    ? issuer
                    : throw new SecurityTokenInvalidIssuerException($"Issuer '{issuer}' is not this provider's.");
            return default;
        }
    }

    /// <summary>Discovery names the issuer as Entra's common endpoint does: <c>{Url}/{tenantid}/v2.0</c>, a template.</summary>
    public sealed class PublishIssuerTemplate(LocalIdentitySettings settings) : IOpenIddictServerHandler<ApplyConfigurationResponseContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = Custom<ApplyConfigurationResponseContext, PublishIssuerTemplate>();

        public ValueTask HandleAsync(ApplyConfigurationResponseContext context)
        {
            if (string.IsNullOrEmpty(context.Error))
            {
                context.Response[Metadata.Issuer] = settings.Options.IssuerTemplate;
            }

            return default;
        }
    }
}
