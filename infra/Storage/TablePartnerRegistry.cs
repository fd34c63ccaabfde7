using Azure;
using Azure.Data.Tables;
using RapidStart.Domain.Partners;
using RapidStart.Domain.Problems;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// The partner registry in the default account's main table, partition
/// <see cref="TableKeys.PartnerRegistryPartition"/>: a <c>partner|</c> row per partner and a
/// <c>tenant|</c> row per tenant. A change writes both kinds in one transaction, guarded by the
/// partner row's ETag, and adds new tenant rows with Add, so two partners claiming one tenant at
/// once can't both win.
/// </summary>
public sealed class TablePartnerRegistry(TableRouter router) : IPartnerRegistry
{
    private static readonly string Partition = TableKeys.PartnerRegistryPartition;

    private TableClient Table => router.For(Partition);

    public async Task<IReadOnlyList<PartnerRegistration>> ListAsync(CancellationToken cancellationToken)
    {
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {Partition} and RowKey ge {TableKeys.PartnerPrefix} and RowKey lt {TableKeys.PrefixEnd(TableKeys.PartnerPrefix)}");
        var partners = new List<PartnerRegistration>();
        await foreach (var entity in Table.QueryAsync<PartnerEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            partners.Add(ToDomain(entity));
        }

        return partners;
    }

    public async Task<PartnerRegistration?> GetAsync(string partnerId, CancellationToken cancellationToken)
    {
        var entity = await GetPartnerAsync(partnerId, cancellationToken).ConfigureAwait(false);
        return entity is null ? null : ToDomain(entity);
    }

    public async Task<string?> FindPartnerIdAsync(string tenantId, CancellationToken cancellationToken)
    {
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var response = await Table.GetEntityIfExistsAsync<PartnerTenantEntity>(Partition, TableKeys.TenantRow(tenantId), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return response.HasValue ? response.Value!.PartnerId : null;
    }

    public async Task<bool> PutAsync(PartnerRegistration registration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        return await OptimisticRetry.RunAsync(async () =>
        {
            var current = await GetPartnerAsync(registration.PartnerId, cancellationToken).ConfigureAwait(false);
            var before = current is null ? [] : Split(current.TenantIds);
            foreach (var tenant in registration.TenantIds.Except(before))
            {
                if (await FindPartnerIdAsync(tenant, cancellationToken).ConfigureAwait(false) is { } owner && owner != registration.PartnerId)
                {
                    throw ProblemException.Conflict($"Tenant {tenant} is already registered to another partner; remove it there first.");
                }
            }

            var entity = new PartnerEntity
            {
                PartitionKey = Partition,
                RowKey = TableKeys.PartnerRow(registration.PartnerId),
                PartnerId = registration.PartnerId,
                Name = registration.Name,
                TenantIds = string.Join(',', registration.TenantIds),
            };
            var actions = new List<TableTransactionAction>
            {
                current is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, entity)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, current.ETag),
            };
            actions.AddRange(registration.TenantIds.Except(before).Select(tenant => new TableTransactionAction(
                TableTransactionActionType.Add,
                new PartnerTenantEntity { PartitionKey = Partition, RowKey = TableKeys.TenantRow(tenant), PartnerId = registration.PartnerId })));
            actions.AddRange(before.Except(registration.TenantIds).Select(tenant => new TableTransactionAction(
                TableTransactionActionType.Delete,
                new PartnerTenantEntity { PartitionKey = Partition, RowKey = TableKeys.TenantRow(tenant) },
                ETag.All)));
            await SubmitAsync(actions, cancellationToken).ConfigureAwait(false);
            return current is null;
        }).ConfigureAwait(false);
    }

    public async Task<bool> RemoveAsync(string partnerId, CancellationToken cancellationToken)
    {
        return await OptimisticRetry.RunAsync(async () =>
        {
            var current = await GetPartnerAsync(partnerId, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return false;
            }

            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, current, current.ETag) };
            actions.AddRange(Split(current.TenantIds).Select(tenant => new TableTransactionAction(
                TableTransactionActionType.Delete,
                new PartnerTenantEntity { PartitionKey = Partition, RowKey = TableKeys.TenantRow(tenant) },
                ETag.All)));
            await SubmitAsync(actions, cancellationToken).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// A lost race (the partner row changed or went away, or a tenant row appeared) is retried from a
    /// fresh read, which then tells a real conflict or a partner that is no longer there.
    /// </summary>
    private async Task SubmitAsync(List<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        try
        {
            await TableTransactions.SubmitSkippingMissingDeletesAsync(Table, actions, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412)
        {
            throw new ConcurrencyConflictException();
        }
    }

    private async Task<PartnerEntity?> GetPartnerAsync(string partnerId, CancellationToken cancellationToken)
    {
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var response = await Table.GetEntityIfExistsAsync<PartnerEntity>(Partition, TableKeys.PartnerRow(partnerId), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }

    private static PartnerRegistration ToDomain(PartnerEntity entity) => new(entity.PartnerId, entity.Name, Split(entity.TenantIds));

    private static string[] Split(string tenantIds) => tenantIds.Split(',', StringSplitOptions.RemoveEmptyEntries);
}
