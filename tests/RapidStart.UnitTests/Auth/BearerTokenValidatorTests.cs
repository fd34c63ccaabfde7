using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Moq;
using RapidStart.Infrastructure.Auth;

namespace RapidStart.UnitTests.Auth;

/// <summary>The validator against a fake Entra common endpoint: what it accepts, and every way a token is refused (401).</summary>
public class BearerTokenValidatorTests
{
    private readonly EntraTokens _entra = new();
    private readonly BearerTokenValidator _validator;

    public BearerTokenValidatorTests()
    {
        var factory = new Mock<IHttpClientFactory>();
        factory.Setup(f => f.CreateClient(AuthOptions.MetadataHttpClientName)).Returns(() => new HttpClient(_entra.Metadata()));
        var options = Options.Create(new AuthOptions { Authority = _entra.Authority, ClientId = EntraTokens.ClientId });
        _validator = new BearerTokenValidator(options, factory.Object, NullLogger<BearerTokenValidator>.Instance);
    }

    private Task<SignedInAccount?> ValidateAsync(string token) => _validator.ValidateAsync("Bearer " + token, CancellationToken.None);

    [Fact]
    public async Task ValidateAsync_work_account_of_any_tenant_is_the_account_with_its_identity()
    {
        // Act
        var account = await ValidateAsync(_entra.Issue(EntraTokens.WorkAccount()));

        // Assert
        Assert.NotNull(account);
        Assert.Equal(EntraTokens.ContosoTenant, account.Identity.TenantId);
        Assert.Equal("00000000-0000-0000-66f3-3332eca7ea81", account.Identity.ObjectId);
        Assert.Equal("dana@contoso.com", account.VerifiedAddress);
    }

    [Fact]
    public async Task ValidateAsync_personal_Microsoft_account_is_accepted()
    {
        // Act
        var account = await ValidateAsync(_entra.Issue(EntraTokens.PersonalAccount()));

        // Assert
        Assert.Equal(EntraTokens.PersonalTenant, account!.Identity.TenantId);
        Assert.Equal("dana@outlook.com", account.VerifiedAddress);
    }

    [Fact]
    public async Task ValidateAsync_accepts_the_application_ID_URI_as_audience()
    {
        // Act + Assert
        Assert.NotNull(await ValidateAsync(_entra.Issue(EntraTokens.WorkAccount(), audience: $"api://{EntraTokens.ClientId}")));
    }

    [Fact]
    public async Task ValidateAsync_another_audience_is_refused()
    {
        // Act + Assert
        Assert.Null(await ValidateAsync(_entra.Issue(EntraTokens.WorkAccount(), audience: "api://some-other-api")));
    }

    [Fact]
    public async Task ValidateAsync_expired_token_is_refused()
    {
        // Act + Assert: past the two minutes of clock skew
        Assert.Null(await ValidateAsync(_entra.Issue(EntraTokens.WorkAccount(), expires: DateTime.UtcNow.AddMinutes(-5))));
    }

    [Fact]
    public async Task ValidateAsync_signed_by_another_key_with_the_same_key_ID_is_refused()
    {
        // Arrange: an attacker's key that claims the published key's id
        var published = _entra.Issue(EntraTokens.WorkAccount());
        var kid = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(published).Kid;
        var forged = _entra.Issue(EntraTokens.WorkAccount(), key: new RsaSecurityKey(RSA.Create(2048)) { KeyId = kid });

        // Act + Assert
        Assert.Null(await ValidateAsync(forged));
    }

    [Fact]
    public async Task ValidateAsync_accepts_a_valid_token_after_a_forged_one()
    {
        // Arrange: a signature failure makes the handler switch the parameters it was given to
        // "refresh first, then last known good"; that must not stick for the next caller
        var published = _entra.Issue(EntraTokens.WorkAccount());
        var kid = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(published).Kid;
        Assert.Null(await ValidateAsync(_entra.Issue(EntraTokens.WorkAccount(), key: new RsaSecurityKey(RSA.Create(2048)) { KeyId = kid })));
        Assert.Null(await ValidateAsync(_entra.Issue(EntraTokens.WorkAccount(), key: new RsaSecurityKey(RSA.Create(2048)) { KeyId = "unknown" })));

        // Act
        var account = await ValidateAsync(published);

        // Assert
        Assert.NotNull(account);
    }

    [Fact]
    public async Task ValidateAsync_alg_none_is_refused()
    {
        // Arrange: the same claims with no signature
        static string Part(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        var unsigned = Part("""{"alg":"none","typ":"JWT"}""") + "." + Part(
            $$"""{"iss":"{{_entra.IssuerOf(EntraTokens.ContosoTenant)}}","aud":"{{EntraTokens.ClientId}}","exp":{{exp}},"tid":"{{EntraTokens.ContosoTenant}}","oid":"00000000-0000-0000-66f3-3332eca7ea81"}""") + ".";

        // Act + Assert
        Assert.Null(await ValidateAsync(unsigned));
    }

    [Fact]
    public async Task ValidateAsync_symmetric_key_token_is_refused()
    {
        // Act + Assert: HS256 with a key the caller chose
        var hmac = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = "hmac" };
        Assert.Null(await ValidateAsync(new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _entra.IssuerOf(EntraTokens.ContosoTenant),
            Audience = EntraTokens.ClientId,
            Claims = EntraTokens.WorkAccount(),
            SigningCredentials = new SigningCredentials(hmac, SecurityAlgorithms.HmacSha256),
        })));
    }

    [Fact]
    public async Task ValidateAsync_issuer_of_another_tenant_than_tid_is_refused()
    {
        // Arrange: the templated issuer must name the token's own tenant
        var token = _entra.Issue(EntraTokens.WorkAccount(), issuer: _entra.IssuerOf("11111111-2222-3333-4444-555555555555"));

        // Act + Assert
        Assert.Null(await ValidateAsync(token));
    }

    [Fact]
    public async Task ValidateAsync_issuer_of_another_authority_is_refused()
    {
        // Act + Assert
        Assert.Null(await ValidateAsync(_entra.Issue(EntraTokens.WorkAccount(), issuer: $"https://evil.example/{EntraTokens.ContosoTenant}/v2.0")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer ")]
    [InlineData("Bearer not-a-jwt")]
    public async Task ValidateAsync_no_usable_bearer_token_is_null(string? header)
    {
        // Act + Assert
        Assert.Null(await _validator.ValidateAsync(header, CancellationToken.None));
    }
}
