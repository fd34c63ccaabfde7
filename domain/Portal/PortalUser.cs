namespace RapidStart.Domain.Portal;

public static class PortalRoles
{
    public const string Administrator = "Administrator";
    public const string Contributor = "Contributor";
    public const string Reader = "Reader";

    public static readonly IReadOnlyList<string> All = [Administrator, Contributor, Reader];
}

/// <summary>A user of the customer portal: one Microsoft account with one role in one customer.</summary>
public sealed record PortalUser(string MicrosoftAccountId, string DisplayName, string Role, DateTimeOffset AddedAt);
