using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RapidStart.Domain.Callers;

namespace RapidStart.Domain.Portal;

public static class PortalRoles
{
    public const string Administrator = "Administrator";
    public const string Contributor = "Contributor";
    public const string Reader = "Reader";

    public static readonly IReadOnlyList<string> All = [Administrator, Contributor, Reader];
}

/// <summary>
/// A user of the customer portal: one Microsoft account with one role in one customer. Added by
/// sign-in address; <see cref="Identity"/> binds them to one Entra identity (<c>tid</c> + <c>oid</c>) at
/// acceptance or at their first sign-in, and from then on only that identity is recognised.
/// </summary>
public sealed record PortalUser(string MicrosoftAccountId, string DisplayName, string Role, DateTimeOffset AddedAt, AccountIdentity? Identity = null)
{
    /// <summary>
    /// Whether <paramref name="caller"/> is this user: their bound identity, or, before binding, the
    /// address the identity platform verified for them.
    /// </summary>
    public bool IsSignedInAs(Caller caller) =>
        Identity is { } bound ? bound == caller.Identity : caller.VerifiedAddress is { } address && address == MicrosoftAccountId;

    /// <summary>
    /// A strong validator of this user, the version a caller expects when changing it. Users are
    /// written in one batch with their subscription, so the table's per-row ETag is not at hand after
    /// a commit; a hash of what the API shows changes exactly when the representation does.
    /// </summary>
    public string ETag
    {
        get
        {
            var content = string.Join('\n', MicrosoftAccountId, DisplayName, Role, AddedAt.UtcTicks.ToString(CultureInfo.InvariantCulture));
            return $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)), 0, 16)}\"";
        }
    }
}
