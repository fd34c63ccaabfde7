using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using RapidStart.Domain.Partners;
using RapidStart.Infrastructure.Auth;

namespace RapidStart.UnitTests.Auth;

public class CachedPartnerRegistryTests
{
    private const string Tenant = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";

    private readonly Mock<IPartnerRegistry> _inner = new();
    private readonly FakeTimeProvider _clock = new();
    private readonly CachedPartnerRegistry _registry;

    public CachedPartnerRegistryTests()
    {
        _inner.Setup(r => r.FindPartnerIdAsync(Tenant, It.IsAny<CancellationToken>())).ReturnsAsync("P-1001");
        _registry = new CachedPartnerRegistry(_inner.Object, Options.Create(new AuthOptions { PartnerRegistryCacheLifetime = TimeSpan.FromSeconds(30) }), _clock);
    }

    private void VerifyLookups(int times) => _inner.Verify(r => r.FindPartnerIdAsync(Tenant, It.IsAny<CancellationToken>()), Times.Exactly(times));

    [Fact]
    public async Task FindPartnerIdAsync_within_the_lifetime_reads_storage_once()
    {
        // Act
        await _registry.FindPartnerIdAsync(Tenant, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(29));
        var partner = await _registry.FindPartnerIdAsync(Tenant, CancellationToken.None);

        // Assert
        Assert.Equal("P-1001", partner);
        VerifyLookups(1);
    }

    [Fact]
    public async Task FindPartnerIdAsync_after_the_lifetime_reads_again()
    {
        // Act
        await _registry.FindPartnerIdAsync(Tenant, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(31));
        await _registry.FindPartnerIdAsync(Tenant, CancellationToken.None);

        // Assert
        VerifyLookups(2);
    }

    [Fact]
    public async Task RemoveAsync_forgets_at_once()
    {
        // Arrange
        await _registry.FindPartnerIdAsync(Tenant, CancellationToken.None);
        _inner.Setup(r => r.FindPartnerIdAsync(Tenant, It.IsAny<CancellationToken>())).ReturnsAsync((string?)null);

        // Act
        await _registry.RemoveAsync("P-1001", CancellationToken.None);
        var partner = await _registry.FindPartnerIdAsync(Tenant, CancellationToken.None);

        // Assert
        Assert.Null(partner);
        VerifyLookups(2);
    }
}
