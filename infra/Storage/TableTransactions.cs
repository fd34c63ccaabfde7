using System.Diagnostics;
using Azure;
using Azure.Data.Tables;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// The one way this adapter submits a table transaction. Azure refuses a transaction with more than
/// 100 operations, operations in two partitions, or two operations on one entity; Azurite accepts
/// all three, so tests against it would never notice. This guard refuses them on our side, in every
/// environment, before anything is sent.
/// </summary>
public static class TableTransactions
{
    public const int MaxOperations = 100;

    /// <summary>Throws <see cref="InvalidOperationException"/> when Azure would refuse the transaction.</summary>
    public static void EnsureValid(IReadOnlyList<TableTransactionAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count == 0)
        {
            throw new InvalidOperationException("A table transaction needs at least one operation.");
        }

        if (actions.Count > MaxOperations)
        {
            throw new InvalidOperationException($"A table transaction holds at most {MaxOperations} operations; this one has {actions.Count}.");
        }

        var partition = actions[0].Entity.PartitionKey;
        var rows = new HashSet<string>(StringComparer.Ordinal);
        foreach (var action in actions)
        {
            if (!string.Equals(action.Entity.PartitionKey, partition, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"A table transaction must stay in one partition; it mixes '{partition}' and '{action.Entity.PartitionKey}'.");
            }

            if (!rows.Add(action.Entity.RowKey))
            {
                throw new InvalidOperationException($"A table transaction may touch row '{action.Entity.RowKey}' only once.");
            }
        }
    }

    /// <summary>Checks the transaction, then submits it; the responses are in the order of <paramref name="actions"/>.</summary>
    public static async Task<IReadOnlyList<Response>> SubmitAsync(TableClient table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        EnsureValid(actions);
        Debug.Assert(actions.Select(a => a.Entity.PartitionKey).Distinct().Count() == 1, "One partition per transaction.");
        var response = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        return response.Value;
    }

    /// <summary>
    /// Submits the transaction; when an unconditional Delete (<see cref="ETag.All"/>) fails because its
    /// entity is already gone (404), drops that Delete and submits the rest again: such a delete is done
    /// once the entity is gone, and the other operations still commit together. A Delete guarded by an
    /// ETag is a precondition, so its 404 is thrown like any other failure: the caller lost a race.
    /// Responses of the remaining actions come back in order.
    /// </summary>
    public static async Task<IReadOnlyList<Response>> SubmitSkippingMissingDeletesAsync(TableClient table, List<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await SubmitAsync(table, actions, cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (
                e.Status == 404
                && e.FailedTransactionActionIndex is { } index
                && index < actions.Count
                && actions[index].ActionType == TableTransactionActionType.Delete
                && actions[index].ETag == ETag.All
                && actions.Count > 1)
            {
                actions.RemoveAt(index);
            }
        }
    }
}
