using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace RapidStart.Testing;

/// <summary>
/// Tokens from a test host's local identity provider, as scripts get them: <c>POST /api/dev/token</c>.
/// Tokens a test makes itself (to be refused, or accepted) come from <see cref="TokenForge"/>.
/// </summary>
public static class DevTokens
{
    /// <summary>The client id (and so the audience) of every test host: the local default.</summary>
    public const string ClientId = RapidStart.LocalHost.Identity.LocalIdentitySettings.DefaultClientId;

    /// <summary>The subject of a partner's agent, as the tests sign in: <c>agent@p-1001.example</c>.</summary>
    public static string PartnerSubject(string partnerId) => $"agent@{partnerId.ToLowerInvariant()}.example";

    /// <summary>A token from the host's local identity provider.</summary>
    public static async Task<string> IssueAsync(HttpClient http, string subject, string[]? roles = null, string? partnerId = null)
    {
        var response = await http.PostAsJsonAsync("/api/dev/token", new { sub = subject, roles = roles ?? [], partnerId });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private static readonly ConcurrentDictionary<string, Task> RegisteredPartners = new(StringComparer.Ordinal);

    /// <summary>
    /// The token of partner <paramref name="partnerId"/>'s agent (<see cref="PartnerSubject"/> unless
    /// <paramref name="subject"/> is given). The partner's development tenant is registered in the
    /// host's partner registry first, as Support registers a real partner's tenant, once per host;
    /// the sample partners of the VOICE seed file are registered already.
    /// </summary>
    public static async Task<string> PartnerTokenAsync(HttpClient http, string partnerId, string? subject = null)
    {
        var key = $"{http.BaseAddress}|{partnerId}";
        var registration = RegisteredPartners.GetOrAdd(key, _ => RegisterPartnerAsync(http, partnerId));
        try
        {
            await registration;
        }
        catch
        {
            RegisteredPartners.TryRemove(key, out _);
            throw;
        }

        return await IssueAsync(http, subject ?? PartnerSubject(partnerId), ["partner"], partnerId);
    }

    private static async Task RegisterPartnerAsync(HttpClient http, string partnerId)
    {
        var response = await http.PostAsJsonAsync("/api/dev/token", new { sub = PartnerSubject(partnerId), roles = new[] { "partner" }, partnerId });
        response.EnsureSuccessStatusCode();
        var tenantId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tenantId").GetString()!;
        using var support = new HttpRequestMessage(HttpMethod.Get, "/api/support/partners");
        var supportToken = await IssueAsync(http, "registry@rapidstart.example", ["support"]);
        support.Headers.Authorization = new AuthenticationHeaderValue("Bearer", supportToken);
        var registry = await (await http.SendAsync(support)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        if (registry.GetProperty("items").EnumerateArray().Any(p => p.GetProperty("tenantIds").EnumerateArray().Any(t => t.GetString() == tenantId)))
        {
            return;
        }

        using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/support/partners/{Uri.EscapeDataString(partnerId)}")
        {
            Content = JsonContent.Create(new { name = $"Test partner {partnerId}", tenantIds = new[] { tenantId } }),
        };
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", supportToken);
        (await http.SendAsync(put)).EnsureSuccessStatusCode();
    }

    /// <summary>A client of <paramref name="baseUrl"/> that sends <paramref name="token"/> as its bearer token.</summary>
    public static HttpClient Client(string baseUrl, string token, HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        var client = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        client.BaseAddress = new Uri(baseUrl);
        if (timeout is { } limit)
        {
            client.Timeout = limit;
        }

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
