using RapidStart.Domain.Voice;

namespace RapidStart.UnitTests.Voice;

public class VoiceNameMatcherTests
{
    private static IReadOnlyList<string> Rank(string term, params string[] names) =>
        VoiceNameMatcher.Rank(term, names, name => name, limit: 10);

    [Theory]
    [InlineData("muller", "Müller GmbH")]
    [InlineData("Müller", "Muller GmbH")]
    [InlineData("sao paulo", "São Paulo Comércio")]
    [InlineData("strasse", "Straße Logistik")]
    [InlineData("Straße", "Strasse Logistik")]
    [InlineData("lodz", "Łódź Partners")]
    [InlineData("aero", "Ærø Shipping")]
    public void Score_term_and_name_differ_only_in_accents_matches(string term, string name)
    {
        // Act
        var score = VoiceNameMatcher.Score(term, name);

        // Assert
        Assert.NotNull(score);
    }

    [Theory]
    [InlineData("MÜLLER")]
    [InlineData("MULLER")]
    [InlineData("mÜlLeR")]
    public void Score_term_in_another_case_matches(string term)
    {
        // Act
        var score = VoiceNameMatcher.Score(term, "Müller GmbH");

        // Assert
        Assert.NotNull(score);
    }

    [Theory]
    [InlineData("Straße", "strasse")]
    [InlineData("Ærø Ølund Łódź", "aero olund lodz")]
    [InlineData("  O'Brien & Sons, Ltd.  ", "o brien sons ltd")]
    [InlineData("ＡＢＣ Café", "abc cafe")]
    public void Fold_text_returns_lower_case_plain_letters_separated_by_single_spaces(string text, string expected)
    {
        // Act
        var folded = VoiceNameMatcher.Fold(text);

        // Assert
        Assert.Equal(expected, folded);
    }

    [Theory]
    [InlineData("north")]
    [InlineData("trad")]
    [InlineData("n")]
    public void Score_term_is_prefix_of_name_word_matches(string term)
    {
        // Act
        var score = VoiceNameMatcher.Score(term, "Northwind Traders");

        // Assert
        Assert.NotNull(score);
    }

    [Theory]
    [InlineData("contso", "Contoso Ltd")]       // missing letter
    [InlineData("cnotoso", "Contoso Ltd")]      // swapped letters
    [InlineData("northwnd", "Northwind Traders")]
    [InlineData("holdnig", "Contoso Holdings")] // typo in a half-typed word
    public void Score_term_word_one_edit_away_matches(string term, string name)
    {
        // Act
        var score = VoiceNameMatcher.Score(term, name);

        // Assert
        Assert.NotNull(score);
    }

    [Theory]
    [InlineData("nrothwnd")]   // swap + missing letter, 8 chars
    [InlineData("nortwinx")]   // missing letter + wrong letter, 8 chars
    public void Score_long_term_word_two_edits_away_matches(string term)
    {
        // Act
        var score = VoiceNameMatcher.Score(term, "Northwind Traders");

        // Assert
        Assert.NotNull(score);
    }

    [Fact]
    public void Score_short_term_word_two_edits_away_does_not_match()
    {
        // Arrange: 6 characters allow only one edit
        const string term = "cotnso";

        // Act
        var score = VoiceNameMatcher.Score(term, "Contoso Ltd");

        // Assert
        Assert.Null(score);
    }

    [Fact]
    public void Score_three_letter_term_word_with_typo_does_not_match()
    {
        // Act
        var score = VoiceNameMatcher.Score("ltx", "Contoso Ltd");

        // Assert
        Assert.Null(score);
    }

    [Theory]
    [InlineData("north trad")]
    [InlineData("trad north")]
    [InlineData("northwnd traders")]
    [InlineData("Northwind, Traders!")]
    public void Score_matches_when_every_term_word_matches_some_name_word(string term)
    {
        // Act
        var score = VoiceNameMatcher.Score(term, "Northwind Traders");

        // Assert
        Assert.NotNull(score);
    }

    [Fact]
    public void Score_does_not_match_when_one_term_word_matches_no_name_word()
    {
        // Act
        var score = VoiceNameMatcher.Score("north zebra", "Northwind Traders");

        // Assert
        Assert.Null(score);
    }

