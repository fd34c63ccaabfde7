using System.Globalization;
using System.Text;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// The key layout of docs/storage.md, in one place. Every partition key starts with a region so a
/// deployment can route regions to separate accounts. Key parts are escaped because Azure refuses
/// '/', '\', '#', '?' and control characters in keys, and '|' separates parts: a Microsoft account
/// ID such as <c>a/b@contoso.com</c> is a legal email but not a legal row key as it stands.
/// </summary>
public static class TableKeys
{
    public const char Separator = '|';

    public const string CustomerRow = "customer";
    public const string ClaimRow = "claim";
    public const string SubscriptionPrefix = "subscription|";
    public const string AuditPrefix = "audit|";
    public const string TokenPrefix = "token|";
    public const string UserPrefix = "user|";
    public const string FollowUpPrefix = "followup|";
    public const string PartnerPrefix = "partner|";
    public const string ListedUntilRow = "customers-listed-until";
    public const string TenantPrefix = "tenant|";

    /// <summary>
    /// The partner registry's one partition. It is global, not regional: a partner works in every
    /// region. Support writes it rarely and every instance caches its reads, so one partition is enough.
    /// </summary>
    public const string PartnerRegistryPartition = "global|partners";

    /// <summary>Escapes one key part: identity for every identifier this product mints, reversible for the rest.</summary>
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.Any(NeedsEscape))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (NeedsEscape(c))
            {
                builder.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>The customer record's partition, and that of every subscription of the customer in that region.</summary>
    public static string CustomerPartition(string region, string customerId) => Join(region, customerId);

    public static string PartnerCustomersPartition(string region, string partnerId) => Join(region, "partner", partnerId);

    public static string VoiceClaimPartition(string region, string accountNumber) => Join(region, "voiceclaim", accountNumber);

    public static string ServiceListPartition(string region, string partnerId) => Join(region, "services", partnerId);

    /// <summary>The sweep's own bookkeeping in a region (how far it has listed new customers).</summary>
    public static string SweepPartition(string region) => Join(region, "sweep");

    public static string DuePartition(string region, DateOnly day) =>
        Join(region, "due", day.ToString("yyyyMMdd", CultureInfo.InvariantCulture));

    public static string SubscriptionRow(string serviceId) => SubscriptionPrefix + Escape(serviceId);

    /// <summary>Zero-padded so that row-key order is the order the entries were written in.</summary>
    public static string AuditRow(string serviceId, int sequence) =>
        $"{AuditPrefix}{Escape(serviceId)}{Separator}{sequence.ToString("D6", CultureInfo.InvariantCulture)}";

    public static string AuditRowPrefix(string serviceId) => $"{AuditPrefix}{Escape(serviceId)}{Separator}";

    /// <summary>A follow-up row; its identifier starts with the commit's ticks, so a prefix query reads oldest first.</summary>
    public static string FollowUpRow(string followUpId) => FollowUpPrefix + Escape(followUpId);

    /// <summary>The sweep's hint for a follow-up row, in the due index next to the customer's due items.</summary>
    public static string FollowUpHintRow(string customerId, string followUpId) => Join(customerId, "followup", followUpId);

    public static string TokenRow(string hash) => TokenPrefix + Escape(hash);

    public static string UserRow(string microsoftAccountId) => UserPrefix + Escape(microsoftAccountId);

    public static string PartnerRow(string partnerId) => PartnerPrefix + Escape(partnerId);

    public static string TenantRow(string tenantId) => TenantPrefix + Escape(tenantId);

    public static string ServiceListRow(string customerId, string serviceId) => Join(customerId, serviceId);

    public static string DueRow(string customerId, string serviceId, DateTimeOffset dueAt) =>
        Join(customerId, serviceId, dueAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture));

    /// <summary>
    /// The smallest string greater than every string that starts with <paramref name="prefix"/>,
    /// so <c>RowKey ge prefix and RowKey lt PrefixEnd(prefix)</c> is a prefix match.
    /// </summary>
    public static string PrefixEnd(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return string.Concat(prefix.AsSpan(0, prefix.Length - 1), ((char)(prefix[^1] + 1)).ToString());
    }

    private static string Join(params string[] parts) => string.Join(Separator, parts.Select(Escape));

    private static bool NeedsEscape(char c) =>
        c is '%' or Separator or '/' or '\\' or '#' or '?' || char.IsControl(c);
}
