using System.Globalization;
using System.Text.RegularExpressions;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Localization;

namespace RapidStart.UnitTests.Localization;

/// <summary>
/// Every language has every text, and none is left in English or as a placeholder. A key added to
/// Texts.resx fails here until each Texts.{lang}.resx translates it.
/// </summary>
public sealed partial class TranslationCoverageTests
{
    /// <summary>Texts that read the same in English and another language because they are formats, not words.</summary>
    private static readonly HashSet<string> SameInEveryLanguage = new(StringComparer.Ordinal) { "Date_WithUtc" };

    private static readonly IReadOnlyDictionary<string, string> English = Text.All(CultureInfo.GetCultureInfo("en"));

    public static TheoryData<string> Translations()
    {
        var data = new TheoryData<string>();
        foreach (var (code, _) in Language.Supported.Where(l => l.Code != Language.DefaultCode))
        {
            data.Add(code);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Translations))]
    public void Translation_has_every_key_of_the_English_texts_and_no_other(string language)
    {
        // Arrange
        var translated = Text.All(CultureInfo.GetCultureInfo(language));

        // Act
        var missing = English.Keys.Except(translated.Keys).Order().ToList();
        var unknown = translated.Keys.Except(English.Keys).Order().ToList();

        // Assert
        Assert.True(missing.Count == 0, $"Texts.{language}.resx lacks: {string.Join(", ", missing)}");
        Assert.True(unknown.Count == 0, $"Texts.{language}.resx has keys English does not: {string.Join(", ", unknown)}");
    }

    [Theory]
    [MemberData(nameof(Translations))]
    public void Translation_is_neither_English_nor_a_placeholder(string language)
    {
        var translated = Text.All(CultureInfo.GetCultureInfo(language));

        var untranslated = translated
            .Where(t => !SameInEveryLanguage.Contains(t.Key))
            .Where(t => string.IsNullOrWhiteSpace(t.Value) || t.Value == English[t.Key] || t.Value.Contains("TODO", StringComparison.OrdinalIgnoreCase) || t.Value.Contains("[[", StringComparison.Ordinal))
            .Select(t => t.Key)
            .Order()
            .ToList();

        Assert.True(untranslated.Count == 0, $"Texts.{language}.resx leaves these in English or blank: {string.Join(", ", untranslated)}");
    }

    [Theory]
    [MemberData(nameof(Translations))]
    public void Translation_fills_the_same_placeholders_as_English(string language)
    {
        var translated = Text.All(CultureInfo.GetCultureInfo(language));

        var mismatched = translated
            .Where(t => English.ContainsKey(t.Key) && !Placeholders(t.Value).SetEquals(Placeholders(English[t.Key])))
            .Select(t => t.Key)
            .ToList();

        Assert.True(mismatched.Count == 0, $"Texts.{language}.resx drops or adds placeholders in: {string.Join(", ", mismatched)}");
    }

    [Fact]
    public void Every_country_of_the_catalog_has_a_language_with_texts()
    {
        var countries = ServiceCatalog.Default().Services.SelectMany(s => s.Countries).Select(c => c.CountryRegion).Distinct().ToList();

        Assert.Equal(25, countries.Count);
        Assert.All(countries, country =>
        {
            var language = Language.ForCountry(country);
            Assert.True(Language.IsSupported(language.Code), country);
            Assert.Equal(country, language.CountryRegion);
            Assert.NotEmpty(Text.Get(language, "Page_Title"));
        });
    }

    [Theory]
    [InlineData("DE", "de", "de-DE")]
    [InlineData("AT", "de", "de-AT")]
    [InlineData("CH", "de", "de-CH")]
    [InlineData("BE", "fr", "fr-BE")]
    [InlineData("CA", "en", "en-CA")]
    [InlineData("BR", "pt", "pt-BR")]
    [InlineData("MX", "es", "es-MX")]
    [InlineData("NO", "nb", "nb-NO")]
    [InlineData("JP", "ja", "ja-JP")]
    [InlineData("ZZ", "en", "en-US")]
    public void ForCountry_chooses_the_language_and_its_local_formats(string country, string code, string formatting)
    {
        var language = Language.ForCountry(country);

        Assert.Equal(code, language.Code);
        Assert.Equal(formatting, language.Formatting.Name);
    }

    [Theory]
    [InlineData("de-AT", "de")]
    [InlineData("DE", "de")]
    [InlineData("no", "nb")]
    [InlineData("nn-NO", "nb")]
    [InlineData("pt_BR", "pt")]
    [InlineData("zh-CN", null)]
    [InlineData("", null)]
    public void Match_reads_the_language_of_a_BCP_47_tag(string tag, string? expected) =>
        Assert.Equal(expected, Language.Match(tag));

    [Fact]
    public void DateTime_is_written_the_local_way_with_the_UTC_time_beside_it()
    {
        var at = new DateTimeOffset(2027, 1, 15, 14, 30, 0, TimeSpan.Zero);

        Assert.Equal("Freitag, 15. Januar 2027 15:30 (14:30 UTC)", Language.ForCountry("DE").DateTime(at));
        Assert.Equal("2027年1月15日金曜日 23:30 (UTC 14:30)", Language.ForCountry("JP").DateTime(at));
        Assert.Equal("15.01.2027", Language.ForCountry("DE").Date(at));
    }

    private static HashSet<string> Placeholders(string text) => PlaceholderPattern().Matches(text).Select(m => m.Value).ToHashSet();

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex PlaceholderPattern();
}
