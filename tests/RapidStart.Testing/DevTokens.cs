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
