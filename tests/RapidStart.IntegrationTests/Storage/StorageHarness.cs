using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Subscriptions;
using RapidStart.Infrastructure.Storage;
using RapidStart.IntegrationTests.Infrastructure;

namespace RapidStart.IntegrationTests.Storage;

/// <summary>The storage adapters wired to Azurite with tables of their own, plus raw table access for layout checks.</summary>
internal sealed class StorageHarness
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 9, 30, 15, 123, TimeSpan.Zero);

    public StorageHarness(AzuriteFixture azurite)
    {
        Options = new StorageOptions
        {
            ConnectionString = azurite.ConnectionString,
            TableName = AzuriteFixture.UniqueTableName("rs"),
            VoiceTableName = AzuriteFixture.UniqueTableName("voice"),
        };
        Router = new TableRouter(Microsoft.Extensions.Options.Options.Create(Options), NullLogger<TableRouter>.Instance);
        Customers = new TableCustomerStore(Router, Catalog, Clock, NullLogger<TableCustomerStore>.Instance);
        Subscriptions = new TableSubscriptionStore(Router, Catalog, NullLogger<TableSubscriptionStore>.Instance);
        Voice = new TableVoiceDirectory(Router, NullLogger<TableVoiceDirectory>.Instance);
        FollowUps = new TableFollowUpStore(Router);
    }

    public StorageOptions Options { get; }

    public ServiceCatalog Catalog { get; } = ServiceCatalog.Default();

    public FakeTimeProvider Clock { get; } = new(Start);

    public TableRouter Router { get; }

    public TableCustomerStore Customers { get; }

    public TableSubscriptionStore Subscriptions { get; }

    public TableVoiceDirectory Voice { get; }

    public TableFollowUpStore FollowUps { get; }

    /// <summary>The main table, read without the adapter, to check what was really written.</summary>
    public TableClient RawTable => new TableServiceClient(Options.ConnectionString).GetTableClient(Options.TableName);

    public async Task<List<TableEntity>> RawPartitionAsync(string partitionKey)
    {
        await Router.EnsureTablesAsync(CancellationToken.None);
        var rows = new List<TableEntity>();
        await foreach (var row in RawTable.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}")))
        {
            rows.Add(row);
        }

        return rows;
    }

    public static Customer NewCustomer(string region, string partnerId, DateTimeOffset? at = null, string country = "DE") =>
        new(
            CustomerId.New(region, at ?? Start),
            partnerId,
            CustomerKinds.Existing,
            "VOICE-1001",
            new Organization("Müller & Söhne GmbH", new Address("Hauptstraße 5", "München", "Bayern", "80331", country)),
            new Administrator("Dana Berger", "dana@contoso.com", "dana.contact@contoso.de"),
            region,
            at ?? Start,
            new Dictionary<string, string> { ["rapidstart"] = region, ["analytics"] = "us-east" });

    public static (Subscription Subscription, AuditEntry SignUp) NewSubscription(string region, string partnerId, string? customerId = null, string serviceId = ServiceCatalog.RapidStartServiceId) =>
        Subscription.SignUp(customerId ?? CustomerId.New(region, Start), partnerId, serviceId, "DE", region, Start, TimeSpan.FromDays(90), "partner:p1");
}

/// <summary>Reads and rewrites the JSON inside a continuation token, to forge tokens the way a caller could.</summary>
internal static class TokenJson
{
    public static System.Text.Json.Nodes.JsonObject Decode(string token)
    {
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        return System.Text.Json.Nodes.JsonNode.Parse(Convert.FromBase64String(base64))!.AsObject();
    }

    public static string Encode(System.Text.Json.Nodes.JsonObject json) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
