using System.Net.Mail;
using System.Text;
using System.Text.RegularExpressions;

namespace RapidStart.Domain.Validation;

/// <summary>
/// The syntax rules for the identifiers and free text this product accepts, in one place so that
/// every route checks a field the same way. Text is normalized (trim + Unicode NFC) before it is
/// checked or stored, so "Müller" typed two ways is one name.
/// </summary>
public static partial class FieldRules
{
    public const int MaxNameLength = 200;
    public const int MaxAddressLineLength = 200;
    public const int MaxPostalCodeLength = 20;
    public const int MaxEmailLength = 254;

    public static string? Normalize(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var trimmed = text.Trim();
        return trimmed.Length == 0 ? null : trimmed.Normalize(NormalizationForm.FormC);
    }

    public static bool IsEmail(string value) =>
        value.Length <= MaxEmailLength
        && MailAddress.TryCreate(value, out var parsed)
        && parsed.Address == value
        && parsed.DisplayName.Length == 0
        && EmailShape().IsMatch(value);

    /// <summary>Microsoft account IDs are sign-in names in email form; compared case-insensitively.</summary>
    public static string NormalizeAccountId(string value) => value.ToLowerInvariant();

    public static bool IsVoiceAccountNumber(string value) => VoiceNumberShape().IsMatch(value);

    public static bool HasControlCharacters(string value) => value.Any(c => char.IsControl(c));

    [GeneratedRegex(@"^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailShape();

    [GeneratedRegex(@"^[A-Z0-9](?:[A-Z0-9-]{1,30})[A-Z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex VoiceNumberShape();
}

/// <summary>Collects per-field messages so that one response lists every problem at once.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    /// <summary>Normalizes and checks a text field; returns the normalized value (null when absent).</summary>
    public string? Text(string field, string? value, int maxLength, bool required)
    {
        var normalized = FieldRules.Normalize(value);
        if (normalized is null)
        {
            if (required)
            {
                Add(field, "This field is required.");
            }

            return null;
        }

        if (normalized.Length > maxLength)
        {
            Add(field, $"Must be at most {maxLength} characters.");
        }
        else if (FieldRules.HasControlCharacters(normalized))
        {
            Add(field, "Must not contain control characters.");
        }

        return normalized;
    }

    public string? Email(string field, string? value, bool required)
    {
        var text = Text(field, value, FieldRules.MaxEmailLength, required);
        if (text is not null && !FieldRules.IsEmail(text))
        {
            Add(field, "Must be an email address such as name@example.com.");
        }

        return text;
    }

    public string? AccountId(string field, string? value, bool required)
    {
        var text = Text(field, value, FieldRules.MaxEmailLength, required);
        if (text is not null && !FieldRules.IsEmail(text))
        {
            Add(field, "Must be a Microsoft account ID (the sign-in name, such as dana@contoso.com).");
        }

        return text is null ? null : FieldRules.NormalizeAccountId(text);
    }

    public string? VoiceAccountNumber(string field, string? value, bool required)
    {
        var text = Text(field, value, 32, required)?.ToUpperInvariant();
        if (text is not null && !FieldRules.IsVoiceAccountNumber(text))
        {
            Add(field, "Must be a VOICE account number such as V-100200 (letters, digits and dashes, 3 to 32 characters).");
        }

        return text;
    }

    public string? CountryRegion(string field, string? value, bool required)
    {
        var text = Text(field, value, 2, required)?.ToUpperInvariant();
        if (text is not null && !Geography.CountryCodes.IsAssigned(text))
        {
            Add(field, "Must be an ISO 3166-1 alpha-2 country/region code such as US or DE.");
        }

        return text;
    }

    public void ThrowIfAny()
    {
        if (Any)
        {
            throw Problems.ProblemException.Invalid(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }
    }
}
