using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Partners;

namespace RapidStart.Infrastructure.Auth;

/// <summary>
/// The partner registry with its per-request look-up (tenant → partner) remembered for
/// <see cref="AuthOptions.PartnerRegistryCacheLifetime"/>, so a partner's request costs no extra
/// storage read. A change made through this instance forgets at once; other instances of a scaled-out
/// deployment follow within that lifetime (docs/security.md).
/// </summary>
public sealed class CachedPartnerRegistry(IPartnerRegistry inner, IOptions<AuthOptions> options, TimeProvider clock) : IPartnerRegistry
{
    private readonly ConcurrentDictionary<string, (string? PartnerId, DateTimeOffset Until)> _tenants = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<PartnerRegistration>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

    public Task<PartnerRegistration?> GetAsync(string partnerId, CancellationToken cancellationToken) => inner.GetAsync(partnerId, cancellationToken);

    public async Task<string?> FindPartnerIdAsync(string tenantId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_tenants.TryGetValue(tenantId, out var cached) && cached.Until > now)
        {
            return cached.PartnerId;
        }

        var partnerId = await inner.FindPartnerIdAsync(tenantId, cancellationToken);
        _tenants[tenantId] = (partnerId, now + options.Value.PartnerRegistryCacheLifetime);
        return partnerId;
    }

    public async Task<bool> PutAsync(PartnerRegistration registration, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.PutAsync(registration, cancellationToken);
        }
        finally
        {
            _tenants.Clear();
        }
    }

    public async Task<bool> RemoveAsync(string partnerId, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.RemoveAsync(partnerId, cancellationToken);
        }
        finally
        {
            _tenants.Clear();
        }
    }
}
