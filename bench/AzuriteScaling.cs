using Azure.Data.Tables;

namespace RapidStart.Bench;

/// <summary>Azurite's own rates at one table size: point reads of random entities, and single-partition queries of 100 entities.</summary>
public sealed record AzuriteAtSize(int Entities, LoadResult PointReads, LoadResult Queries);

/// <summary>
/// How Azurite's rates change with the size of the table alone, with nothing of RapidStart in the
/// way: a scratch table grows in steps (entities of ~500 B, 100 to a partition, written in batch
/// transactions) and at each size GetEntity of random entities and a query of one partition (100
/// entities) are measured at 8 clients. A ratio against a raw baseline taken on a smaller table
/// would mix this decline into the product's overhead.
/// </summary>
public static class AzuriteScaling
{
    public static readonly int[] Sizes = [500, 2_000, 8_000, 26_000];
    private const int PerPartition = 100;
    private const int Clients = 8;

    public static async Task<IReadOnlyList<AzuriteAtSize>> RunAsync(string connectionString, bool quick, CancellationToken cancellationToken)
    {
        var table = new TableClient(connectionString, "benchsize" + Guid.NewGuid().ToString("N")[..8]);
        await table.CreateIfNotExistsAsync(cancellationToken);
        var duration = TimeSpan.FromSeconds(quick ? 2 : 4);
        var results = new List<AzuriteAtSize>();
        var written = 0;
        try
        {
            foreach (var size in quick ? Sizes[..3] : Sizes)
            {
                Progress.Step($"azurite: growing the scratch table to {size:N0} entities");
                var batches = Enumerable.Range(written / PerPartition, (size - written) / PerPartition).ToArray();
                await Load.ForEachAsync(batches, 8, async (partition, ct) =>
                {
                    var actions = Enumerable.Range(0, PerPartition).Select(row => new TableTransactionAction(TableTransactionActionType.Add, Entity(partition, row)));
                    await table.SubmitTransactionAsync(actions, ct);
                }, cancellationToken);
                written = size;
                var partitions = size / PerPartition;

                var reads = await Load.RunAsync($"GetEntity at {size}", Clients, TimeSpan.FromSeconds(1), duration, async (_, _) =>
                {
                    var response = await table.GetEntityAsync<TableEntity>(Partition(Random.Shared.Next(partitions)), Row(Random.Shared.Next(PerPartition)), cancellationToken: cancellationToken);
                    return response.Value is not null;
                }, cancellationToken);
                var queries = await Load.RunAsync($"query at {size}", Clients, TimeSpan.FromSeconds(1), duration, async (_, _) =>
                {
                    var count = 0;
                    await foreach (var _ in table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition(Random.Shared.Next(partitions)), cancellationToken: cancellationToken))
                    {
                        count++;
                    }

                    return count == PerPartition;
                }, cancellationToken);
                Progress.Step($"  {size:N0}: GetEntity {reads.PerSecond:0}/s, partition query {queries.PerSecond:0}/s");
                results.Add(new AzuriteAtSize(size, reads, queries));
            }
        }
        finally
        {
            await BenchHost.BestEffortAsync(() => table.DeleteAsync(CancellationToken.None));
        }

        return results;
    }

    private static string Partition(int n) => $"eu-west|size-{n:D6}";

    private static string Row(int n) => $"row-{n:D3}";

    private static TableEntity Entity(int partition, int row) => new(Partition(partition), Row(row))
    {
        ["Name"] = $"Scratch entity {partition}-{row}",
        ["Payload"] = new string('x', 400),
        ["At"] = DateTimeOffset.UtcNow,
        ["Number"] = row,
    };
}
