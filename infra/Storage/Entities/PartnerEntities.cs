namespace RapidStart.Infrastructure.Storage;

/// <summary>A partner's registration: its name and tenants (row <c>partner|{partnerId}</c>).</summary>
internal sealed class PartnerEntity : StoredEntity
{
    public string PartnerId { get; set; } = "";
    public string Name { get; set; } = "";

    /// <summary>Comma-separated tenant ids (GUIDs never hold a comma).</summary>
    public string TenantIds { get; set; } = "";
}

/// <summary>One tenant's owner (row <c>tenant|{tenantId}</c>): the look-up every partner request makes, and the guard that a tenant has one partner.</summary>
internal sealed class PartnerTenantEntity : StoredEntity
{
    public string PartnerId { get; set; } = "";
}
