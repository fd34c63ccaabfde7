using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Bench;

/// <summary>
/// Prospect customers for the API, spread over the catalog's countries/regions (and so over its data
/// centers), and the partner API calls the sections make on them.
/// </summary>
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

    /// <summary>POST /api/customers/{id}/services for RapidStart Services; the subscription's key, or null unless 201.</summary>
    public static async Task<SubscriptionKey?> SignUpAsync(HttpClient partner, string? customerId, string country, CancellationToken cancellationToken)
    {
        if (customerId is null)
        {
            return null;
        }

        using var response = await partner.PostAsJsonAsync(
            $"/api/customers/{customerId}/services", new { serviceId = ServiceCatalog.RapidStartServiceId, countryRegion = country }, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            Progress.Step($"  sign-up of {customerId} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            return null;
        }

        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return new SubscriptionKey(body.GetProperty("region").GetString()!, customerId, body.GetProperty("serviceId").GetString()!);
    }

    /// <summary>Send Activation (POST .../services/rapidstart/activation, no body); true when it answered 202.</summary>
    public static async Task<bool> SendActivationAsync(HttpClient partner, string customerId, CancellationToken cancellationToken)
    {
        using var content = new StringContent("", System.Text.Encoding.UTF8, "application/json");
        using var response = await partner.PostAsync($"/api/customers/{customerId}/services/{ServiceCatalog.RapidStartServiceId}/activation", content, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            Progress.Step($"  Send Activation answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            return false;
        }

        return true;
    }

    /// <summary>A GET that must answer 200, its body read; anything else throws (and so counts as a failure with its reason).</summary>
    public static async Task<bool> GetOkAsync(HttpClient partner, string path, CancellationToken cancellationToken)
    {
        using var response = await partner.GetAsync(path, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            await ThrowIfServerErrorAsync(response, $"GET {path}", cancellationToken);
        }

        return true;
    }

    /// <summary>Makes a 4xx/5xx visible as the first error of a measurement instead of a bare failure count.</summary>
    public static async Task ThrowIfServerErrorAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new HttpRequestException($"{what} answered {(int)response.StatusCode}: {(body.Length > 300 ? body[..300] : body)}");
    }
}
