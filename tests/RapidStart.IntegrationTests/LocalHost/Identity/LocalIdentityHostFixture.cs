using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Microsoft.IdentityModel.Validators;
using RapidStart.Domain.Partners;
using RapidStart.Testing;

namespace RapidStart.IntegrationTests.LocalHost.Identity;

/// <summary>
/// A local host in Development (so with its identity provider) over Azurite, with an in-memory
/// partner registry, and the validation a resource server in Azure runs: Entra's multi-tenant
/// issuer validator over the provider's discovery document, its keys, and the signing-key issuer check.
/// </summary>
public sealed class LocalIdentityHostFixture : IAsyncLifetime
{
    private AzuriteServer? _storage;
    private InProcessLocalHost? _host;

    public InProcessLocalHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public InMemoryPartnerRegistry Registry { get; } = new();

    /// <summary>A client of the provider that trusts its certificate, as a browser told to trust it would.</summary>
    public HttpClient Provider { get; private set; } = null!;

    public string Authority => Host.IdentityUrl + "/common/v2.0";

    public async Task InitializeAsync()
    {
        _storage = await AzuriteServer.SharedOrInMemoryAsync();
        _host = await InProcessLocalHost.StartAsync(_storage.ConnectionString, "idp", configureServices: services => services.AddSingleton<IPartnerRegistry>(Registry));
        Provider = new HttpClient(LocalIdentityTestKeys.TrustingHandler(allowAutoRedirect: false)) { BaseAddress = new Uri(Host.IdentityUrl) };
    }

    /// <summary>
    /// Validates <paramref name="token"/> exactly as the API does against Entra: <c>AadIssuerValidator</c>
    /// for the authority (issuer template vs. the token's tenant), keys from the JWKS through a
    /// <see cref="ConfigurationManager{T}"/>, <c>EnableAadSigningKeyIssuerValidation</c>, audience = client id.
    /// </summary>
    public async Task<TokenValidationResult> ValidateLikeEntraAsync(string token, string? audience = null)
    {
        var metadata = new ConfigurationManager<OpenIdConnectConfiguration>(
            Authority + "/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(Provider) { RequireHttps = true });
        var parameters = new TokenValidationParameters
        {
            ValidAudience = audience ?? DevTokens.ClientId,
            ConfigurationManager = metadata,
            IssuerValidator = AadIssuerValidator.GetAadIssuerValidator(Authority, Provider).Validate,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        };
        parameters.EnableAadSigningKeyIssuerValidation();
        return await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token, parameters);
    }

    public async Task DisposeAsync()
    {
        Provider?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_storage is not null)
        {
            await _storage.DisposeAsync();
        }
    }
}
