using RapidStart.Domain.Geography;

namespace RapidStart.UnitTests.Geography;

public class CountryCodesTests
{
    [Fact]
    public void All_contains_249_officially_assigned_codes()
    {
        // Act
        var count = CountryCodes.All.Count;

        // Assert
        Assert.Equal(249, count);
    }

    [Fact]
    public void All_every_code_is_two_upper_case_letters()
    {
        // Act
        var malformed = CountryCodes.All.Where(code => code.Length != 2 || !code.All(char.IsAsciiLetterUpper));

        // Assert
        Assert.Empty(malformed);
    }

    [Theory]
    [InlineData("US")]
    [InlineData("GB")]
    [InlineData("DE")]
    [InlineData("NL")]
    [InlineData("AX")]
    [InlineData("SS")]
    [InlineData("ZW")]
    public void IsAssigned_officially_assigned_code_returns_true(string code)
    {
        // Act
        var assigned = CountryCodes.IsAssigned(code);

        // Assert
        Assert.True(assigned);
    }

    [Theory]
    [InlineData("us")]
    [InlineData("Us")]
    [InlineData("UK")]
    [InlineData("EU")]
    [InlineData("XX")]
    [InlineData("XK")]
    [InlineData("USA")]
    [InlineData(" US")]
    [InlineData("")]
    [InlineData(null)]
    public void IsAssigned_not_an_assigned_upper_case_code_returns_false(string? code)
    {
        // Act
        var assigned = CountryCodes.IsAssigned(code);

        // Assert
        Assert.False(assigned);
    }
}
