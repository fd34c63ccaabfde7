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
    public void Score_TermAndNameDifferOnlyInAccents_Matches(string term, string name)
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
    public void Score_TermInAnotherCase_Matches(string term)
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
    public void Fold_Text_ReturnsLowerCasePlainLettersSeparatedBySingleSpaces(string text, string expected)
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
    public void Score_TermIsPrefixOfNameWord_Matches(string term)
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
    public void Score_TermWordOneEditAway_Matches(string term, string name)
    {
        // Act
        var score = VoiceNameMatcher.Score(term, name);

        // Assert
        Assert.NotNull(score);
    }

    [Theory]
    [InlineData("nrothwnd")]   // swap + missing letter, 8 chars
    [InlineData("nortwinx")]   // missing letter + wrong letter, 8 chars
    public void Score_LongTermWordTwoEditsAway_Matches(string term)
    {
        // Act
        var score = VoiceNameMatcher.Score(term, "Northwind Traders");

        // Assert
        Assert.NotNull(score);
    }

    [Fact]
    public void Score_ShortTermWordTwoEditsAway_DoesNotMatch()
    {
        // Arrange: 6 characters allow only one edit
        const string term = "cotnso";

        // Act
        var score = VoiceNameMatcher.Score(term, "Contoso Ltd");

        // Assert
        Assert.Null(score);
    }

    [Fact]
    public void Score_ThreeLetterTermWordWithTypo_DoesNotMatch()
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
    public void Score_EveryTermWordMatchesSomeNameWord_Matches(string term)
    {
        // Act
        var score = VoiceNameMatcher.Score(term, "Northwind Traders");

        // Assert
        Assert.NotNull(score);
    }

    [Fact]
    public void Score_OneTermWordMatchesNoNameWord_DoesNotMatch()
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
    public void Score_TermTypedWithoutTheNameSpaces_Matches(string term, string name)
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
    public void Score_UnrelatedName_DoesNotMatch(string term, string name)
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
    public void Score_BlankTerm_MatchesNothing(string term)
    {
        // Act
        var score = VoiceNameMatcher.Score(term, "Northwind Traders");

        // Assert
        Assert.Null(score);
    }

    [Fact]
    public void Rank_BlankTerm_ReturnsNothing()
    {
        // Act
        var ranked = Rank(" ", "Northwind Traders", "Contoso Ltd");

        // Assert
        Assert.Empty(ranked);
    }

    [Fact]
    public void Rank_ExactPrefixAndNearMatches_OrdersExactThenPrefixThenNear()
    {
        // Act
        var ranked = Rank("north", "Nrth Co", "Northwind", "North");

        // Assert
        Assert.Equal(["North", "Northwind", "Nrth Co"], ranked);
    }

    [Fact]
    public void Rank_Contoso_OrdersWholeNameThenExactWordThenTypo()
    {
        // Act
        var ranked = Rank("Contoso", "Contso Partners", "Contoso Holdings", "Fabrikam", "Contoso");

        // Assert
        Assert.Equal(["Contoso", "Contoso Holdings", "Contso Partners"], ranked);
    }

    [Fact]
    public void Rank_EveryWordExact_RanksAbovePrefix()
    {
        // Act
        var ranked = Rank("north", "Northwind", "North Star Foods");

        // Assert
        Assert.Equal(["North Star Foods", "Northwind"], ranked);
    }

    [Fact]
    public void Rank_SameQuality_RanksEarlierMatchFirst()
    {
        // Act
        var ranked = Rank("trad", "Northwind Traders", "Traders United Group");

        // Assert
        Assert.Equal(["Traders United Group", "Northwind Traders"], ranked);
    }

    [Fact]
    public void Rank_SameQualityAndPosition_RanksShorterNameFirst()
    {
        // Act
        var ranked = Rank("north", "Northwind Traders", "Northwind");

        // Assert
        Assert.Equal(["Northwind", "Northwind Traders"], ranked);
    }

    [Fact]
    public void Rank_EqualScores_BreaksTiesByNameOrdinal()
    {
        // Act
        var ranked = Rank("contoso", "Contoso B", "Contoso A", "Contoso a");

        // Assert
        Assert.Equal(["Contoso A", "Contoso B", "Contoso a"], ranked);
    }

    [Fact]
    public void Rank_MoreMatchesThanLimit_ReturnsOnlyTheBest()
    {
        // Arrange
        var names = new[] { "Contoso Partners", "Contoso", "Contoso Holdings", "Contso Ltd" };

        // Act
        var ranked = VoiceNameMatcher.Rank("contoso", names, name => name, limit: 2);

        // Assert
        Assert.Equal(["Contoso", "Contoso Holdings"], ranked);
    }

    [Fact]
    public void Rank_LimitZero_ReturnsNothing()
    {
        // Act
        var ranked = VoiceNameMatcher.Rank("contoso", ["Contoso"], name => name, limit: 0);

        // Assert
        Assert.Empty(ranked);
    }

    [Fact]
    public void Rank_Items_ReturnsTheItemsNotTheirNames()
    {
        // Arrange
        var accounts = new[] { (Id: 1, Name: "Northwind Traders"), (Id: 2, Name: "Contoso Ltd") };

        // Act
        var ranked = VoiceNameMatcher.Rank("contoso", accounts, account => account.Name, limit: 10);

        // Assert
        Assert.Equal([2], ranked.Select(account => account.Id));
    }
}
