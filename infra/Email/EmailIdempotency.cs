using System.Security.Cryptography;
using System.Text;

namespace RapidStart.Infrastructure.Email;

/// <summary>
/// Turns an <see cref="Domain.Notifications.EmailMessage.IdempotencyKey"/> into the identifiers each
/// transport dedupes on. Every value is a pure function of the key, so a retry produces the same one.
/// </summary>
internal static class EmailIdempotency
{
    /// <summary>First 32 lowercase hex characters of SHA-256(key): a file name and Message-Id local part.</summary>
    public static string Hash(string idempotencyKey) =>
        Convert.ToHexStringLower(Sha256(idempotencyKey))[..32];

    /// <summary>The RFC 5322 Message-Id (without angle brackets), so receivers can spot a re-sent duplicate.</summary>
    public static string MessageId(string idempotencyKey) => $"{Hash(idempotencyKey)}@rapidstart";

    /// <summary>
    /// A UUID made from the first 16 bytes of SHA-256(key), stamped as an RFC 9562 version 8 (custom) UUID
    /// so services that insist on a well-formed UUID (ACS repeatability-request-id) accept it.
    /// </summary>
    public static Guid Guid(string idempotencyKey)
    {
        var bytes = Sha256(idempotencyKey).AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(bytes, bigEndian: true);
    }

    private static byte[] Sha256(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
