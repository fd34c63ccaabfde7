using System.Text.Encodings.Web;
using System.Text.Json;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// Nested records (address, administrator, invitation, ...) are stored as JSON string properties:
/// Table Storage has no nested types, and one property per nested field would tie the column set
/// to today's record shapes. Each string is checked against Azure's 32K-character property limit
/// here, so an oversized value fails loudly on our side rather than as a 400 from the service.
/// </summary>
internal static class StorageJson
{
    /// <summary>Azure Table Storage's limit for one string property (64 KiB of UTF-16).</summary>
    public const int MaxStringLength = 32 * 1024;

    /// <summary>camelCase; non-ASCII kept as is (these strings are stored, never embedded in HTML), so "Müller" costs 6 characters, not 11.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string? Serialize<T>(T? value, string property)
        where T : class =>
        value is null ? null : Bounded(JsonSerializer.Serialize(value, Options), property);

    public static T? Deserialize<T>(string? json)
        where T : class =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<T>(json, Options);

    /// <summary>Refuses a string property Azure would refuse, naming the property.</summary>
    public static string? Bounded(string? value, string property) =>
        value is { Length: > MaxStringLength }
            ? throw new InvalidOperationException($"Property {property} is {value.Length} characters; Azure Table Storage allows at most {MaxStringLength}.")
            : value;
}
