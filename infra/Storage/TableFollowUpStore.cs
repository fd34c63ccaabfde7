using Azure;
using Azure.Data.Tables;
using RapidStart.Domain.Changes;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// Follow-up rows (<c>followup|{id}</c> in the partition of the record they follow) and their hints in
/// the date-keyed due index. The rows themselves are added by the record's own transaction in
/// <see cref="TableSubscriptionStore"/> and <see cref="TableCustomerStore"/>.
/// </summary>
public sealed class TableFollowUpStore(TableRouter router) : IFollowUpStore
{
    public async Task AddHintAsync(PendingFollowUps pending, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        await router.For(pending.Region)
            .UpsertEntityAsync(FollowUpMapping.ToHint(pending, dueAt), TableUpdateMode.Replace, cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PendingFollowUps>> ListPendingAsync(string region, string customerId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(customerId);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {TableKeys.CustomerPartition(region, customerId)} and RowKey ge {TableKeys.FollowUpPrefix} and RowKey lt {TableKeys.PrefixEnd(TableKeys.FollowUpPrefix)}");
        var pending = new List<PendingFollowUps>();
        await foreach (var entity in router.For(region).QueryAsync<FollowUpEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            pending.Add(FollowUpMapping.ToDomain(entity));
        }

        return pending;
    }

    /// <summary>The row and the hint live in two partitions, so two deletes, sent together; either may be gone already.</summary>
    public async Task ClearAsync(PendingFollowUps pending, DateTimeOffset hintDueAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var table = router.For(pending.Region);
        var row = FollowUpMapping.ToEntity(pending);
        var hint = FollowUpMapping.ToHint(pending, hintDueAt);
        await Task.WhenAll(
            DeleteAsync(table, row.PartitionKey, row.RowKey, cancellationToken),
            DeleteAsync(table, hint.PartitionKey, hint.RowKey, cancellationToken)).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already cleared (a repeated dispatch): nothing to do.
        }
    }
}
