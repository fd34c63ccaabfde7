using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using RapidStart.Domain.Customers;

namespace RapidStart.Infrastructure.Storage;

/// <summary>A customer record as stored: PK <c>{region}|{customerId}</c>, RK <c>customer</c>.</summary>
internal sealed class CustomerEntity : StoredEntity
{
    public string CustomerId { get; set; } = "";
    public string PartnerId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string? VoiceAccountNumber { get; set; }
    public string? OrganizationName { get; set; }
    public string? AddressJson { get; set; }
    public string? AdministratorJson { get; set; }
    public string Region { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public string SubscriptionRegionsJson { get; set; } = "{}";
    public bool Purged { get; set; }
}

/// <summary>
/// A customer's line in its partner's listing: PK <c>{region}|partner|{partnerId}</c>, RK
/// <c>{customerId}</c>. A copy (JSON of the customer entity) so a page is one partition query,
/// never a point read per customer.
/// </summary>
internal sealed class CustomerListingEntity : StoredEntity
{
    public string CustomerId { get; set; } = "";
    public string CustomerJson { get; set; } = "";
}

/// <summary>Who holds a VOICE number: PK <c>{region}|voiceclaim|{accountNumber}</c>, RK <c>claim</c>.</summary>
internal sealed class VoiceClaimEntity : StoredEntity
{
    public string AccountNumber { get; set; } = "";
    public string CustomerId { get; set; } = "";
    public DateTimeOffset ClaimedAt { get; set; }
}

/// <summary>
/// How far the sweep has made sure that new customers are listed: PK <c>{region}|sweep</c>, RK
/// <c>customers-listed-until</c>.
/// </summary>
internal sealed class ListedUntilEntity : StoredEntity
{
    public DateTimeOffset ListedUntil { get; set; }
}

/// <summary>Customer records to and from their entities; the only place that knows both shapes.</summary>
internal static class CustomerMapping
{
    /// <summary>The region whose partition holds the customer: the one in its identifier, else its recorded region.</summary>
    public static string RegionOf(Customer customer) => CustomerId.RegionOf(customer.CustomerId) ?? customer.Region;

    public static CustomerEntity ToEntity(Customer customer) => new()
    {
        PartitionKey = TableKeys.CustomerPartition(RegionOf(customer), customer.CustomerId),
        RowKey = TableKeys.CustomerRow,
        CustomerId = customer.CustomerId,
        PartnerId = customer.PartnerId,
        Kind = customer.Kind,
        VoiceAccountNumber = customer.VoiceAccountNumber,
        OrganizationName = StorageJson.Bounded(customer.Organization?.Name, nameof(CustomerEntity.OrganizationName)),
        AddressJson = StorageJson.Serialize(
            customer.Organization?.Address is { } address ? ToDocument(address) : null,
            nameof(CustomerEntity.AddressJson)),
        AdministratorJson = StorageJson.Serialize(
            customer.Administrator is { } admin ? new AdministratorDocument(admin.Name, admin.MicrosoftAccountId, admin.ContactEmail) : null,
            nameof(CustomerEntity.AdministratorJson)),
        Region = customer.Region,
        CreatedAt = customer.CreatedAt,
        SubscriptionRegionsJson = StorageJson.Serialize(
            new SortedDictionary<string, string>(customer.SubscriptionRegions.ToDictionary(), StringComparer.Ordinal),
            nameof(CustomerEntity.SubscriptionRegionsJson))!,
        Purged = customer.Purged,
    };

    public static Customer ToDomain(CustomerEntity entity)
    {
        var address = StorageJson.Deserialize<AddressDocument>(entity.AddressJson);
        var administrator = StorageJson.Deserialize<AdministratorDocument>(entity.AdministratorJson);
        return new Customer(
            entity.CustomerId,
            entity.PartnerId,
            entity.Kind,
            entity.VoiceAccountNumber,
            entity.OrganizationName is null || address is null ? null : new Organization(entity.OrganizationName, ToDomain(address)),
            administrator is null ? null : new Administrator(administrator.Name, administrator.MicrosoftAccountId, administrator.ContactEmail),
            entity.Region,
            entity.CreatedAt,
            StorageJson.Deserialize<Dictionary<string, string>>(entity.SubscriptionRegionsJson) ?? new Dictionary<string, string>(),
            entity.Purged);
    }

    public static CustomerListingEntity ToListing(Customer customer) => new()
    {
        PartitionKey = TableKeys.PartnerCustomersPartition(RegionOf(customer), customer.PartnerId),
        RowKey = TableKeys.Escape(customer.CustomerId),
        CustomerId = customer.CustomerId,
        CustomerJson = StorageJson.Bounded(JsonSerializer.Serialize(ToEntity(customer), StorageJson.Options), nameof(CustomerListingEntity.CustomerJson))!,
    };

    public static Customer FromListing(CustomerListingEntity listing) =>
        ToDomain(JsonSerializer.Deserialize<CustomerEntity>(listing.CustomerJson, StorageJson.Options)
            ?? throw new InvalidOperationException($"Listing row {listing.PartitionKey}/{listing.RowKey} has no customer snapshot."));

    public static VoiceClaimEntity ToClaim(string region, string accountNumber, string customerId, DateTimeOffset claimedAt) => new()
    {
        PartitionKey = TableKeys.VoiceClaimPartition(region, accountNumber),
        RowKey = TableKeys.ClaimRow,
        AccountNumber = accountNumber,
        CustomerId = customerId,
        ClaimedAt = claimedAt,
    };

    public static VoiceClaim ToDomain(VoiceClaimEntity entity) =>
        new(entity.AccountNumber, entity.CustomerId, entity.ClaimedAt, entity.ETag.ToString());

    public static Address ToDomain(AddressDocument address) =>
        new(address.Street, address.City, address.StateOrProvince, address.PostalCode, address.CountryRegion);

    public static AddressDocument ToDocument(Address address) =>
        new(address.Street, address.City, address.StateOrProvince, address.PostalCode, address.CountryRegion);
}

/// <summary>The stored shape of an address (JSON), kept apart from the domain record so either can change.</summary>
internal sealed record AddressDocument(string? Street, string? City, string? StateOrProvince, string? PostalCode, string CountryRegion);

internal sealed record AdministratorDocument(string Name, string MicrosoftAccountId, string ContactEmail);
