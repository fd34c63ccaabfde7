using System.Collections.Concurrent;
using RapidStart.Domain.Partners;
using RapidStart.Domain.Problems;

namespace RapidStart.IntegrationTests.LocalHost.Identity;

/// <summary>
/// A partner registry in memory, for the local identity provider's tests only (the host registers
/// none of its own until the Table Storage one is merged). Keeps the port's rule: a tenant belongs to
/// one partner.
/// </summary>
public sealed class InMemoryPartnerRegistry : IPartnerRegistry
{
    private readonly ConcurrentDictionary<string, PartnerRegistration> _partners = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<PartnerRegistration>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PartnerRegistration>>(_partners.Values.OrderBy(p => p.PartnerId, StringComparer.Ordinal).ToList());

    public Task<PartnerRegistration?> GetAsync(string partnerId, CancellationToken cancellationToken) =>
        Task.FromResult(_partners.GetValueOrDefault(partnerId));

    public Task<string?> FindPartnerIdAsync(string tenantId, CancellationToken cancellationToken) =>
        Task.FromResult(_partners.Values.FirstOrDefault(p => p.TenantIds.Contains(tenantId, StringComparer.OrdinalIgnoreCase))?.PartnerId);

    public Task<bool> PutAsync(PartnerRegistration registration, CancellationToken cancellationToken)
    {
        lock (_partners)
        {
            var taken = _partners.Values.FirstOrDefault(p => p.PartnerId != registration.PartnerId && p.TenantIds.Intersect(registration.TenantIds, StringComparer.OrdinalIgnoreCase).Any());
            if (taken is not null)
            {
                throw ProblemException.Conflict($"A tenant is already registered to partner {taken.PartnerId}.");
            }

            var created = !_partners.ContainsKey(registration.PartnerId);
            _partners[registration.PartnerId] = registration;
            return Task.FromResult(created);
        }
    }

    public Task<bool> RemoveAsync(string partnerId, CancellationToken cancellationToken) =>
        Task.FromResult(_partners.TryRemove(partnerId, out _));
}
