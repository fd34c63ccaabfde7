namespace RapidStart.Domain.Customers;

public static class CustomerKinds
{
    public const string Existing = "existing";
    public const string Prospect = "prospect";
}

public sealed record Address(string? Street, string? City, string? StateOrProvince, string? PostalCode, string CountryRegion);

public sealed record Organization(string Name, Address Address);

/// <summary>The customer administrator: known by a Microsoft account, reached at a contact email that may differ.</summary>
public sealed record Administrator(string Name, string MicrosoftAccountId, string ContactEmail);

/// <summary>
/// A partner's customer. <see cref="Purged"/> customers are tombstones: the record stays so that reads
/// answer 410 rather than 404, but organization and administrator data are gone.
/// </summary>
public sealed record Customer(
    string CustomerId,
    string PartnerId,
    string Kind,
    string? VoiceAccountNumber,
    Organization? Organization,
    Administrator? Administrator,
    string Region,
    DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, string> SubscriptionRegions,
    bool Purged = false)
{
    public bool IsExisting => Kind == CustomerKinds.Existing;

    public Customer WithVoiceAccount(string accountNumber) =>
        this with { Kind = CustomerKinds.Existing, VoiceAccountNumber = accountNumber };

    public Customer WithSubscription(string serviceId, string region) =>
        this with { SubscriptionRegions = new Dictionary<string, string>(SubscriptionRegions) { [serviceId] = region } };

    public Customer AsTombstone() => this with { Organization = null, Administrator = null, Purged = true };
}

/// <summary>A customer record as stored, with the ETag that guards the next write.</summary>
public sealed record Versioned<T>(T Value, string ETag);
