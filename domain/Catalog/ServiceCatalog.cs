using RapidStart.Domain.Problems;

namespace RapidStart.Domain.Catalog;

public sealed record CatalogCountry(string CountryRegion, string Region);

public sealed record CatalogService(string ServiceId, string Name, DateTimeOffset? EndOfSupport, IReadOnlyList<CatalogCountry> Countries)
{
    public string? RegionFor(string countryRegion) =>
        Countries.FirstOrDefault(c => c.CountryRegion == countryRegion)?.Region;
}

/// <summary>
/// The services partners can sign customers up for, where each is supported, and which data center
/// serves each country/region. Also the authority on which regions exist, since every partition key
/// begins with one.
/// </summary>
public sealed class ServiceCatalog
{
    public const string RapidStartServiceId = "rapidstart";

    private readonly Dictionary<string, CatalogService> _services;
    private readonly Dictionary<string, string> _homeRegions;

    public ServiceCatalog(IEnumerable<CatalogService> services, string defaultHomeRegion)
    {
        _services = services.ToDictionary(s => s.ServiceId, StringComparer.Ordinal);
        DefaultHomeRegion = defaultHomeRegion;
        _homeRegions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var country in _services.Values.SelectMany(s => s.Countries))
        {
            _homeRegions.TryAdd(country.CountryRegion, country.Region);
        }

        Regions = _homeRegions.Values.Append(defaultHomeRegion).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
    }

    public string DefaultHomeRegion { get; }

    /// <summary>Every data-center region, in a stable order (paging across regions relies on it).</summary>
    public IReadOnlyList<string> Regions { get; }

    public IReadOnlyCollection<CatalogService> Services => _services.Values;

    public static ServiceCatalog FromOptions(CatalogOptions options)
    {
        if (options.Services.Count == 0)
        {
            return Default(options.DefaultHomeRegion);
        }

        var services = options.Services.Select(s => new CatalogService(
            s.ServiceId,
            s.Name,
            s.EndOfSupport,
            s.Countries.Select(c => new CatalogCountry(c.Key.ToUpperInvariant(), c.Value)).OrderBy(c => c.CountryRegion, StringComparer.Ordinal).ToArray()));
        return new ServiceCatalog(services, options.DefaultHomeRegion);
    }

    /// <summary>RapidStart Services in 25 countries/regions over three data centers.</summary>
    public static ServiceCatalog Default(string defaultHomeRegion = "us-east")
    {
        var countries = new (string Region, string[] Countries)[]
        {
            ("us-east", ["US", "CA", "MX", "BR"]),
            ("eu-west", ["GB", "IE", "FR", "DE", "NL", "BE", "ES", "PT", "IT", "AT", "CH", "DK", "NO", "SE", "FI", "PL"]),
            ("ap-southeast", ["AU", "NZ", "JP", "SG", "IN"]),
        };
        var rapidStart = new CatalogService(
            RapidStartServiceId,
            "RapidStart Services",
            EndOfSupport: null,
            countries.SelectMany(r => r.Countries.Select(c => new CatalogCountry(c, r.Region))).OrderBy(c => c.CountryRegion, StringComparer.Ordinal).ToArray());
        return new ServiceCatalog([rapidStart], defaultHomeRegion);
    }

    public CatalogService? Find(string serviceId) => _services.GetValueOrDefault(serviceId);

    public bool IsRegion(string region) => _homeRegions.ContainsValue(region) || region == DefaultHomeRegion;

    /// <summary>The region that stores a customer whose address is in <paramref name="countryRegion"/>.</summary>
    public string HomeRegionOf(string countryRegion) => _homeRegions.GetValueOrDefault(countryRegion, DefaultHomeRegion);

    /// <summary>The data center for a sign-up, or the 422 that tells the partner why there is none.</summary>
    public string RegionForSignUp(CatalogService service, string countryRegion, DateTimeOffset now)
    {
        if (service.EndOfSupport is { } end && now >= end)
        {
            throw ProblemException.RuleRefused(
                "The service is out of support.",
                $"{service.Name} reached its end of support on {end:yyyy-MM-dd} and takes no new sign-ups.");
        }

        return service.RegionFor(countryRegion) ?? throw ProblemException.RuleRefused(
            "Country/region not supported.",
            $"{service.Name} is not offered in country/region '{countryRegion}'. Contact Support to ask about availability there.");
    }
}
