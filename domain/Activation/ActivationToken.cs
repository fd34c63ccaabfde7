using System.Security.Cryptography;
using System.Text;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Domain.Activation;

public enum TokenState
{
    Live,
    Used,
    Superseded,
    Revoked,
}

/// <summary>What is stored of an activation link: its hash, never the token itself.</summary>
public sealed record ActivationTokenRecord(
    string Hash,
    int Sequence,
    string MicrosoftAccountId,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    TokenState State);

/// <summary>
/// Activation tokens: <c>{customerId}.{serviceId}.{secret}</c> with a 256-bit random secret. The
/// prefix only routes the look-up to the subscription's partition; the secret is what proves
/// possession, and only the SHA-256 of the whole token is stored, so a table leak reveals no live link.
/// </summary>
public static class ActivationToken
{
    public static string Issue(SubscriptionKey key)
    {
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        return $"{key.CustomerId}.{key.ServiceId}.{secret}";
    }

    public static string Hash(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>The customer and service a token claims to be for, or null when it has the wrong shape.</summary>
    public static (string CustomerId, string ServiceId)? Parse(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 200)
        {
            return null;
        }

        var parts = token.Split('.');
        return parts.Length == 3 && parts.All(p => p.Length > 0) && parts[2].Length >= 22 ? (parts[0], parts[1]) : null;
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
