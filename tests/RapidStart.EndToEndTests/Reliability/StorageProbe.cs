using Azure.Data.Tables;
using RapidStart.Infrastructure.Storage;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>
/// Reads the table directly where the API can't tell: activation tokens are stored only as hashes,
/// so "exactly one live link" includes links that were issued but never mailed.
/// </summary>
public static class StorageProbe
{
    /// <summary>The subscription's activation tokens in state Live (docs/storage.md: <c>token|{hash}</c> rows in <c>{region}|{customerId}</c>).</summary>
    public static async Task<int> LiveTokensAsync(string connectionString, string tableName, string region, string customerId)
    {
        var table = new TableServiceClient(connectionString).GetTableClient(tableName);
        var partition = TableKeys.CustomerPartition(region, customerId);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {partition} and RowKey ge {TableKeys.TokenPrefix} and RowKey lt {TableKeys.PrefixEnd(TableKeys.TokenPrefix)}");
        var live = 0;
        await foreach (var token in table.QueryAsync<TableEntity>(filter))
        {
            live += token.GetString("State") == "Live" ? 1 : 0;
        }

        return live;
    }
}