    [Theory]
    [InlineData("northwindtraders", "Northwind Traders")]
    [InlineData("northwindtrad", "Northwind Traders")]
    [InlineData("obrien", "O'Brien & Sons")]
    [InlineData("north wind", "Northwind")]
    public void Score_term_typed_without_the_name_spaces_matches(string term, string name)
    {
        // Act
        var score = VoiceNameMatcher.Score(term, name);

        // Assert
        Assert.NotNull(score);
    }

    [Theory]
    [InlineData("zebra", "Northwind")]
    [InlineData("fabrikam", "Contoso Ltd")]
    [InlineData("wind", "Northwind Traders")]
    public void Score_unrelated_name_does_not_match(string term, string name)
    {
        // Act
        var score = VoiceNameMatcher.Score(term, name);

        // Assert
        Assert.Null(score);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("&-!")]
    public void Score_blank_term_matches_nothing(string term)
    {
        // Act
        var score = VoiceNameMatcher.Score(term, "Northwind Traders");

        // Assert
        Assert.Null(score);
    }

    [Fact]
    public void Rank_blank_term_returns_nothing()
    {
        // Act
        var ranked = Rank(" ", "Northwind Traders", "Contoso Ltd");

        // Assert
        Assert.Empty(ranked);
    }

    [Fact]
    public void Rank_exact_prefix_and_near_matches_orders_exact_then_prefix_then_near()
    {
        // Act
        var ranked = Rank("north", "Nrth Co", "Northwind", "North");

        // Assert
        Assert.Equal(["North", "Northwind", "Nrth Co"], ranked);
    }

    [Fact]
    public void Rank_for_Contoso_orders_whole_name_then_exact_word_then_typo()
    {
        // Act
        var ranked = Rank("Contoso", "Contso Partners", "Contoso Holdings", "Fabrikam", "Contoso");

        // Assert
        Assert.Equal(["Contoso", "Contoso Holdings", "Contso Partners"], ranked);
    }

    [Fact]
    public void Rank_every_word_exact_ranks_above_prefix()
    {
        // Act
        var ranked = Rank("north", "Northwind", "North Star Foods");

        // Assert
        Assert.Equal(["North Star Foods", "Northwind"], ranked);
    }

    [Fact]
    public void Rank_same_quality_ranks_earlier_match_first()
    {
        // Act
        var ranked = Rank("trad", "Northwind Traders", "Traders United Group");

        // Assert
        Assert.Equal(["Traders United Group", "Northwind Traders"], ranked);
    }

    [Fact]
    public void Rank_same_quality_and_position_ranks_shorter_name_first()
    {
        // Act
        var ranked = Rank("north", "Northwind Traders", "Northwind");

        // Assert
        Assert.Equal(["Northwind", "Northwind Traders"], ranked);
    }

    [Fact]
    public void Rank_equal_scores_breaks_ties_by_name_ordinal()
    {
        // Act
        var ranked = Rank("contoso", "Contoso B", "Contoso A", "Contoso a");

        // Assert
        Assert.Equal(["Contoso A", "Contoso B", "Contoso a"], ranked);
    }

    [Fact]
    public void Rank_more_matches_than_limit_returns_only_the_best()
    {
        // Arrange
        var names = new[] { "Contoso Partners", "Contoso", "Contoso Holdings", "Contso Ltd" };

        // Act
        var ranked = VoiceNameMatcher.Rank("contoso", names, name => name, limit: 2);

        // Assert
        Assert.Equal(["Contoso", "Contoso Holdings"], ranked);
    }

    [Fact]
    public void Rank_limit_zero_returns_nothing()
    {
        // Act
        var ranked = VoiceNameMatcher.Rank("contoso", ["Contoso"], name => name, limit: 0);

        // Assert
        Assert.Empty(ranked);
    }

    [Fact]
    public void Rank_items_returns_the_items_not_their_names()
    {
        // Arrange
        var accounts = new[] { (Id: 1, Name: "Northwind Traders"), (Id: 2, Name: "Contoso Ltd") };

        // Act
        var ranked = VoiceNameMatcher.Rank("contoso", accounts, account => account.Name, limit: 10);

        // Assert
        Assert.Equal([2], ranked.Select(account => account.Id));
    }
}
