using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RapidStart.Domain.Customers;

/// <summary>
/// Customer identifiers carry their home region (<c>eu-west-01jd...</c>) so that a read goes straight
/// to the right partition without a directory look-up. The rest is a time-ordered 26-character
/// Crockford base32 value (48-bit milliseconds + 80 random bits), so index listings come out in
/// creation order.
/// </summary>
public static class CustomerId
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private const int SuffixLength = 26;

    public static string New(string region, DateTimeOffset now) => Mint(region, now, randomTail: true);

    /// <summary>
    /// The smallest identifier of <paramref name="region"/> that can be minted at or after
    /// <paramref name="at"/>: identifiers sort by their minting time, so the customers minted in
    /// [from, to) are the identifiers from <c>LowerBound(from)</c> up to <c>LowerBound(to)</c>.
    /// </summary>
    public static string LowerBound(string region, DateTimeOffset at) => Mint(region, at, randomTail: false);

    /// <summary>The region part of a well-formed identifier, or null for anything else.</summary>
    public static string? RegionOf(string? customerId)
    {
        if (string.IsNullOrEmpty(customerId) || customerId.Length <= SuffixLength + 1 || customerId[^(SuffixLength + 1)] != '-')
        {
            return null;
        }

        var suffix = customerId.AsSpan()[^SuffixLength..];
        foreach (var c in suffix)
        {
            if (!Alphabet.Contains(c))
            {
                return null;
            }
        }

        return customerId[..^(SuffixLength + 1)];
    }

    /// <summary>48 bits of Unix milliseconds, then 80 random bits (or zeros, for a bound).</summary>
    private static string Mint(string region, DateTimeOffset at, bool randomTail)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        var ms = (ulong)at.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(ms >> (8 * (5 - i)));
        }

        if (randomTail)
        {
            RandomNumberGenerator.Fill(bytes[6..]);
        }

        return $"{region}-{Encode(bytes)}";
    }

    private static string Encode(ReadOnlySpan<byte> bytes)
    {
        // 128 bits -> 26 base32 digits, most significant first.
        var value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        Span<char> chars = stackalloc char[SuffixLength];
        for (var i = SuffixLength - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return new string(chars);
    }
}
