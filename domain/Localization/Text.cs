using System.Globalization;
using System.Resources;

// Texts.resx is English: the main assembly answers for "en" without looking for a satellite.
[assembly: NeutralResourcesLanguage("en")]

namespace RapidStart.Domain.Localization;

/// <summary>
/// The translated texts of the mails and the activation pages: one .resx per language
/// (<c>Texts.resx</c> is English, <c>Texts.de.resx</c> German…), compiled into satellite assemblies and read
/// through <see cref="ResourceManager"/>. Keys are named for where they appear (<c>Mail_…</c>,
/// <c>Page_…</c>, <c>Refusal_…</c>); a unit test fails when a language lacks one.
/// </summary>
public static class Text
{
    public const string BaseName = "RapidStart.Domain.Localization.Texts";

    public static ResourceManager Resources { get; } = new(BaseName, typeof(Text).Assembly);

    /// <summary>The text of <paramref name="key"/> in <paramref name="language"/>; an unknown key is a bug, not a blank.</summary>
    public static string Get(Language language, string key) =>
        Resources.GetString(key, language.Texts) ?? throw new KeyNotFoundException($"No text '{key}' in {BaseName}.resx.");

    /// <summary>The text of <paramref name="key"/> with its placeholders filled, numbers and dates formatted for the reader.</summary>
    public static string Format(Language language, string key, params object?[] args) =>
        string.Format(language.Formatting, Get(language, key), args);

    /// <summary>The neutral (English) texts, the key set every language must translate.</summary>
    public static IReadOnlyDictionary<string, string> All(CultureInfo culture, bool tryParents = false)
    {
        var set = Resources.GetResourceSet(culture, createIfNotExists: true, tryParents)
            ?? throw new InvalidOperationException($"No resources for '{culture.Name}' ({BaseName}.{culture.Name}.resx is not in a satellite assembly).");
        return set.Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string)e.Value!, StringComparer.Ordinal);
    }
}
