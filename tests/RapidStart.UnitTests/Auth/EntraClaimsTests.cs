using Microsoft.IdentityModel.JsonWebTokens;
using RapidStart.Infrastructure.Auth;

namespace RapidStart.UnitTests.Auth;

/// <summary>The claim mapping of docs/security.md ("Identity model"), on Entra-shaped tokens.</summary>
public class EntraClaimsTests
{
    private readonly EntraTokens _entra = new();

    private SignedInAccount? Read(Dictionary<string, object> claims) => EntraClaims.Read(new JsonWebToken(_entra.Issue(claims)));

    [Fact]
    public void Read_work_account_with_xms_edov_true_verifies_the_email_lower_cased()
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
    public void Read_work_account_with_xms_edov_false_has_no_verified_address()
    {
        // Arrange: the tenant did not verify that it owns contoso.com; anyone could have typed it
        var claims = EntraTokens.WorkAccount();
        claims["xms_edov"] = false;

        // Act + Assert
        Assert.Null(Read(claims)!.VerifiedAddress);
    }

    [Fact]
    public void Read_work_account_without_xms_edov_has_no_verified_address()
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
    public void Read_xms_edov_as_a_string_counts_as_true(string value)
    {
        // Arrange: tenants that map the claim through claims mapping send it as a string
        var claims = EntraTokens.WorkAccount();
        claims["xms_edov"] = value;

        // Act + Assert
        Assert.Equal("dana@contoso.com", Read(claims)!.VerifiedAddress);
    }

    [Fact]
    public void Read_work_account_preferred_username_without_email_has_no_verified_address()
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
    public void Read_personal_account_verifies_its_email_without_xms_edov()
    {
        // Act
        var account = Read(EntraTokens.PersonalAccount());

        // Assert
        Assert.Equal(EntraTokens.PersonalTenant, account!.Identity.TenantId);
        Assert.Equal("dana@outlook.com", account.VerifiedAddress);
    }

    [Fact]
    public void Read_recycled_address_with_a_new_oid_is_another_identity()
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
    public void Read_without_tid_or_oid_is_no_account(string claim)
    {
        // Arrange
        var claims = EntraTokens.WorkAccount();
        claims.Remove(claim);

        // Act + Assert
        Assert.Null(Read(claims));
    }

    [Fact]
    public void Read_oid_that_is_not_a_GUID_is_no_account()
    {
        // Arrange
        var claims = EntraTokens.WorkAccount();
        claims["oid"] = "dana@contoso.com";

        // Act + Assert
        Assert.Null(Read(claims));
    }

    [Fact]
    public void Read_roles_are_case_insensitive_and_a_partner_id_claim_is_ignored()
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
