using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>The few API calls the reliability tests repeat.</summary>
public static class ReliabilityApi
{
    public static Task<HttpResponseMessage> CreateProspectAsync(HttpClient partner, string admin, string country = "IE") =>
        partner.PostAsJsonAsync("/api/customers", new
        {
            kind = "prospect",
            organization = new { name = $"Org of {admin}", address = new { countryRegion = country } },
            administrator = new { name = "Admin", microsoftAccountId = admin, contactEmail = admin },
        });

    public static Task<HttpResponseMessage> CreateExistingAsync(HttpClient partner, string voiceAccountNumber, string admin) =>
        partner.PostAsJsonAsync("/api/customers", new
        {
            kind = "existing",
            voiceAccountNumber,
            fillFromVoice = true,
            administrator = new { name = "Admin", microsoftAccountId = admin, contactEmail = admin },
        });

    /// <summary>A prospect signed up for RapidStart in <paramref name="country"/>; returns its customer ID.</summary>
    public static async Task<string> SignedUpProspectAsync(HttpClient partner, string admin, string country = "IE")
    {
        var created = await HttpAssert.JsonAsync(await CreateProspectAsync(partner, admin, country), HttpStatusCode.Created);
        var id = created.GetProperty("customerId").GetString()!;
        await SignUpAsync(partner, id, country);
        return id;
    }

    public static async Task<JsonElement> SignUpAsync(HttpClient partner, string customerId, string country = "IE") =>
        await HttpAssert.JsonAsync(
            await partner.PostAsJsonAsync($"/api/customers/{customerId}/services", new { serviceId = "rapidstart", countryRegion = country }),
            HttpStatusCode.Created);

    public static Task<HttpResponseMessage> SendActivationAsync(HttpClient partner, string customerId) =>
        partner.PostAsync($"/api/customers/{customerId}/services/rapidstart/activation", null);

    public static async Task<JsonElement> SubscriptionAsync(HttpClient partner, string customerId) =>
        await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{customerId}/services/rapidstart"), HttpStatusCode.OK);

    public static async Task<string[]> HistoryTargetsAsync(HttpClient partner, string customerId)
    {
        var history = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{customerId}/services/rapidstart/history"), HttpStatusCode.OK);
        return history.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("to").GetString()!).ToArray();
    }

    public static async Task<JsonElement[]> HistoryAsync(HttpClient partner, string customerId)
    {
        var history = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{customerId}/services/rapidstart/history"), HttpStatusCode.OK);
        return history.GetProperty("items").EnumerateArray().ToArray();
    }

    /// <summary>Every customer ID in the partner's list, across pages.</summary>
    public static async Task<List<string>> ListedCustomerIdsAsync(HttpClient partner)
    {
        var ids = new List<string>();
        string? continuation = null;
        do
        {
            var url = continuation is null ? "/api/customers" : $"/api/customers?continuationToken={Uri.EscapeDataString(continuation)}";
            var page = await HttpAssert.JsonAsync(await partner.GetAsync(url), HttpStatusCode.OK);
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("customerId").GetString()!));
            continuation = page.TryGetProperty("continuationToken", out var token) && token.ValueKind == JsonValueKind.String ? token.GetString() : null;
        }
        while (continuation is not null);
        return ids;
    }

    /// <summary>Status of each activation link: GET /api/activate answers 200 for the live one, 410 for dead ones.</summary>
    public static async Task<HttpStatusCode[]> LinkStatusesAsync(HttpClient anonymous, IEnumerable<string> tokens)
    {
        var statuses = new List<HttpStatusCode>();
        foreach (var token in tokens)
        {
            statuses.Add((await anonymous.GetAsync($"/api/activate?token={Uri.EscapeDataString(token)}")).StatusCode);
        }

        return statuses.ToArray();
    }

    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what, int pollMilliseconds = 250)
    {
        var (reached, last) = await Polling.UntilAsync(probe, done, timeout, TimeSpan.FromMilliseconds(pollMilliseconds));
        if (!reached)
        {
            Assert.Fail($"{what} did not happen within {timeout.TotalSeconds} s; last seen: {Describe(last)}");
        }

        return last;
    }

    private static string Describe<T>(T value) => value switch
    {
        JsonElement element => element.GetRawText(),
        System.Collections.IEnumerable items and not string => string.Join(", ", items.Cast<object>()),
        _ => value?.ToString() ?? "null",
    };
}
