using System.Collections.Frozen;
using System.Globalization;

namespace RapidStart.Domain.Localization;

/// <summary>
/// A language the mails and the activation pages are written in, with the culture that formats dates
/// and numbers for the reader's country and the time zone their dates are shown in. Texts come from
/// .NET resources (<c>Localization/Texts*.resx</c>); this type only decides which ones.
/// </summary>
/// <remarks>
/// The default language follows the customer's country/region (see <see cref="ForCountry"/>). Countries
/// with more than one official or common language take the one most administrators there read
/// (Canada: English, Belgium: French, Switzerland: German); the activation page offers every language, so
/// anyone else switches with one click. Countries spanning several time zones show dates in the zone of
/// their largest business centre, always with the UTC time beside them.
/// </remarks>
public sealed record Language
{
    public const string DefaultCode = "en";

    /// <summary>Every supported language: ISO 639-1 code (Norwegian Bokmål as <c>nb</c>) and its own name.</summary>
    public static IReadOnlyList<(string Code, string NativeName)> Supported { get; } =
    [
        ("en", "English"),
        ("de", "Deutsch"),
        ("fr", "Français"),
        ("es", "Español"),
        ("pt", "Português"),
        ("it", "Italiano"),
        ("nl", "Nederlands"),
        ("da", "Dansk"),
        ("nb", "Norsk bokmål"),
        ("sv", "Svenska"),
        ("fi", "Suomi"),
        ("pl", "Polski"),
        ("ja", "日本語"),
    ];

    /// <summary>The catalog's countries/regions: language, and the time zone their dates are written in.</summary>
    private static readonly FrozenDictionary<string, (string Language, string TimeZone)> Countries = new Dictionary<string, (string, string)>
    {
        ["US"] = ("en", "America/New_York"),
        ["CA"] = ("en", "America/Toronto"),
        ["GB"] = ("en", "Europe/London"),
        ["IE"] = ("en", "Europe/Dublin"),
        ["AU"] = ("en", "Australia/Sydney"),
        ["NZ"] = ("en", "Pacific/Auckland"),
        ["SG"] = ("en", "Asia/Singapore"),
        ["IN"] = ("en", "Asia/Kolkata"),
        ["MX"] = ("es", "America/Mexico_City"),
        ["ES"] = ("es", "Europe/Madrid"),
        ["BR"] = ("pt", "America/Sao_Paulo"),
        ["PT"] = ("pt", "Europe/Lisbon"),
        ["FR"] = ("fr", "Europe/Paris"),
        ["BE"] = ("fr", "Europe/Brussels"),
        ["DE"] = ("de", "Europe/Berlin"),
        ["AT"] = ("de", "Europe/Vienna"),
        ["CH"] = ("de", "Europe/Zurich"),
        ["NL"] = ("nl", "Europe/Amsterdam"),
        ["IT"] = ("it", "Europe/Rome"),
        ["DK"] = ("da", "Europe/Copenhagen"),
        ["NO"] = ("nb", "Europe/Oslo"),
        ["SE"] = ("sv", "Europe/Stockholm"),
        ["FI"] = ("fi", "Europe/Helsinki"),
        ["PL"] = ("pl", "Europe/Warsaw"),
        ["JP"] = ("ja", "Asia/Tokyo"),
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Where a language is read with no country to go by (an Accept-Language of plain <c>de</c>).</summary>
    private static readonly FrozenDictionary<string, string> HomeCountries = new Dictionary<string, string>
    {
        ["en"] = "US", ["de"] = "DE", ["fr"] = "FR", ["es"] = "ES", ["pt"] = "PT", ["it"] = "IT", ["nl"] = "NL",
        ["da"] = "DK", ["nb"] = "NO", ["sv"] = "SE", ["fi"] = "FI", ["pl"] = "PL", ["ja"] = "JP",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private Language(string code, string countryRegion)
    {
        Code = code;
        CountryRegion = countryRegion;
        Texts = CultureInfo.GetCultureInfo(code);
        Formatting = CultureInfo.GetCultureInfo($"{code}-{countryRegion}");
        TimeZone = TimeZoneInfo.FindSystemTimeZoneById(Countries.TryGetValue(countryRegion, out var c) ? c.TimeZone : "Etc/UTC");
    }

    /// <summary>The language code: <c>de</c>, <c>ja</c>, <c>nb</c>…; also the HTML <c>lang</c> attribute.</summary>
    public string Code { get; }

    /// <summary>The country/region whose conventions format dates (<c>de</c> in <c>CH</c> is <c>de-CH</c>).</summary>
    public string CountryRegion { get; }

    /// <summary>The culture whose resources hold the texts.</summary>
    public CultureInfo Texts { get; }

    /// <summary>The culture that formats dates and numbers.</summary>
    public CultureInfo Formatting { get; }

    public TimeZoneInfo TimeZone { get; }

    public static Language English { get; } = new(DefaultCode, "US");

    public static bool IsSupported(string? code) => code is not null && Supported.Any(s => s.Code == code);

    /// <summary>The language of a customer in <paramref name="countryRegion"/>; English for a country the catalog does not name.</summary>
    public static Language ForCountry(string? countryRegion) =>
        countryRegion is not null && Countries.TryGetValue(countryRegion, out var c)
            ? new Language(c.Language, countryRegion.ToUpperInvariant())
            : English;

    /// <summary>
    /// <paramref name="code"/> as a language, formatted for <paramref name="countryRegion"/> when it is read
    /// there (German in Austria), else for the language's home country.
    /// </summary>
    public static Language Of(string code, string? countryRegion = null)
    {
        if (!IsSupported(code))
        {
            throw new ArgumentException($"'{code}' is not a supported language.", nameof(code));
        }

        var country = countryRegion is not null && Countries.TryGetValue(countryRegion, out var c) && c.Language == code
            ? countryRegion.ToUpperInvariant()
            : HomeCountries[code];
        return new Language(code, country);
    }

    /// <summary>
    /// The supported language a BCP 47 tag names (<c>de-AT</c> is German; <c>no</c> and <c>nn</c> are
    /// read as Bokmål, which Norwegian readers of either understand), or null.
    /// </summary>
    public static string? Match(string? tag)
    {
        if (string.IsNullOrWhiteSpace(tag))
        {
            return null;
        }

        var primary = tag.Trim().Split('-', '_')[0].ToLowerInvariant();
        primary = primary is "no" or "nn" ? "nb" : primary;
        return IsSupported(primary) ? primary : null;
    }

    /// <summary>A date as a reader there writes it, in their time zone, with the UTC time beside it.</summary>
    public string DateTime(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, TimeZone);
        return Text.Format(this, "Date_WithUtc", local.ToString("f", Formatting), at.UtcDateTime.ToString("t", Formatting));
    }

    /// <summary>A date (no time) as a reader there writes it, in their time zone.</summary>
    public string Date(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, TimeZone).ToString("d", Formatting);

    public override string ToString() => $"{Code}-{CountryRegion}";
}
