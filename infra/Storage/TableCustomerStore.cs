using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Problems;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// Customers in Azure Table Storage. A customer is a point read in its home region's partition
/// (<c>{region}|{customerId}</c>, region taken from the identifier); a partner's list is an index
/// partition per region; a VOICE number claim is an entity whose existence is the lock. Outages
/// (status 0/5xx, socket errors) propagate: the HTTP edge answers 503 for them.
/// </summary>
public sealed partial class TableCustomerStore(
    TableRouter router,
    ServiceCatalog catalog,
    TimeProvider clock,
    ILogger<TableCustomerStore> logger) : ICustomerStore
{
    public async Task<Versioned<Customer>?> GetAsync(string customerId, CancellationToken cancellationToken)
    {
        if (CustomerId.RegionOf(customerId) is not { } region)
        {
            return null;
        }

        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var response = await router.For(region)
            .GetEntityIfExistsAsync<CustomerEntity>(TableKeys.CustomerPartition(region, customerId), TableKeys.CustomerRow, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return response.HasValue ? new Versioned<Customer>(CustomerMapping.ToDomain(response.Value!), response.Value!.ETag.ToString()) : null;
    }

    public async Task<bool> InsertAsync(Customer customer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteAsync(customer, new TableTransactionAction(TableTransactionActionType.Add, CustomerMapping.ToEntity(customer)), followUps: null, cancellationToken)
                .ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (StatusOf(e) == 409)
        {
            // The SDK resends an insert whose answer was lost; then the record there is our own.
            var stored = await GetAsync(customer.CustomerId, cancellationToken).ConfigureAwait(false);
            if (stored is not null && stored.Value.PartnerId == customer.PartnerId && stored.Value.CreatedAt == customer.CreatedAt)
            {
                return true;
            }

            LogCustomerExists(customer.CustomerId);
            return false;
        }
    }

    public async Task<string> ReplaceAsync(Customer customer, string etag, PendingFollowUps? followUps, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentException.ThrowIfNullOrEmpty(etag);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await WriteAsync(
                customer, new TableTransactionAction(TableTransactionActionType.UpdateReplace, CustomerMapping.ToEntity(customer), new ETag(etag)), followUps, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (StatusOf(e) is 412 or 404)
        {
            // 404: the record is gone, which is also "it changed since it was read".
            LogCustomerConflict(customer.CustomerId, StatusOf(e));
            throw new ConcurrencyConflictException();
        }
    }

    /// <summary>
    /// The record alone is one point write; with a follow-up row (same partition) it is one transaction
    /// of both, so the row exists exactly when the change does. Returns the record's new ETag.
    /// </summary>
    private async Task<string> WriteAsync(Customer customer, TableTransactionAction record, PendingFollowUps? followUps, CancellationToken cancellationToken)
    {
        var table = router.For(CustomerMapping.RegionOf(customer));
        if (followUps is null)
        {
            var response = record.ActionType == TableTransactionActionType.Add
                ? await table.AddEntityAsync(record.Entity, cancellationToken).ConfigureAwait(false)
                : await table.UpdateEntityAsync(record.Entity, record.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return response.Headers.ETag?.ToString() ?? throw new InvalidOperationException("Table Storage returned no ETag for a customer write.");
        }

        var responses = await TableTransactions.SubmitAsync(
            table, [record, new(TableTransactionActionType.UpsertReplace, FollowUpMapping.ToEntity(followUps))], cancellationToken).ConfigureAwait(false);
        return responses[0].Headers.ETag?.ToString() ?? throw new InvalidOperationException("Table Storage returned no ETag for a customer write.");
    }

    /// <summary>A point write fails with its status; a transaction with the status of the operation that failed.</summary>
    private static int StatusOf(Exception e) => e switch
    {
        TableTransactionFailedException failed when failed.FailedTransactionActionIndex is null or 0 => failed.Status,
        TableTransactionFailedException => -1,
        RequestFailedException failed => failed.Status,
        _ => -1,
    };

    public async Task UpsertListingAsync(Customer customer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        await router.For(CustomerMapping.RegionOf(customer))
            .UpsertEntityAsync(CustomerMapping.ToListing(customer), TableUpdateMode.Replace, cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<bool> AddListingAsync(Customer customer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await router.For(CustomerMapping.RegionOf(customer)).AddEntityAsync(CustomerMapping.ToListing(customer), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public async IAsyncEnumerable<Customer> ListCreatedAsync(
        string region, DateTimeOffset from, DateTimeOffset to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {TableKeys.CustomerPartition(region, CustomerId.LowerBound(region, from))} and PartitionKey lt {TableKeys.CustomerPartition(region, CustomerId.LowerBound(region, to))} and RowKey eq {TableKeys.CustomerRow}");
        await foreach (var entity in router.For(region).QueryAsync<CustomerEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return CustomerMapping.ToDomain(entity);
        }
    }

    public async Task<DateTimeOffset?> GetListedUntilAsync(string region, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var response = await router.For(region)
            .GetEntityIfExistsAsync<ListedUntilEntity>(TableKeys.SweepPartition(region), TableKeys.ListedUntilRow, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return response.HasValue ? response.Value!.ListedUntil : null;
    }

    public async Task SetListedUntilAsync(string region, DateTimeOffset until, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var entity = new ListedUntilEntity { PartitionKey = TableKeys.SweepPartition(region), RowKey = TableKeys.ListedUntilRow, ListedUntil = until };
        await router.For(region).UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> IsListedAsync(Customer customer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var listing = CustomerMapping.ToListing(customer);
        var response = await router.For(CustomerMapping.RegionOf(customer))
            .GetEntityIfExistsAsync<TableEntity>(listing.PartitionKey, listing.RowKey, [nameof(ITableEntity.RowKey)], cancellationToken)
            .ConfigureAwait(false);
        return response.HasValue;
    }

    public Task<Domain.Customers.Page<Customer>> ListAsync(string partnerId, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(partnerId);
        return RegionPager.ReadAsync<CustomerListingEntity, Customer>(
            router,
            catalog.Regions,
            $"customers|{partnerId}",
            region => TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.PartnerCustomersPartition(region, partnerId)}"),
            CustomerMapping.FromListing,
            continuationToken,
            pageSize,
            cancellationToken);
    }

    public async Task<VoiceClaim?> GetVoiceClaimAsync(string region, string accountNumber, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(accountNumber);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var response = await router.For(region)
            .GetEntityIfExistsAsync<VoiceClaimEntity>(TableKeys.VoiceClaimPartition(region, accountNumber), TableKeys.ClaimRow, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return response.HasValue ? CustomerMapping.ToDomain(response.Value!) : null;
    }

    public async Task<bool> TryClaimVoiceNumberAsync(string region, string accountNumber, string customerId, VoiceClaim? stale, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(accountNumber);
        ArgumentException.ThrowIfNullOrEmpty(customerId);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var table = router.For(region);
        var claim = CustomerMapping.ToClaim(region, accountNumber, customerId, clock.GetUtcNow());
        try
        {
            if (stale is null)
            {
                await table.AddEntityAsync(claim, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await table.UpdateEntityAsync(claim, new ETag(stale.ETag), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }

            LogClaimed(accountNumber, customerId, stale?.CustomerId);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            // 409: someone claimed first; 412: someone took the stale claim over first; 404: it vanished under us.
            LogClaimLost(accountNumber, customerId, e.Status);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Customer {CustomerId} already exists; insert skipped")]
    private partial void LogCustomerExists(string customerId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Customer {CustomerId} changed while being written (status {Status})")]
    private partial void LogCustomerConflict(string customerId, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "VOICE account {AccountNumber} claimed for customer {CustomerId} (previous holder {PreviousCustomerId})")]
    private partial void LogClaimed(string accountNumber, string customerId, string? previousCustomerId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "VOICE account {AccountNumber} claim for customer {CustomerId} lost a race (status {Status})")]
    private partial void LogClaimLost(string accountNumber, string customerId, int status);
}
