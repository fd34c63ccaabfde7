using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;
using RapidStart.Domain.Telemetry;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// Subscriptions and everything under them (audit trail, activation tokens, portal users) in one
/// partition, <c>{region}|{customerId}</c>, so a transition, its audit line and its token changes
/// commit in one table transaction guarded by the subscription's ETag. The Service List and the
/// sweep's due items are index partitions, so neither ever scans customer partitions.
/// </summary>
public sealed partial class TableSubscriptionStore(
    TableRouter router,
    ServiceCatalog catalog,
    ILogger<TableSubscriptionStore> logger) : ISubscriptionStore
{
    /// <summary>Deletes per purge transaction: one slot of the 100 is the subscription's ETag guard.</summary>
    public const int PurgeBatchSize = TableTransactions.MaxOperations - 1;

    public async Task<Versioned<Subscription>?> GetAsync(SubscriptionKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var response = await router.For(key.Region)
            .GetEntityIfExistsAsync<SubscriptionEntity>(SubscriptionMapping.Partition(key), TableKeys.SubscriptionRow(key.ServiceId), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return response.HasValue ? new Versioned<Subscription>(SubscriptionMapping.ToDomain(response.Value!), response.Value!.ETag.ToString()) : null;
    }

    public async Task<bool> InsertAsync(Subscription subscription, AuditEntry signUp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(signUp);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        List<TableTransactionAction> actions =
        [
            new(TableTransactionActionType.Add, SubscriptionMapping.ToEntity(subscription)),
            new(TableTransactionActionType.Add, SubscriptionMapping.ToEntity(subscription.Key, subscription.AuditCount, signUp)),
        ];
        try
        {
            await TableTransactions.SubmitAsync(router.For(subscription.Region), actions, cancellationToken).ConfigureAwait(false);
            RapidStartTelemetry.RecordTransition(subscription.Key, signUp);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            LogSubscriptionExists(subscription.Key);
            return false;
        }
    }

    public async Task<string> CommitAsync(SubscriptionCommit commit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commit);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var subscription = commit.Subscription;
        var key = subscription.Key;
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpdateReplace, SubscriptionMapping.ToEntity(subscription), new ETag(commit.ETag)),
        };
        var auditIndex = -1;
        if (commit.Audit is { } audit)
        {
            auditIndex = actions.Count;
            actions.Add(new(TableTransactionActionType.Add, SubscriptionMapping.ToEntity(key, subscription.AuditCount, audit)));
        }

        foreach (var token in commit.Tokens ?? [])
        {
            actions.Add(new(TableTransactionActionType.UpsertReplace, SubscriptionMapping.ToEntity(key, token)));
        }

        foreach (var user in commit.UsersToUpsert ?? [])
        {
            actions.Add(new(TableTransactionActionType.UpsertReplace, SubscriptionMapping.ToEntity(key, user)));
        }

        if (commit.FollowUps is { } followUps)
        {
            // Upsert: a retry after a lost answer rewrites the row its first attempt committed.
            actions.Add(new(TableTransactionActionType.UpsertReplace, FollowUpMapping.ToEntity(followUps)));
        }

        foreach (var accountId in commit.UsersToDelete ?? [])
        {
            var entity = new TableEntity(SubscriptionMapping.Partition(key), TableKeys.UserRow(accountId));
            actions.Add(new(TableTransactionActionType.Delete, entity, ETag.All));
        }

        try
        {
            var responses = await TableTransactions.SubmitSkippingMissingDeletesAsync(router.For(key.Region), actions, cancellationToken).ConfigureAwait(false);
            if (commit.Audit is { } committed)
            {
                RapidStartTelemetry.RecordTransition(key, committed);
            }

            return NewETag(responses);
        }
        catch (TableTransactionFailedException e) when (IsLostRace(e, auditIndex))
        {
            LogCommitConflict(key, e.Status, e.ErrorCode);
            throw new ConcurrencyConflictException();
        }
    }

    public async Task<string> PurgeAsync(SubscriptionCommit tombstone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tombstone);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var key = tombstone.Subscription.Key;
        var table = router.For(key.Region);
        var partition = SubscriptionMapping.Partition(key);

        var doomed = new List<ITableEntity>();
        var tokenFilter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {partition} and RowKey ge {TableKeys.TokenPrefix} and RowKey lt {TableKeys.PrefixEnd(TableKeys.TokenPrefix)} and ServiceId eq {key.ServiceId}");
        doomed.AddRange(await QueryKeysAsync(table, tokenFilter, cancellationToken).ConfigureAwait(false));

        // Portal users belong to the customer's portal, which another live subscription in this
        // partition may still use: they go only with the last one.
        var tokenCount = doomed.Count;
        if (!await AnotherLiveSubscriptionAsync(table, partition, key.ServiceId, cancellationToken).ConfigureAwait(false))
        {
            var userFilter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {partition} and RowKey ge {TableKeys.UserPrefix} and RowKey lt {TableKeys.PrefixEnd(TableKeys.UserPrefix)}");
            doomed.AddRange(await QueryKeysAsync(table, userFilter, cancellationToken).ConfigureAwait(false));
        }

        // Each batch also merges nothing into the subscription under its ETag: if anyone changed the
        // subscription since the caller decided to purge (Support reactivated it, say), the batch
        // fails before deleting anything, and the chain of ETags carries into the final commit.
        var etag = tombstone.ETag;
        foreach (var chunk in doomed.Chunk(PurgeBatchSize))
        {
            var actions = new List<TableTransactionAction>(chunk.Length + 1)
            {
                new(TableTransactionActionType.UpdateMerge, new TableEntity(partition, TableKeys.SubscriptionRow(key.ServiceId)), new ETag(etag)),
            };
            actions.AddRange(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All)));
            try
            {
                etag = NewETag(await TableTransactions.SubmitSkippingMissingDeletesAsync(table, actions, cancellationToken).ConfigureAwait(false));
            }
            catch (TableTransactionFailedException e) when (IsLostRace(e, auditIndex: -1))
            {
                LogCommitConflict(key, e.Status, e.ErrorCode);
                throw new ConcurrencyConflictException();
            }
        }

        etag = await CommitAsync(tombstone with { ETag = etag }, cancellationToken).ConfigureAwait(false);
        LogPurged(key, tokenCount, doomed.Count - tokenCount);
        return etag;
    }

    public async Task<IReadOnlyList<AuditEntry>> GetHistoryAsync(SubscriptionKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var prefix = TableKeys.AuditRowPrefix(key.ServiceId);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {SubscriptionMapping.Partition(key)} and RowKey ge {prefix} and RowKey lt {TableKeys.PrefixEnd(prefix)}");
        var history = new List<AuditEntry>();
        await foreach (var entity in router.For(key.Region).QueryAsync<AuditEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            history.Add(SubscriptionMapping.ToDomain(entity));
        }

        // Row keys are zero-padded sequence numbers, and Table Storage returns a partition in row-key order.
        return history;
    }

    public async Task<Domain.Activation.ActivationTokenRecord?> GetTokenAsync(SubscriptionKey key, string hash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(hash);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var response = await router.For(key.Region)
            .GetEntityIfExistsAsync<ActivationTokenEntity>(SubscriptionMapping.Partition(key), TableKeys.TokenRow(hash), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return response.HasValue && response.Value!.ServiceId == key.ServiceId ? SubscriptionMapping.ToDomain(response.Value) : null;
    }

    public async Task<IReadOnlyList<Domain.Portal.PortalUser>> ListUsersAsync(SubscriptionKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {SubscriptionMapping.Partition(key)} and RowKey ge {TableKeys.UserPrefix} and RowKey lt {TableKeys.PrefixEnd(TableKeys.UserPrefix)}");
        var users = new List<Domain.Portal.PortalUser>();
        await foreach (var entity in router.For(key.Region).QueryAsync<PortalUserEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            users.Add(SubscriptionMapping.ToDomain(entity));
        }

        return users;
    }

    public async Task UpsertListingAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        await router.For(subscription.Region)
            .UpsertEntityAsync(SubscriptionMapping.ToListing(subscription), TableUpdateMode.Replace, cancellationToken)
            .ConfigureAwait(false);
    }

    public Task<Domain.Customers.Page<Subscription>> ListAsync(string partnerId, SubscriptionStatus? status, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(partnerId);
        var statusName = status?.ToString();
        return RegionPager.ReadAsync<ServiceListingEntity, Subscription>(
            router,
            catalog.Regions,
            $"services|{partnerId}|{statusName}",
            region =>
            {
                var partition = TableKeys.ServiceListPartition(region, partnerId);
                return statusName is null
                    ? TableClient.CreateQueryFilter($"PartitionKey eq {partition}")
                    : TableClient.CreateQueryFilter($"PartitionKey eq {partition} and Status eq {statusName}");
            },
            SubscriptionMapping.FromListing,
            continuationToken,
            pageSize,
            cancellationToken);
    }

    public async Task AddDueAsync(DueItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        await router.For(item.Key.Region)
            .UpsertEntityAsync(SubscriptionMapping.ToEntity(item), TableUpdateMode.Replace, cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DueItem>> ListDueAsync(string region, DateOnly fromDay, DateTimeOffset until, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        var untilDay = DateOnly.FromDateTime(until.UtcDateTime);
        if (fromDay > untilDay)
        {
            return [];
        }

        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);

        // One range query over the day partitions [fromDay, untilDay] of this region only.
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {TableKeys.DuePartition(region, fromDay)} and PartitionKey le {TableKeys.DuePartition(region, untilDay)} and DueAt le {until.ToUniversalTime()}");
        var due = new List<DueItem>();
        await foreach (var entity in router.For(region).QueryAsync<DueItemEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            due.Add(SubscriptionMapping.ToDomain(entity));
        }

        return due;
    }

    public async Task RemoveDueAsync(DueItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var entity = SubscriptionMapping.ToEntity(item);
        try
        {
            await router.For(item.Key.Region).DeleteEntityAsync(entity.PartitionKey, entity.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already removed (a repeated sweep): nothing to do.
        }
    }

    /// <summary>
    /// A 412 can only come from the subscription's ETag (every other operation is unconditional); a
    /// 409 on the audit line means another commit wrote that sequence number first; a 404 on the
    /// subscription means it is not there to update. All three: someone else changed it first.
    /// </summary>
    private static bool IsLostRace(TableTransactionFailedException e, int auditIndex) =>
        e.Status == 412
        || (e.Status == 409 && auditIndex >= 0 && (e.FailedTransactionActionIndex is null || e.FailedTransactionActionIndex == auditIndex))
        || (e.Status == 404 && e.FailedTransactionActionIndex == 0);

    private static string NewETag(IReadOnlyList<Response> responses) =>
        responses.Count > 0 && responses[0].Headers.ETag is { } etag
            ? etag.ToString()
            : throw new InvalidOperationException("Table Storage returned no ETag for the subscription in a transaction.");

    private static async Task<List<ITableEntity>> QueryKeysAsync(TableClient table, string filter, CancellationToken cancellationToken)
    {
        var keys = new List<ITableEntity>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, select: [nameof(ITableEntity.PartitionKey), nameof(ITableEntity.RowKey)], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            keys.Add(new TableEntity(entity.PartitionKey, entity.RowKey));
        }

        return keys;
    }

    private static async Task<bool> AnotherLiveSubscriptionAsync(TableClient table, string partition, string serviceId, CancellationToken cancellationToken)
    {
        var purged = nameof(SubscriptionStatus.Purged);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {partition} and RowKey ge {TableKeys.SubscriptionPrefix} and RowKey lt {TableKeys.PrefixEnd(TableKeys.SubscriptionPrefix)} and ServiceId ne {serviceId} and Status ne {purged}");
        await foreach (var _ in table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: [nameof(ITableEntity.RowKey)], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscription {Subscription} already exists; insert skipped")]
    private partial void LogSubscriptionExists(SubscriptionKey subscription);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Commit of subscription {Subscription} lost a race (status {Status}, {ErrorCode})")]
    private partial void LogCommitConflict(SubscriptionKey subscription, int status, string? errorCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscription {Subscription} purged: {TokenCount} token(s) and {UserCount} portal user(s) deleted")]
    private partial void LogPurged(SubscriptionKey subscription, int tokenCount, int userCount);
}
