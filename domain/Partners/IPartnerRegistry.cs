namespace RapidStart.Domain.Partners;

/// <summary>A partner and the Entra tenants whose users (with app role Partner) act for it.</summary>
public sealed record PartnerRegistration(string PartnerId, string Name, IReadOnlyList<string> TenantIds);

/// <summary>
/// The partner registry: partner id → tenants, managed by Support. The partner id a caller acts for
/// comes only from here, never from a claim the caller's tenant controls.
/// </summary>
public interface IPartnerRegistry
{
    Task<IReadOnlyList<PartnerRegistration>> ListAsync(CancellationToken cancellationToken);

    Task<PartnerRegistration?> GetAsync(string partnerId, CancellationToken cancellationToken);

    /// <summary>The partner a tenant is registered to, or null.</summary>
    Task<string?> FindPartnerIdAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// Creates or replaces a registration; true when it was created. A tenant registered to another
    /// partner is refused with a conflict and nothing changes.
    /// </summary>
    Task<bool> PutAsync(PartnerRegistration registration, CancellationToken cancellationToken);

    /// <summary>Removes a registration and its tenants; false when there was none.</summary>
    Task<bool> RemoveAsync(string partnerId, CancellationToken cancellationToken);
}
