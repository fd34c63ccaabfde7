using System.Text.Json;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Validation;
using RapidStart.Domain.Voice;

namespace RapidStart.Infrastructure.Voice;

/// <summary>
/// Reads the VOICE sample/seed file: a JSON array of accounts. A bad entry stops start-up with a
/// message that names it, because a half-seeded directory would fail later in confusing ways.
/// </summary>
public static class VoiceSeedFile
{
    private sealed record Entry(string? AccountNumber, string? PartnerOfRecord, string? Name, AddressDraft? Address);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowTrailingCommas = true, ReadCommentHandling = JsonCommentHandling.Skip };

    public static IReadOnlyList<VoiceAccount> Load(string path)
    {
        List<Entry?>? entries;
        try
        {
            using var stream = File.OpenRead(path);
            entries = JsonSerializer.Deserialize<List<Entry?>>(stream, Json);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"VOICE seed file '{path}' can't be read: {e.Message}", e);
        }

        if (entries is null)
        {
            throw new InvalidOperationException($"VOICE seed file '{path}' must hold a JSON array of accounts.");
        }

        var accounts = new List<VoiceAccount>(entries.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var errors = new ValidationErrors();
            var number = errors.VoiceAccountNumber("accountNumber", entry?.AccountNumber, required: true);
            var partner = errors.Text("partnerOfRecord", entry?.PartnerOfRecord, 64, required: true);
            var name = errors.Text("name", entry?.Name, FieldRules.MaxNameLength, required: true);
            var street = errors.Text("address.street", entry?.Address?.Street, FieldRules.MaxAddressLineLength, required: false);
            var city = errors.Text("address.city", entry?.Address?.City, FieldRules.MaxAddressLineLength, required: false);
            var state = errors.Text("address.stateOrProvince", entry?.Address?.StateOrProvince, FieldRules.MaxAddressLineLength, required: false);
            var postal = errors.Text("address.postalCode", entry?.Address?.PostalCode, FieldRules.MaxPostalCodeLength, required: false);
            var country = errors.CountryRegion("address.countryRegion", entry?.Address?.CountryRegion, required: true);
            if (number is not null && !seen.Add(number))
            {
                errors.Add("accountNumber", "Appears more than once in the file.");
            }

            try
            {
                errors.ThrowIfAny();
            }
            catch (Domain.Problems.ProblemException problem)
            {
                var fields = string.Join("; ", problem.Errors!.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
                throw new InvalidOperationException($"VOICE seed file '{path}', entry {i} ({entry?.AccountNumber ?? "no account number"}) is not valid: {fields}");
            }

            accounts.Add(new VoiceAccount(number!, partner!, name!, new Address(street, city, state, postal, country!)));
        }

        return accounts;
    }
}
