using RapidStart.LocalHost.Identity;

namespace RapidStart.IntegrationTests.LocalHost.Identity;

/// <summary>The local provider's directory: deterministic identities, Entra's tenant kinds.</summary>
public class LocalDirectoryTests
{
    private readonly LocalDirectory _directory = new(["P-1001", "P-2002"]);

    [Fact]
    public void SignIn_same_address_twice_is_the_same_identity_in_any_case()
    {
        var first = _directory.SignIn("Agent@P-1001.example");
        var second = new LocalDirectory(["P-2002", "P-1001"]).SignIn("agent@p-1001.example");

        Assert.Equal(first.Tenant.Id, second.Tenant.Id);
        Assert.Equal(first.ObjectId, second.ObjectId);
    }

    [Fact]
    public void SignIn_seed_partners_domain_is_a_partner_in_the_partners_tenant()
    {
        var account = _directory.SignIn("agent@p-1001.example");

        Assert.Equal(LocalDirectory.PartnerTenant("P-1001"), account.Tenant);
        Assert.Equal(["Partner"], account.Roles);
        Assert.True(account.EmailVerified);
    }

    [Fact]
    public void SignIn_operators_domain_is_support_in_the_operators_tenant()
    {
        var account = _directory.SignIn("help@rapidstart.example");

        Assert.Equal(_directory.Operator, account.Tenant);
        Assert.Equal(["Support"], account.Roles);
    }

    [Theory]
    [InlineData("someone@outlook.com")]
    [InlineData("someone@HOTMAIL.com")]
    [InlineData("someone@live.com")]
    public void SignIn_personal_Microsoft_account_is_in_the_consumer_tenant_without_edov(string address)
    {
        var account = _directory.SignIn(address);

        Assert.Equal(LocalDirectory.PersonalAccountsTenantId, account.Tenant.Id);
        Assert.Null(account.EmailVerified);
        Assert.Empty(account.Roles);
    }

    [Fact]
    public void SignIn_any_other_address_is_a_work_account_of_its_domains_tenant_without_roles()
    {
        var admin = _directory.SignIn("admin@contoso.example");
        var colleague = _directory.SignIn("pat.smith@contoso.example");
        var unseeded = _directory.SignIn("agent@p-9999.example");

        Assert.Equal(admin.Tenant.Id, colleague.Tenant.Id);
        Assert.NotEqual(admin.ObjectId, colleague.ObjectId);
        Assert.True(admin.EmailVerified);
        Assert.Empty(admin.Roles);
        Assert.Empty(unseeded.Roles);
        Assert.Equal("Pat Smith", colleague.Name);
    }

    [Fact]
    public void InTenant_address_of_another_domain_is_not_verified()
    {
        var guest = LocalDirectory.InTenant(LocalDirectory.PartnerTenant("P-1001"), "pat@partner.example");

        Assert.False(guest.EmailVerified);
        Assert.Equal(["Partner"], guest.Roles);
    }
}
