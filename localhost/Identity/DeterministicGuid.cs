using System.Security.Cryptography;
using System.Text;

namespace RapidStart.LocalHost.Identity;

/// <summary>
/// Name-based GUIDs (the shape of RFC 9562 version 8, from SHA-256): the same name gives the same
/// identifier on every machine and after every restart, so local identities need no storage.
/// </summary>
public static class DeterministicGuid
{
    public static Guid From(string space, string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(space + "\n" + name));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8 (custom)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(bytes, bigEndian: true);
    }
}
