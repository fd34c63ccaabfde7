namespace RapidStart.Domain.Catalog;

/// <summary>
/// The service catalog, from configuration section <c>RapidStart:Catalog</c>. The embedded default
/// (see <see cref="ServiceCatalog.Default"/>) is used when the section names no services.
/// </summary>
public sealed class CatalogOptions
{
    public const string SectionName = "RapidStart:Catalog";

    /// <summary>Where a customer whose address country has no data center of its own is stored.</summary>
    public string DefaultHomeRegion { get; set; } = "us-east";

    public List<CatalogServiceOptions> Services { get; set; } = [];
}

public sealed class CatalogServiceOptions
{
    public string ServiceId { get; set; } = "";
    public string Name { get; set; } = "";
    public DateTimeOffset? EndOfSupport { get; set; }

    /// <summary>Country/region of use (ISO 3166-1 alpha-2) to data-center region.</summary>
    public Dictionary<string, string> Countries { get; set; } = [];
}
