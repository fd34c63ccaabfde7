using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Customers;
using RapidStart.Infrastructure.Storage;

namespace RapidStart.Bench;

public sealed record EnrollmentLevel(int Clients, LoadResult ApiCreate, LoadResult RawAdd, LoadResult ApiGet, LoadResult RawGet);

/// <param name="Customers">Customers the API created (warm-ups included): the reads pick among them.</param>
/// <param name="RawEntities">Customer-shaped entities the raw side added to the same table (warm-ups included).</param>
public sealed record EnrollmentResult(IReadOnlyList<EnrollmentLevel> Levels, TimeSpan WarmUp, TimeSpan Duration, int Slices, int RawEntityBytes, int CustomerEntityBytes, int Customers, int RawEntities);

/// <summary>
/// Create-customer and get-customer through the API at 1, 8 and 32 concurrent clients, each next to
/// the raw Azure.Data.Tables operation it costs at least, at the same concurrency, taking turns with
/// it: AddEntity of an entity shaped and sized like a customer record (same key shape, so Azurite
/// indexes it alike), and GetEntity of the very customer records the API created, all in the API's
/// own table. A separate bench client (its own TableClient) plays the raw side.
/// </summary>
public static class EnrollmentBench
{
    public static readonly int[] ClientLevels = [1, 8, 32];

    /// <summary>API and raw take turns in this many slices each (A B B A ...), so drift over time and bursts of other load fall on both alike.</summary>
    private static int SlicesFor(bool quick) => quick ? 2 : 4;

    public static async Task<EnrollmentResult> RunAsync(BenchHost host, bool quick, CancellationToken cancellationToken)
    {
        var warmUp = TimeSpan.FromSeconds(quick ? 1 : 2);
        var slices = SlicesFor(quick);
        var duration = TimeSpan.FromSeconds(quick ? 3 : 10);
        var catalog = ServiceCatalog.Default();
        var appTable = new TableClient(host.ConnectionString, host.TableName);
        var created = new ConcurrentBag<string>();
        long prospect = 0;
        long rawAdded = 0;
        var levels = new List<EnrollmentLevel>();

        // Creates at every level first, then reads at every level: the reads then all run over the same
        // table (on Azurite a point read costs more the more rows share its row key, so a table that
        // grew between read levels would confound concurrency with table size).
        var creates = new List<(LoadResult Api, LoadResult Raw)>();
        foreach (var clients in ClientLevels)
        {
            Progress.Step($"enrollment: {clients} client(s): create vs AddEntity, {duration.TotalSeconds:0} s each in {slices} alternating slices after {warmUp.TotalSeconds:0} s warm-up");
            var (apiCreate, rawAdd) = await Load.PairedAsync(
                "API create customer",
                async (_, _) =>
                {
                    var id = await Prospects.CreateAsync(host.Partner, Interlocked.Increment(ref prospect), cancellationToken);
                    if (id is null)
                    {
                        return false;
                    }

                    created.Add(id);
                    return true;
                },
                "raw AddEntity",
                async (_, n) =>
                {
                    var added = (await appTable.AddEntityAsync(RawCustomer(catalog, n), cancellationToken)).Status == (int)HttpStatusCode.NoContent;
                    if (added)
                    {
                        Interlocked.Increment(ref rawAdded);
                    }

                    return added;
                },
                clients, warmUp, duration, slices, cancellationToken);
            creates.Add((apiCreate, rawAdd));
            Progress.Step($"  create {apiCreate.PerSecond:0}/s vs add {rawAdd.PerSecond:0}/s (failures {apiCreate.Failed}/{rawAdd.Failed})");
        }

        var ids = created.ToArray();
        if (ids.Length == 0)
        {
            throw new InvalidOperationException("No customer was created through the API, so there is nothing to read: see the errors above.");
        }

        for (var level = 0; level < ClientLevels.Length; level++)
        {
            var clients = ClientLevels[level];
            Progress.Step($"enrollment: {clients} client(s): get vs GetEntity over {ids.Length:N0} customers, {duration.TotalSeconds:0} s each in {slices} alternating slices after {warmUp.TotalSeconds:0} s warm-up");
            var (apiGet, rawGet) = await Load.PairedAsync(
                "API get customer",
                async (_, _) =>
                {
                    var id = ids[Random.Shared.Next(ids.Length)];
                    using var response = await host.Partner.GetAsync($"/api/customers/{id}", HttpCompletionOption.ResponseContentRead, cancellationToken);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        await Prospects.ThrowIfServerErrorAsync(response, $"GET /api/customers/{id}", cancellationToken);
                    }

                    return true;
                },
                "raw GetEntity",
                async (_, _) =>
                {
                    var id = ids[Random.Shared.Next(ids.Length)];
                    var response = await appTable.GetEntityAsync<TableEntity>(TableKeys.CustomerPartition(CustomerId.RegionOf(id)!, id), TableKeys.CustomerRow, cancellationToken: cancellationToken);
                    return response.Value is not null;
                },
                clients, warmUp, duration, slices, cancellationToken);
            levels.Add(new EnrollmentLevel(clients, creates[level].Api, creates[level].Raw, apiGet, rawGet));
            Progress.Step($"  get {apiGet.PerSecond:0}/s vs raw get {rawGet.PerSecond:0}/s (failures {apiGet.Failed}/{rawGet.Failed})");
        }

        var sample = created.First();
        var stored = await appTable.GetEntityAsync<TableEntity>(TableKeys.CustomerPartition(CustomerId.RegionOf(sample)!, sample), TableKeys.CustomerRow, cancellationToken: cancellationToken);
        return new EnrollmentResult(levels, warmUp, duration, slices, PayloadBytes(RawCustomer(catalog, 1)), PayloadBytes(stored.Value), ids.Length, (int)Interlocked.Read(ref rawAdded));
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
