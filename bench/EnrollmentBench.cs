using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Customers;
using RapidStart.Infrastructure.Storage;

namespace RapidStart.Bench;

/// <param name="Pool">Customers created through the API before the gets (untimed); the reads pick among them at random.</param>
/// <param name="CustomerRowsAtEnd">Rows with the row key "customer" in the table after the creates: the pool, the API's creates and the raw adds (warm-ups included).</param>
public sealed record EnrollmentLevel(int Clients, LoadResult ApiCreate, LoadResult RawAdd, LoadResult ApiGet, LoadResult RawGet, int Pool, int CustomerRowsAtEnd);

public sealed record EnrollmentResult(IReadOnlyList<EnrollmentLevel> Levels, TimeSpan WarmUp, TimeSpan Duration, int Slices, int RawEntityBytes, int CustomerEntityBytes);

/// <summary>
/// Get-customer and create-customer through the API at 1, 8 and 32 concurrent clients, each next to
/// the raw Azure.Data.Tables operation it costs at least, at the same concurrency, taking turns with
/// it: GetEntity of the very customer records the API created, and AddEntity of an entity shaped and
/// sized like a customer record (same key shape, so Azurite indexes it alike), all in the API's own
/// table. A separate bench client (its own TableClient) plays the raw side. Every level runs on a
/// fresh local host with the same number of customers to read.
/// </summary>
public static class EnrollmentBench
{
    public static readonly int[] ClientLevels = [1, 8, 32];

    /// <summary>API and raw take turns in this many slices each (A B B A ...), so drift over time and bursts of other load fall on both alike.</summary>
    private static int SlicesFor(bool quick) => quick ? 2 : 4;

    public static async Task<EnrollmentResult> RunAsync(Func<Task<BenchHost>> startHost, bool quick, CancellationToken cancellationToken)
    {
        var warmUp = TimeSpan.FromSeconds(quick ? 1 : 2);
        var duration = TimeSpan.FromSeconds(quick ? 3 : 10);
        var slices = SlicesFor(quick);
        var poolSize = quick ? 600 : 2_000;
        var catalog = ServiceCatalog.Default();
        long prospect = 0;
        var levels = new List<EnrollmentLevel>();
        var customerBytes = 0;

        // Each level on a fresh local host (new tables): on Azurite a point operation costs more the
        // more rows share its row key (every customer record's is "customer"), so levels sharing one
        // growing table would confound concurrency with table size.
        foreach (var clients in ClientLevels)
        {
            await using var host = await startHost();
            var table = new TableClient(host.ConnectionString, host.TableName);
            Progress.Step($"enrollment: {clients} client(s): {poolSize:N0} customers to read, created through the API (untimed)");
            var pool = new ConcurrentBag<string>();
            await Load.ForEachAsync(Enumerable.Range(0, poolSize), 8, async (_, ct) =>
            {
                if (await Prospects.CreateAsync(host.Partner, Interlocked.Increment(ref prospect), ct) is { } id)
                {
                    pool.Add(id);
                }
            }, cancellationToken);
            var ids = pool.ToArray();
            if (ids.Length == 0)
            {
                throw new InvalidOperationException("No customer was created through the API, so there is nothing to read: see the errors above.");
            }

            Progress.Step($"enrollment: {clients} client(s): get vs GetEntity, {duration.TotalSeconds:0} s each in {slices} alternating slices after {warmUp.TotalSeconds:0} s warm-up");
            var (apiGet, rawGet) = await Load.PairedAsync(
                "API get customer",
                (_, _) => Prospects.GetOkAsync(host.Partner, $"/api/customers/{ids[Random.Shared.Next(ids.Length)]}", cancellationToken),
                "raw GetEntity",
                async (_, _) =>
                {
                    var id = ids[Random.Shared.Next(ids.Length)];
                    var response = await table.GetEntityAsync<TableEntity>(TableKeys.CustomerPartition(CustomerId.RegionOf(id)!, id), TableKeys.CustomerRow, cancellationToken: cancellationToken);
                    return response.Value is not null;
                },
                clients, warmUp, duration, slices, cancellationToken);
            Progress.Step($"  get {apiGet.PerSecond:0}/s vs raw get {rawGet.PerSecond:0}/s (failures {apiGet.Failed}/{rawGet.Failed})");

            Progress.Step($"enrollment: {clients} client(s): create vs AddEntity, {duration.TotalSeconds:0} s each in {slices} alternating slices after {warmUp.TotalSeconds:0} s warm-up");
            long created = 0, rawAdded = 0;
            var (apiCreate, rawAdd) = await Load.PairedAsync(
                "API create customer",
                async (_, _) =>
                {
                    var ok = await Prospects.CreateAsync(host.Partner, Interlocked.Increment(ref prospect), cancellationToken) is not null;
                    if (ok)
                    {
                        Interlocked.Increment(ref created);
                    }

                    return ok;
                },
                "raw AddEntity",
                async (_, n) =>
                {
                    var ok = (await table.AddEntityAsync(RawCustomer(catalog, n), cancellationToken)).Status == (int)HttpStatusCode.NoContent;
                    if (ok)
                    {
                        Interlocked.Increment(ref rawAdded);
                    }

                    return ok;
                },
                clients, warmUp, duration, slices, cancellationToken);
            Progress.Step($"  create {apiCreate.PerSecond:0}/s vs add {rawAdd.PerSecond:0}/s (failures {apiCreate.Failed}/{rawAdd.Failed})");

            if (customerBytes == 0)
            {
                var stored = await table.GetEntityAsync<TableEntity>(TableKeys.CustomerPartition(CustomerId.RegionOf(ids[0])!, ids[0]), TableKeys.CustomerRow, cancellationToken: cancellationToken);
                customerBytes = PayloadBytes(stored.Value);
            }

            levels.Add(new EnrollmentLevel(clients, apiCreate, rawAdd, apiGet, rawGet, ids.Length, ids.Length + (int)created + (int)rawAdded));
        }

        return new EnrollmentResult(levels, warmUp, duration, slices, PayloadBytes(RawCustomer(catalog, 1)), customerBytes);
    }

