using Microsoft.IdentityModel.JsonWebTokens;
using RapidStart.Infrastructure.Auth;

namespace RapidStart.UnitTests.Auth;

/// <summary>The claim mapping of docs/security.md ("Identity model"), on Entra-shaped tokens.</summary>
public class EntraClaimsTests
{
    private readonly EntraTokens _entra = new();

    private SignedInAccount? Read(Dictionary<string, object> claims) => EntraClaims.Read(new JsonWebToken(_entra.Issue(claims)));

    [Fact]
    public void Read_WorkAccountWithXmsEdovTrue_VerifiesTheEmailLowerCased()
    {
        // Arrange
        var claims = EntraTokens.WorkAccount("Dana@Contoso.com");

        // Act
        var account = Read(claims);

        // Assert
        Assert.Equal("dana@contoso.com", account!.VerifiedAddress);
        Assert.Equal("Dana@Contoso.com", account.Name);
    }

    [Fact]
    public void Read_WorkAccountWithXmsEdovFalse_HasNoVerifiedAddress()
    {
        // Arrange: the tenant did not verify that it owns contoso.com; anyone could have typed it
        var claims = EntraTokens.WorkAccount();
        claims["xms_edov"] = false;

        // Act + Assert
        Assert.Null(Read(claims)!.VerifiedAddress);
    }

    [Fact]
    public void Read_WorkAccountWithoutXmsEdov_HasNoVerifiedAddress()
    {
        // Arrange
        var claims = EntraTokens.WorkAccount();
        claims.Remove("xms_edov");

        // Act + Assert
        Assert.Null(Read(claims)!.VerifiedAddress);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("1")]
    public void Read_XmsEdovAsAString_CountsAsTrue(string value)
    {
        // Arrange: tenants that map the claim through claims mapping send it as a string
        var claims = EntraTokens.WorkAccount();
        claims["xms_edov"] = value;

        // Act + Assert
        Assert.Equal("dana@contoso.com", Read(claims)!.VerifiedAddress);
    }

    [Fact]
    public void Read_WorkAccountPreferredUsernameWithoutEmail_HasNoVerifiedAddress()
    {
        // Arrange: preferred_username is whatever the tenant's administrator set; it decides nothing
        var claims = EntraTokens.WorkAccount();
        claims.Remove("email");

        // Act
        var account = Read(claims);

        // Assert
        Assert.Null(account!.VerifiedAddress);
        Assert.Equal("dana@contoso.com", account.Name);
    }

    [Fact]
    public void Read_PersonalAccount_VerifiesItsEmailWithoutXmsEdov()
    {
        // Act
        var account = Read(EntraTokens.PersonalAccount());

        // Assert
        Assert.Equal(EntraTokens.PersonalTenant, account!.Identity.TenantId);
        Assert.Equal("dana@outlook.com", account.VerifiedAddress);
    }

    [Fact]
    public void Read_RecycledAddressWithANewOid_IsAnotherIdentity()
    {
        // Arrange: the address was given to a new account in the same tenant
        var before = EntraTokens.WorkAccount();
        var after = EntraTokens.WorkAccount();
        after["oid"] = "00000000-0000-0000-0000-0000000000b2";

        // Act
        var first = Read(before)!;
        var second = Read(after)!;

        // Assert
        Assert.Equal(first.VerifiedAddress, second.VerifiedAddress);
        Assert.NotEqual(first.Identity, second.Identity);
    }

    [Theory]
    [InlineData("tid")]
    [InlineData("oid")]
    public void Read_WithoutTidOrOid_IsNoAccount(string claim)
    {
        // Arrange
        var claims = EntraTokens.WorkAccount();
        claims.Remove(claim);

        // Act + Assert
        Assert.Null(Read(claims));
    }

    [Fact]
    public void Read_OidThatIsNotAGuid_IsNoAccount()
    {
        // Arrange
        var claims = EntraTokens.WorkAccount();
        claims["oid"] = "dana@contoso.com";

        // Act + Assert
        Assert.Null(Read(claims));
    }

    [Fact]
    public void Read_Roles_AreCaseInsensitiveAndAPartnerIdClaimIsIgnored()
    {
        // Arrange: a tenant can put anything in its tokens; partner_id is not a claim we read
        var claims = EntraTokens.WorkAccount();
        claims["roles"] = new[] { "partner", "Reader" };
        claims["partner_id"] = "P-9999";

        // Act
        var account = Read(claims)!;

        // Assert
        Assert.True(account.HasRole("Partner"));
        Assert.False(account.HasRole("Support"));
    }
}
