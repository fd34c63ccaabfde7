using Azure;
using Azure.Data.Tables;
using RapidStart.Domain.Voice;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// A VOICE account in the adapter's own table: PK = partner of record, RK = account number, so a
/// partner's look-up is a point read in its own partition and can never see another partner's row.
/// </summary>
internal sealed class VoiceAccountEntity : StoredEntity
{
    public string AccountNumber { get; set; } = "";
    public string PartnerOfRecord { get; set; } = "";
    public string Name { get; set; } = "";
    public string AddressJson { get; set; } = "";
}

internal static class VoiceAccountMapping
{
    public static VoiceAccountEntity ToEntity(VoiceAccount account) => new()
    {
        PartitionKey = TableKeys.Escape(account.PartnerOfRecord),
        RowKey = TableKeys.Escape(account.AccountNumber),
        AccountNumber = account.AccountNumber,
        PartnerOfRecord = account.PartnerOfRecord,
        Name = StorageJson.Bounded(account.Name, nameof(VoiceAccountEntity.Name))!,
        AddressJson = StorageJson.Serialize(CustomerMapping.ToDocument(account.Address), nameof(VoiceAccountEntity.AddressJson))!,
    };

    public static VoiceAccount ToDomain(VoiceAccountEntity e) =>
        new(e.AccountNumber, e.PartnerOfRecord, e.Name, CustomerMapping.ToDomain(StorageJson.Deserialize<AddressDocument>(e.AddressJson)
            ?? throw new InvalidOperationException($"VOICE account {e.PartitionKey}/{e.RowKey} has no address.")));
}
