namespace RapidStart.Domain.Customers;

/// <summary>What a partner posts to create a customer; every field is optional until validated.</summary>
public sealed record CustomerDraft(
    string? Kind,
    string? VoiceAccountNumber,
    bool FillFromVoice,
    OrganizationDraft? Organization,
    AdministratorDraft? Administrator);

public sealed record OrganizationDraft(string? Name, AddressDraft? Address);

public sealed record AddressDraft(string? Street, string? City, string? StateOrProvince, string? PostalCode, string? CountryRegion);

public sealed record AdministratorDraft(string? Name, string? MicrosoftAccountId, string? ContactEmail);
