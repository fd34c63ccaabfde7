using RapidStart.Domain.Geography;

namespace RapidStart.UnitTests.Geography;

public class CountryCodesTests
{
    [Fact]
    public void All_Contains249OfficiallyAssignedCodes()
    {
        // Act
        var count = CountryCodes.All.Count;

        // Assert
        Assert.Equal(249, count);
    }

    [Fact]
    public void All_EveryCodeIsTwoUpperCaseLetters()
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
    public void IsAssigned_OfficiallyAssignedCode_ReturnsTrue(string code)
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
    public void IsAssigned_NotAnAssignedUpperCaseCode_ReturnsFalse(string? code)
    {
        // Act
        var assigned = CountryCodes.IsAssigned(code);

        // Assert
        Assert.False(assigned);
    }
}
