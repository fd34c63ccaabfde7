using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RapidStart.Domain.Portal;

public static class PortalRoles
{
    public const string Administrator = "Administrator";
    public const string Contributor = "Contributor";
    public const string Reader = "Reader";

    public static readonly IReadOnlyList<string> All = [Administrator, Contributor, Reader];
}

/// <summary>A user of the customer portal: one Microsoft account with one role in one customer.</summary>
public sealed record PortalUser(string MicrosoftAccountId, string DisplayName, string Role, DateTimeOffset AddedAt)
{
    /// <summary>
    /// A strong validator of this user, for <c>If-Match</c> on the portal's PUT and DELETE. Users are
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