    /// <summary>An entity with a customer record's properties, values of the same length, and its key shape.</summary>
    public static TableEntity RawCustomer(ServiceCatalog catalog, long n)
    {
        var country = Prospects.Country(n);
        var region = catalog.HomeRegionOf(country);
        var now = DateTimeOffset.UtcNow;
        var customerId = CustomerId.New(region, now);
        return new TableEntity(TableKeys.CustomerPartition(region, customerId), TableKeys.CustomerRow)
        {
            ["CustomerId"] = customerId,
            ["PartnerId"] = "P-BENCH-RAW",
            ["Kind"] = CustomerKinds.Prospect,
            ["OrganizationName"] = $"Bench Customer {n} Ltd",
            ["AddressJson"] = JsonSerializer.Serialize(
                new { street = $"{n} Main Street", city = "Springfield", stateOrProvince = "North", postalCode = "12345", countryRegion = country }),
            ["AdministratorJson"] = JsonSerializer.Serialize(
                new { name = $"Admin {n}", microsoftAccountId = $"admin-{Prospects.RunTag}-{n}@customer{n}.example", contactEmail = Prospects.ContactEmail(n) }),
            ["Region"] = region,
            ["CreatedAt"] = now,
            ["SubscriptionRegionsJson"] = "{}",
            ["Purged"] = false,
        };
    }

    /// <summary>Approximate JSON payload of an entity's keys and properties (what travels on the wire, without OData annotations).</summary>
    private static int PayloadBytes(TableEntity entity) =>
        JsonSerializer.SerializeToUtf8Bytes(entity.Where(p => p.Key is not ("odata.etag" or "Timestamp")).ToDictionary(p => p.Key, p => p.Value)).Length;
}
