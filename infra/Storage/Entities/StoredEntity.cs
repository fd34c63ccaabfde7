using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// What every row has: its keys, the service's timestamp and the ETag that guards the next write.
/// Left out of the JSON copies that listings keep of a row, which get keys of their own.
/// </summary>
internal abstract class StoredEntity : ITableEntity
{
    [JsonIgnore] public string PartitionKey { get; set; } = "";
    [JsonIgnore] public string RowKey { get; set; } = "";
    [JsonIgnore] public DateTimeOffset? Timestamp { get; set; }
    [JsonIgnore] public ETag ETag { get; set; }
}
