using System.Globalization;
using System.Text;

namespace RapidStart.Domain.Voice;

/// <summary>
/// Forgiving name search over VOICE (CRM) accounts. Partners type account names from memory, without
/// accents, in any case, half-finished or with a typo, so an exact or substring search misses the
/// account they mean. This matcher folds both sides to a plain form and accepts word prefixes and
/// small edit distances, then scores the matches so the most likely accounts come first.
/// </summary>
/// <remarks>
/// Scores fall in bands by match quality (whole name &gt; every word exact &gt; prefix &gt; near match);
/// within a band, matches earlier in the name and then shorter names score higher. The numbers only
/// mean something relative to each other.
/// </remarks>
public static class VoiceNameMatcher
{
    private const double WholeName = 1.0;
    private const double EveryWordExact = 0.8;
    private const double Prefix = 0.6;
    private const double Near = 0.4;

    // Letters that Unicode decomposition leaves alone but people type as plain Latin.
    private static readonly Dictionary<char, string> PlainLatin = new()
    {
        ['ß'] = "ss", ['æ'] = "ae", ['œ'] = "oe", ['ø'] = "o", ['ł'] = "l", ['đ'] = "d",
        ['ð'] = "d", ['þ'] = "th", ['ħ'] = "h", ['ı'] = "i", ['ŧ'] = "t", ['ŋ'] = "n",
    };

    /// <summary>Scores how well <paramref name="name"/> matches the search <paramref name="term"/>; null when it does not match.</summary>
    public static double? Score(string term, string name)
    {
        ArgumentNullException.ThrowIfNull(term);
        return ScoreFolded(Fold(term), name);
    }

    /// <summary>Returns the items whose name matches, best first (ties broken by name, ordinal), at most <paramref name="limit"/>.</summary>
    public static IReadOnlyList<T> Rank<T>(string term, IEnumerable<T> items, Func<T, string> nameOf, int limit)
    {
        ArgumentNullException.ThrowIfNull(term);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(nameOf);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);

        var foldedTerm = Fold(term);
        return items
            .Select(item => (Item: item, Name: nameOf(item)))
            .Select(candidate => (candidate.Item, candidate.Name, Score: ScoreFolded(foldedTerm, candidate.Name)))
            .Where(candidate => candidate.Score is not null)
            .OrderByDescending(candidate => candidate.Score)
            .ThenBy(candidate => candidate.Name, StringComparer.Ordinal)
            .Take(limit)
            .Select(candidate => candidate.Item)
            .ToList();
    }

    /// <summary>
    /// The folded form used for comparisons: Unicode NFKD, combining marks removed, ß→ss, æ→ae, ø→o,
    /// ł→l etc., lower-case invariant, punctuation as word separators (single spaces, trimmed).
    /// </summary>
    public static string Fold(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        var folded = new StringBuilder(text.Length);
        var separatorPending = false;
        foreach (var rune in text.Normalize(NormalizationForm.FormKD).EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark)
            {
                continue; // accents, once NFKD has split them from their letter
            }

            // Spacing marks are vowel signs in Indic scripts: part of the word, not a separator.
            if (!Rune.IsLetterOrDigit(rune) && category != UnicodeCategory.SpacingCombiningMark)
            {
                separatorPending = true;
                continue;
            }

            if (separatorPending && folded.Length > 0)
            {
                folded.Append(' ');
            }

            separatorPending = false;
            var lower = Rune.ToLowerInvariant(rune);
            if (lower.IsBmp && PlainLatin.TryGetValue((char)lower.Value, out var plain))
            {
                folded.Append(plain);
            }
            else
            {
                folded.Append(lower.ToString());
            }
        }

        return folded.ToString();
    }

    private static double? ScoreFolded(string foldedTerm, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var foldedName = Fold(name);
        if (foldedTerm.Length == 0 || foldedName.Length == 0)
        {
            return null;
        }

        var byWords = MatchWords(foldedTerm.Split(' '), foldedName.Split(' '));
        var whole = MatchWholeName(foldedTerm, foldedName);
        var best = Better(byWords, whole);
        if (best is not { } match)
        {
            return null;
        }

        // Both penalties together stay under the 0.2 gap between bands, so they never reorder
        // qualities, and the length penalty (< 0.01) never outweighs one step of position.
        return match.Quality - Math.Min(match.Position, 9) * 0.01 - Math.Min(foldedName.Length, 99) * 0.0001;
    }

    /// <summary>Every term word must match some name word; the weakest word decides the quality.</summary>
    private static Match? MatchWords(string[] termWords, string[] nameWords)
    {
        var quality = EveryWordExact;
        var position = int.MaxValue;
        foreach (var termWord in termWords)
        {
            if (MatchWord(termWord, nameWords) is not { } match)
            {
                return null;
            }

            quality = Math.Min(quality, match.Quality);
            position = Math.Min(position, match.Position);
        }

        return new Match(quality, position);
    }

    private static Match? MatchWord(string termWord, string[] nameWords)
    {
        Match? best = null;
        for (var i = 0; i < nameWords.Length; i++)
        {
            if (Compare(termWord, nameWords[i]) is { } quality && (best is null || quality > best.Value.Quality))
            {
                best = new Match(quality, i); // strictly better only, so ties keep the earliest word
            }
        }

        return best;
    }

    /// <summary>Compares with spaces removed on both sides, for terms typed as one word ("northwindtraders").</summary>
    private static Match? MatchWholeName(string foldedTerm, string foldedName)
    {
        var term = foldedTerm.Replace(" ", string.Empty, StringComparison.Ordinal);
        var name = foldedName.Replace(" ", string.Empty, StringComparison.Ordinal);
        return term == name ? new Match(WholeName, 0)
            : Compare(term, name) is { } quality ? new Match(quality, 0)
            : null;
    }

    private static double? Compare(string term, string word)
    {
        if (term == word)
        {
            return EveryWordExact;
        }

        if (word.StartsWith(term, StringComparison.Ordinal))
        {
            return Prefix;
        }

        // Also against the word's prefix of the term's length, so a typo in a half-typed word still matches.
        var allowed = AllowedEdits(term.Length);
        var isNear = allowed > 0
            && (Distance(term, word) <= allowed
                || (word.Length > term.Length && Distance(term, word[..term.Length]) <= allowed));
        return isNear ? Near : null;
    }

    // Short words get no slack: one edit turns "ltd" into "lt" or "td", which would match nearly anything.
    private static int AllowedEdits(int length) => length >= 8 ? 2 : length >= 4 ? 1 : 0;

    /// <summary>Damerau–Levenshtein distance (optimal string alignment: adjacent transpositions count as one edit).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    private static Match? Better(Match? a, Match? b) =>
        a is null ? b
        : b is null ? a
        : a.Value.Quality != b.Value.Quality ? (a.Value.Quality > b.Value.Quality ? a : b)
        : a.Value.Position <= b.Value.Position ? a : b;

    private readonly record struct Match(double Quality, int Position);
}
