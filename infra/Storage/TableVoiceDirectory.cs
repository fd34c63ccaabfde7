using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using RapidStart.Domain.Voice;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// The VOICE port over a <c>VoiceAccounts</c> table partitioned by partner of record. Every read
/// names the partner's own partition, so another partner's account is simply not there to find;
/// a real deployment replaces this adapter with one that reads its VOICE source.
/// </summary>
public sealed partial class TableVoiceDirectory(TableRouter router, ILogger<TableVoiceDirectory> logger) : IVoiceDirectory
{
    public async Task<VoiceAccount?> FindAsync(string partnerId, string accountNumber, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(partnerId) || string.IsNullOrEmpty(accountNumber))
        {
            return null;
        }

        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var response = await router.VoiceTable
            .GetEntityIfExistsAsync<VoiceAccountEntity>(TableKeys.Escape(partnerId), TableKeys.Escape(accountNumber), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return response.HasValue ? VoiceAccountMapping.ToDomain(response.Value!) : null;
    }

    public async Task<IReadOnlyList<VoiceAccount>> ListAsync(string partnerId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(partnerId);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(partnerId)}");
        var accounts = new List<VoiceAccount>();
        await foreach (var entity in router.VoiceTable.QueryAsync<VoiceAccountEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            accounts.Add(VoiceAccountMapping.ToDomain(entity));
        }

        return accounts;
    }

    /// <summary>
    /// Loads sample or exported accounts (last writer wins), one transaction per partner and at most
    /// 100 accounts, so a seed of thousands is tens of round trips rather than thousands.
    /// </summary>
    public async Task<int> SeedAsync(IEnumerable<VoiceAccount> accounts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var written = 0;

        // The last entry for an account wins, as separate upserts would; a transaction may touch a row once.
        var entities = accounts
            .Select(VoiceAccountMapping.ToEntity)
            .GroupBy(e => (e.PartitionKey, e.RowKey))
            .Select(g => g.Last());
        foreach (var partition in entities.GroupBy(e => e.PartitionKey, StringComparer.Ordinal))
        {
            foreach (var chunk in partition.Chunk(TableTransactions.MaxOperations))
            {
                var actions = chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)).ToList();
                await TableTransactions.SubmitAsync(router.VoiceTable, actions, cancellationToken).ConfigureAwait(false);
                written += actions.Count;
            }
        }

        LogSeeded(written);
        return written;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded {AccountCount} VOICE account(s)")]
    private partial void LogSeeded(int accountCount);
}
