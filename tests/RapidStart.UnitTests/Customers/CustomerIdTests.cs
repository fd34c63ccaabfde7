using RapidStart.Domain.Customers;

namespace RapidStart.UnitTests.Customers;

public class CustomerIdTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void New_sorts_by_minting_time_and_carries_its_region()
    {
        // Act
        var earlier = CustomerId.New("eu-west", At);
        var later = CustomerId.New("eu-west", At.AddMilliseconds(1));

        // Assert
        Assert.True(string.CompareOrdinal(earlier, later) < 0);
        Assert.Equal("eu-west", CustomerId.RegionOf(earlier));
    }

    [Fact]
    public void LowerBound_brackets_exactly_the_identifiers_minted_in_a_time_range()
    {
        // Arrange
        var from = CustomerId.LowerBound("eu-west", At);
        var to = CustomerId.LowerBound("eu-west", At.AddSeconds(1));

        // Act
        var inside = Enumerable.Range(0, 100).Select(i => CustomerId.New("eu-west", At.AddMilliseconds(i * 10))).ToArray();
        var before = CustomerId.New("eu-west", At.AddMilliseconds(-1));
        var after = CustomerId.New("eu-west", At.AddSeconds(1));

        // Assert
        Assert.All(inside, id => Assert.True(string.CompareOrdinal(from, id) <= 0 && string.CompareOrdinal(id, to) < 0, id));
        Assert.True(string.CompareOrdinal(before, from) < 0);
        Assert.True(string.CompareOrdinal(after, to) >= 0);
        Assert.Equal("eu-west", CustomerId.RegionOf(from));
    }
}
