using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace RapidStart.Testing;

/// <summary>
/// Tokens of the development issuer: those it issues over HTTP (<c>POST /api/dev/token</c>), and
/// forged ones, signed with the fixed key every test host is given, for the cases the host must refuse
/// (expired, wrong issuer, audience or key, unsigned) or, signed right, accept.
/// </summary>
public static class DevTokens
{
    public const string Issuer = "https://rapidstart.local/dev-issuer";
    public const string Audience = "api://rapidstart";

    /// <summary>A fixed development signing key, so tests can also forge tokens the host must refuse.</summary>
    public static readonly byte[] SigningKey = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();

    /// <summary>The subject of a partner's agent, as the tests sign in: <c>agent@p-1001.example</c>.</summary>
    public static string PartnerSubject(string partnerId) => $"agent@{partnerId.ToLowerInvariant()}.example";

    /// <summary>A token from the host's development issuer.</summary>
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

    /// <summary>
    /// A token saying what partner A's (<c>agent@p-1001.example</c>, partner of P-1001) would say, signed
    /// HS256 with <paramref name="key"/> (the fixed development key when null), issued and valid from
    /// <paramref name="issuedAt"/> (an hour before it expires when null).
    /// </summary>
    public static string Forge(string issuer, string audience, DateTime expires, byte[]? key = null, DateTime? issuedAt = null)
    {
        var issued = issuedAt ?? expires.AddHours(-1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = expires,
            Claims = new Dictionary<string, object> { ["sub"] = "agent@p-1001.example", ["roles"] = new[] { "partner" }, ["partner_id"] = "P-1001" },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? SigningKey), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>A token with <c>alg: none</c> and no signature, otherwise exactly what partner A's would say.</summary>
    public static string Unsigned()
    {
        static string Part(object value) => Base64UrlEncoder.Encode(JsonSerializer.Serialize(value));
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        return $"{Part(new { alg = "none", typ = "JWT" })}.{Part(new { sub = "agent@p-1001.example", roles = new[] { "partner" }, partner_id = "P-1001", iss = Issuer, aud = Audience, exp })}.";
    }
}
