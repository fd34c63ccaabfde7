using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Notifications;
using RapidStart.Infrastructure.Storage;
using RapidStart.IntegrationTests.Infrastructure;

namespace RapidStart.IntegrationTests.Storage;

/// <summary>
/// A new customer has no follow-up row: the sweep finds the customers created since its last pass by
/// their time-ordered identifiers, on Azurite, and lists the ones whose create died before listing them.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class NewCustomerListingTests(AzuriteFixture azurite)
{
    private readonly StorageHarness _storage = new(azurite);

    private FollowUpDispatcher Dispatcher => new(
        _storage.Subscriptions, _storage.Customers, _storage.FollowUps, new Mock<IEmailSender>().Object, _storage.Clock, NullLogger<FollowUpDispatcher>.Instance);

    [Fact]
    public async Task The_key_range_query_finds_exactly_the_customers_minted_in_its_range_among_every_other_row()
    {
        // Arrange: customers around the range, with a subscription and a listing line each beside them.
        var from = StorageHarness.Start;
        var to = from.AddMinutes(1);
        var before = StorageHarness.NewCustomer("eu-west", "partner-1", from.AddMilliseconds(-1));
        var first = StorageHarness.NewCustomer("eu-west", "partner-1", from);
        var last = StorageHarness.NewCustomer("eu-west", "partner-2", to.AddMilliseconds(-1));
        var after = StorageHarness.NewCustomer("eu-west", "partner-1", to);
        var elsewhere = StorageHarness.NewCustomer("us-east", "partner-1", from.AddSeconds(1));
        foreach (var customer in new[] { before, first, last, after, elsewhere })
        {
            await _storage.Customers.InsertAsync(customer, default);
            await _storage.Customers.UpsertListingAsync(customer, default);
            var (subscription, signUp) = StorageHarness.NewSubscription(CustomerId.RegionOf(customer.CustomerId)!, customer.PartnerId, customer.CustomerId);
            await _storage.Subscriptions.InsertAsync(subscription, signUp, default);
        }

        // Act
        var found = new List<Customer>();
        await foreach (var customer in _storage.Customers.ListCreatedAsync("eu-west", from, to, default))
        {
            found.Add(customer);
        }

        // Assert
        Assert.Equal([first.CustomerId, last.CustomerId], found.Select(c => c.CustomerId));
        Assert.Equal(first.Organization, found[0].Organization);
    }

    [Fact]
    public async Task Adding_a_listing_line_never_replaces_the_one_there()
    {
        // Arrange
        var customer = StorageHarness.NewCustomer("eu-west", "partner-1");
        var newer = customer.WithVoiceAccount("VOICE-2002");
        await _storage.Customers.UpsertListingAsync(newer, default);

        // Act
        var added = await _storage.Customers.AddListingAsync(customer, default);

        // Assert
        Assert.False(added);
        Assert.Equal("VOICE-2002", Assert.Single((await _storage.Customers.ListAsync("partner-1", null, 10, default)).Items).VoiceAccountNumber);
    }

    [Fact]
    public async Task A_create_that_died_after_its_insert_is_listed_by_the_next_pass_once_and_the_checkpoint_moves()
    {
        // Arrange: the first pass sets the checkpoint; then a listed create and one that died before its line.
        var dispatcher = Dispatcher;
        Assert.Equal(0, await dispatcher.ListNewCustomersAsync("eu-west", default));
        var checkpoint = await _storage.Customers.GetListedUntilAsync("eu-west", default);
        Assert.Equal(StorageHarness.Start - FollowUpDispatcher.LeftOverAfter, checkpoint);
        var listed = StorageHarness.NewCustomer("eu-west", "partner-1", StorageHarness.Start.AddSeconds(1));
        var died = StorageHarness.NewCustomer("eu-west", "partner-1", StorageHarness.Start.AddSeconds(2));
        await _storage.Customers.InsertAsync(listed, default);
        await _storage.Customers.UpsertListingAsync(listed, default);
        await _storage.Customers.InsertAsync(died, default);

        // Act: one pass while the creates may still be listing themselves, one after, one more.
        var tooEarly = await dispatcher.ListNewCustomersAsync("eu-west", default);
        _storage.Clock.Advance(FollowUpDispatcher.LeftOverAfter + TimeSpan.FromSeconds(3));
        var added = await dispatcher.ListNewCustomersAsync("eu-west", default);
        var again = await dispatcher.ListNewCustomersAsync("eu-west", default);

        // Assert
        Assert.Equal(0, tooEarly);
        Assert.Equal(1, added);
        Assert.Equal(0, again);
        var page = await _storage.Customers.ListAsync("partner-1", null, 10, default);
        Assert.Equal([listed.CustomerId, died.CustomerId], page.Items.Select(c => c.CustomerId).Order(StringComparer.Ordinal));
        Assert.Equal(_storage.Clock.GetUtcNow() - FollowUpDispatcher.LeftOverAfter, await _storage.Customers.GetListedUntilAsync("eu-west", default));
    }
}
