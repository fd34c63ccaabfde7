namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// Where the tables live. Every partition key begins with a data-center region, so a deployment
/// can keep each region's data in that region's own storage account by naming one here; regions
/// not named share <see cref="ConnectionString"/>.
/// </summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "RapidStart:Storage";

    /// <summary>The account for every region without its own; Azurite by default so a fresh clone runs without secrets.</summary>
    public string ConnectionString { get; set; } = "UseDevelopmentStorage=true";

    /// <summary>The table that holds customers, subscriptions and their index entities (one per account).</summary>
    public string TableName { get; set; } = "RapidStart";

    /// <summary>The table the VOICE adapter reads (partition = partner of record), in the default account.</summary>
    public string VoiceTableName { get; set; } = "VoiceAccounts";

    /// <summary>Region code to connection string, for regions whose data must stay in an account of their own.</summary>
    public Dictionary<string, string> RegionConnectionStrings { get; set; } = new(StringComparer.Ordinal);
}
