using System.Net;
using Microsoft.AspNetCore;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using RapidStart.Domain.Lifecycle;
using RapidStart.Infrastructure.Voice;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RapidStart.LocalHost.Identity;

/// <summary>
/// A real OpenID Connect provider standing in for Entra ID on the local host, in Development only:
/// discovery, keys, authorization code + PKCE for the public client, refresh tokens and sign-out, on an
/// HTTPS endpoint of its own with Entra's paths (authority <c>{Url}/common/v2.0</c>). The browser code
/// (MSAL.js) and the API's token validation run against it exactly as against Entra.
/// </summary>
public static class LocalIdentityProvider
{

    public const string AuthorizePath = "/common/oauth2/v2.0/authorize";
    public const string TokenPath = "/common/oauth2/v2.0/token";
    public const string EndSessionPath = "/common/oauth2/v2.0/logout";
    public const string DiscoveryPath = "/common/v2.0/.well-known/openid-configuration";
    public const string KeysPath = "/common/discovery/v2.0/keys";

    private const string CorsPolicy = "RapidStart.LocalIdentity";

    /// <summary>
    /// Adds the provider, and the settings the API needs to trust it (authority, protocol mode, client
    /// id, operator tenant, the metadata client), unless they are given. Does nothing outside Development.
    /// </summary>
    public static WebApplicationBuilder AddLocalIdentity(this WebApplicationBuilder builder)
    {
        if (!builder.Environment.IsDevelopment())
        {
            return builder;
        }

        var configuration = builder.Configuration;
        var options = configuration.GetSection(LocalIdentityOptions.SectionName).Get<LocalIdentityOptions>() ?? new LocalIdentityOptions();
        var seedFile = configuration["RapidStart:Voice:SeedFile"];
        var directory = new LocalDirectory(string.IsNullOrEmpty(seedFile) || !File.Exists(seedFile) ? [] : VoiceSeedFile.Load(seedFile).Select(a => a.PartnerOfRecord));

        var defaults = new Dictionary<string, string?>();
        void Default(string key, string value)
        {
            if (string.IsNullOrEmpty(configuration[key]))
            {
                defaults[key] = value;
            }
        }

        Default("RapidStart:Auth:Authority", options.Authority.AbsoluteUri);
        Default("RapidStart:Auth:ProtocolMode", "OIDC");
        Default("RapidStart:Auth:ClientId", LocalIdentitySettings.DefaultClientId);
        Default("RapidStart:Auth:OperatorTenantId", directory.Operator.Id.ToString("D"));
        configuration.AddInMemoryCollection(defaults);

        var publicBaseUrl = configuration.GetValue<Uri>("RapidStart:Lifecycle:PublicBaseUrl") ?? new LifecycleOptions().PublicBaseUrl;
        var settings = new LocalIdentitySettings(
            options,
            configuration["RapidStart:Auth:ClientId"]!,
            publicBaseUrl,
            LocalIdentityKeys.LoadOrCreateCertificate(Path.GetFullPath(options.CertificatePath)),
            LocalIdentityKeys.LoadOrCreateSigningKey(Path.GetFullPath(options.SigningKeyPath)));

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(directory);
        builder.Services.AddSingleton<LocalTokenIssuer>();
        builder.Services.AddHostedService<SeedPartnerRegistration>();

        var url = new Uri(options.Url);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            void Https(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen) =>
                listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificate = settings.Certificate });
            if (url.IsLoopback && url.HostNameType == UriHostNameType.Dns)
            {
                kestrel.ListenLocalhost(url.Port, Https);
            }
            else
            {
                kestrel.Listen(IPAddress.Parse(url.Host), url.Port, Https);
            }
        });

        builder.Services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy => policy
            .WithOrigins(publicBaseUrl.GetLeftPart(UriPartial.Authority))
            .WithMethods(HttpMethods.Get, HttpMethods.Post)
            .AllowAnyHeader()));

        builder.Services.AddHttpClient(RapidStart.Infrastructure.Auth.AuthOptions.MetadataHttpClientName).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = LocalIdentityKeys.TrustingAlso(settings.Certificate) },
        });

        builder.Services.AddOpenIddict().AddServer(server =>
        {
            server.SetIssuer(settings.Url)
                .SetAuthorizationEndpointUris(AuthorizePath.TrimStart('/'))
                .SetTokenEndpointUris(TokenPath.TrimStart('/'))
                .SetEndSessionEndpointUris(EndSessionPath.TrimStart('/'))
                .SetConfigurationEndpointUris(DiscoveryPath.TrimStart('/'))
                .SetJsonWebKeySetEndpointUris(KeysPath.TrimStart('/'));
            server.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow().RequireProofKeyForCodeExchange();
            server.Configure(o => o.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));
            server.RegisterClaims("tid", "oid", "ver", "azp", "scp", "roles", "xms_edov", Claims.PreferredUsername, Claims.Email, Claims.Name, Claims.Nonce);
            server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess, $"api://{settings.ClientId}/{LocalIdentitySettings.ApiScopeName}");
            server.SetAccessTokenLifetime(options.TokenLifetime).SetIdentityTokenLifetime(options.TokenLifetime);
            server.AddSigningKey(settings.SigningKey);

            // Codes and refresh tokens are OpenIddict's own, encrypted with a key derived from the
            // signing key: they stay readable across restarts, as the identities do.
            server.AddEncryptionKey(new SymmetricSecurityKey(HKDF.DeriveKey(
                HashAlgorithmName.SHA256, settings.SigningKey.Rsa.ExportPkcs8PrivateKey(), 32, info: Encoding.ASCII.GetBytes("rapidstart-local-identity-encryption"))));
            server.DisableAccessTokenEncryption();
            server.EnableDegradedMode();
            server.UseAspNetCore()
                .EnableAuthorizationEndpointPassthrough()
                .EnableEndSessionEndpointPassthrough();
            foreach (var handler in ProviderHandlers.All)
            {
                server.AddEventHandler(handler);
            }
        });
        return builder;
    }

    /// <summary>The provider's middleware (CORS on its own port, OpenIddict) and its pages. Does nothing outside Development.</summary>
    public static void UseLocalIdentity(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            return;
        }

        var settings = app.Services.GetRequiredService<LocalIdentitySettings>();
        var port = settings.Url.Port;
        app.UseWhen(context => context.Connection.LocalPort == port, branch => branch.UseCors(CorsPolicy));

        // OpenIddict answers in the authentication middleware, so it goes after CORS. Called here, or
        // WebApplication would add it itself at the very start of the pipeline, ahead of CORS. Its
        // endpoints are the provider's paths, and it refuses them over plain HTTP.
        app.UseAuthentication();

        var host = $"*:{port}";
        app.MapMethods(AuthorizePath, [HttpMethods.Get, HttpMethods.Post], Authorize).RequireHost(host);
        app.MapMethods(EndSessionPath, [HttpMethods.Get, HttpMethods.Post], EndSession).RequireHost(host);
        app.MapGet("/", () => Results.Content(SignInPage.Home(settings.Options.Authority.AbsoluteUri), "text/html; charset=utf-8")).RequireHost(host);
        app.MapDevelopmentToken();
    }

    /// <summary>
    /// The sign-in form, and its answer: whoever is entered signs in, as the directory knows that
    /// address. <c>prompt=none</c> has no session to reuse here, so it is <c>login_required</c>.
    /// </summary>
    private static async Task<IResult> Authorize(HttpContext http, LocalDirectory directory, LocalTokenIssuer issuer)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        string? error = null;
        var entered = HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType
            ? (await http.Request.ReadFormAsync(http.RequestAborted))[SignInPage.AccountField].ToString().Trim()
            : null;
        if (!string.IsNullOrEmpty(entered))
        {
            if (LocalDirectory.IsAddress(entered))
            {
                return Results.SignIn(PrincipalOf(directory.SignIn(entered), request, issuer), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            }

            error = "Enter an email address, like agent@p-1001.example.";
        }
        else if (request.HasPromptValue(PromptValues.None))
        {
            return Results.Forbid(
                new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.LoginRequired,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The local provider keeps no session; sign in interactively.",
                }),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        var parameters = request.GetParameters().Select(p => new KeyValuePair<string, string>(p.Key, p.Value.ToString() ?? ""));
        return Results.Content(SignInPage.Render(AuthorizePath, parameters, entered ?? request.LoginHint, error), "text/html; charset=utf-8");
    }

    private static ClaimsPrincipal PrincipalOf(LocalAccount account, OpenIddictRequest request, LocalTokenIssuer issuer)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.PreferredUsername, Claims.Role);
        identity.SetClaim(Claims.Subject, issuer.SubjectOf(account))
            .SetClaim(Claims.PreferredUsername, account.Address)
            .SetClaim("tid", account.Tenant.Id.ToString("D"));
        identity.SetScopes(request.GetScopes());
        identity.SetAudiences(issuer.ClientId);
        identity.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
        return new ClaimsPrincipal(identity);
    }

    private static IResult EndSession(HttpContext http)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        return string.IsNullOrEmpty(request.PostLogoutRedirectUri)
            ? Results.Content(SignInPage.SignedOut(), "text/html; charset=utf-8")
            : Results.SignOut(authenticationSchemes: [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }
}
