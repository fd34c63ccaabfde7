using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RapidStart.Domain.Catalog;

namespace RapidStart.Bench;

/// <summary>Prospect customers for the API, spread over the catalog's countries/regions (and so over its data centers).</summary>
public static class Prospects
{
    /// <summary>The default catalog's countries/regions of RapidStart Services, in a fixed order.</summary>
    public static readonly string[] Countries = ServiceCatalog.Default().Find(ServiceCatalog.RapidStartServiceId)!
        .Countries.Select(c => c.CountryRegion).ToArray();

    /// <summary>Unique per run, so the administrator addresses of this run never collide with another's.</summary>
    public static readonly string RunTag = Guid.NewGuid().ToString("N")[..6];

    public static string Country(long n) => Countries[(int)(n % Countries.Length)];

    public static string ContactEmail(long n) => $"it-{RunTag}-{n}@customer{n}.example";

    public static object Draft(long n) => new
    {
        kind = "prospect",
        organization = new
        {
            name = $"Bench Customer {n} Ltd",
            address = new { street = $"{n} Main Street", city = "Springfield", stateOrProvince = "North", postalCode = "12345", countryRegion = Country(n) },
        },
        administrator = new { name = $"Admin {n}", microsoftAccountId = $"admin-{RunTag}-{n}@customer{n}.example", contactEmail = ContactEmail(n) },
    };

    /// <summary>POST /api/customers; the new customer's ID, or null when the answer was not 201.</summary>
    public static async Task<string?> CreateAsync(HttpClient partner, long n, CancellationToken cancellationToken)
    {
        using var response = await partner.PostAsJsonAsync("/api/customers", Draft(n), cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            await ThrowIfServerErrorAsync(response, "POST /api/customers", cancellationToken);
            return null;
        }

        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("customerId").GetString();
    }

    /// <summary>Makes a 4xx/5xx visible as the first error of a measurement instead of a bare failure count.</summary>
    public static async Task ThrowIfServerErrorAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new HttpRequestException($"{what} answered {(int)response.StatusCode}: {(body.Length > 300 ? body[..300] : body)}");
    }
}
