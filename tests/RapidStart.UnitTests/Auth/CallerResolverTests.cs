using Microsoft.Extensions.Options;
using Moq;
using RapidStart.Domain.Callers;
using RapidStart.Domain.Partners;
using RapidStart.Infrastructure.Auth;

namespace RapidStart.UnitTests.Auth;

public class CallerResolverTests
{
    private const string OperatorTenant = "0b1d2c3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e";
    private const string PartnerTenant = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";

    private readonly Mock<IPartnerRegistry> _registry = new();
    private readonly CallerResolver _resolver;

    public CallerResolverTests()
    {
        _registry.Setup(r => r.FindPartnerIdAsync(PartnerTenant, It.IsAny<CancellationToken>())).ReturnsAsync("P-1001");
        var options = Options.Create(new AuthOptions { ClientId = EntraTokens.ClientId, OperatorTenantId = OperatorTenant });
        _resolver = new CallerResolver(null!, _registry.Object, options);
    }

    private static SignedInAccount Account(string tenantId, params string[] roles) =>
        new(new AccountIdentity(tenantId, Guid.NewGuid().ToString("D")), "pat@p-1001.example", "pat@p-1001.example", new HashSet<string>(roles, StringComparer.OrdinalIgnoreCase));

    [Fact]
    public async Task ResolveAsync_partner_role_from_a_registered_tenant_acts_for_that_partner()
    {
        // Act
        var caller = await _resolver.ResolveAsync(Account(PartnerTenant, "Partner"), CancellationToken.None);

        // Assert
        Assert.Equal("P-1001", caller.PartnerId);
        Assert.True(caller.IsPartner);
        Assert.False(caller.IsSupport);
    }

    [Fact]
    public async Task ResolveAsync_partner_role_from_an_unregistered_tenant_is_no_partner()
    {
        // Act
        var caller = await _resolver.ResolveAsync(Account("99999999-9999-4999-8999-999999999999", "Partner"), CancellationToken.None);

        // Assert
        Assert.False(caller.IsPartner);
    }

    [Fact]
    public async Task ResolveAsync_registered_tenant_without_the_partner_role_is_no_partner_and_the_registry_is_not_asked()
    {
        // Act
        var caller = await _resolver.ResolveAsync(Account(PartnerTenant), CancellationToken.None);

        // Assert
        Assert.False(caller.IsPartner);
        _registry.Verify(r => r.FindPartnerIdAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ResolveAsync_support_role_from_the_operators_tenant_is_support()
    {
        // Act + Assert
        Assert.True((await _resolver.ResolveAsync(Account(OperatorTenant, "Support"), CancellationToken.None)).IsSupport);
    }

    [Fact]
    public async Task ResolveAsync_support_role_from_another_tenant_is_not_support()
    {
        // Act + Assert: any tenant can define a role named Support in its own tokens
        Assert.False((await _resolver.ResolveAsync(Account(PartnerTenant, "Support"), CancellationToken.None)).IsSupport);
    }
}
