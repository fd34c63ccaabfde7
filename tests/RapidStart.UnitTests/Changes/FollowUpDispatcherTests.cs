using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Subscriptions;
using RapidStart.UnitTests.TestSupport;

namespace RapidStart.UnitTests.Changes;

/// <summary>The follow-ups a crash left behind, applied from fresh reads by the sweep's pickup.</summary>
public class FollowUpDispatcherTests
{
    private readonly Mock<ISubscriptionStore> _store = new();
    private readonly Mock<ICustomerStore> _customers = new();
    private readonly Mock<IFollowUpStore> _followUps = new();
    private readonly Mock<IEmailSender> _email = new();
    private readonly Mock<ILifecycleSignals> _signals = new();
    private readonly FakeTimeProvider _clock = TestData.Clock(TestData.Start.AddMinutes(5));
    private readonly FollowUpDispatcher _dispatcher;
    private readonly Customer _customer = TestData.Customer().WithRapidStart();

    public FollowUpDispatcherTests() =>
        _dispatcher = new FollowUpDispatcher(_store.Object, _customers.Object, _followUps.Object, _email.Object, _clock, NullLogger<FollowUpDispatcher>.Instance);

    private SubscriptionKey Key => TestData.KeyOf(_customer);

    private PendingFollowUps Pending(FollowUps work, DateTimeOffset? committedAt = null) =>
        new("eu-west", _customer.CustomerId, PendingFollowUps.NewId(committedAt ?? TestData.Start), committedAt ?? TestData.Start, work);

    private void Leftover(params PendingFollowUps[] rows) =>
        _followUps.Setup(f => f.ListPendingAsync("eu-west", _customer.CustomerId, It.IsAny<CancellationToken>())).ReturnsAsync(rows);

    [Fact]
    public async Task ApplyLeftoversAsync_row_left_by_a_crash_lists_from_the_current_record_signals_mails_and_clears_once()
    {
        // Arrange: the record moved on since the commit; the listing is written from what it is now.
        var current = TestData.Invited(_customer, sequence: 2);
        _store.Setup(s => s.GetAsync(Key, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<Subscription>(current, "etag-9"));
        var mail = new EmailMessage("it@contoso.com", "s", "t", "h", "k");
        var signal = new LifecycleSignal(LifecycleSignalKind.InvitationRequested, 2);
        var row = Pending(FollowUps.ListingAndSignal(Key, signal) with { Mails = [mail] });
        Leftover(row);

        // Act
        var waiting = await _dispatcher.ApplyLeftoversAsync("eu-west", _customer.CustomerId, _signals.Object, CancellationToken.None);

        // Assert
        Assert.Equal(0, waiting);
        _store.Verify(s => s.UpsertListingAsync(current, It.IsAny<CancellationToken>()), Times.Once);
        _signals.Verify(s => s.SignalAsync(current, signal, It.IsAny<CancellationToken>()), Times.Once);
        _email.Verify(e => e.SendAsync(mail, It.IsAny<CancellationToken>()), Times.Once);
        _followUps.Verify(f => f.ClearAsync(row, FollowUpDispatcher.HintDueAt(row), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ApplyLeftoversAsync_row_still_being_applied_is_left_to_its_own_request()
    {
        // Arrange: committed a moment ago; its request is applying it right now.
        Leftover(Pending(FollowUps.Listing(Key), committedAt: _clock.GetUtcNow() - TimeSpan.FromSeconds(1)));

        // Act
        var waiting = await _dispatcher.ApplyLeftoversAsync("eu-west", _customer.CustomerId, _signals.Object, CancellationToken.None);

        // Assert
        Assert.Equal(1, waiting);
        _store.Verify(s => s.UpsertListingAsync(It.IsAny<Subscription>(), It.IsAny<CancellationToken>()), Times.Never);
        _followUps.Verify(f => f.ClearAsync(It.IsAny<PendingFollowUps>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ApplyLeftoversAsync_signal_without_a_durable_client_waits_for_one_and_applies_the_other_rows()
    {
        // Arrange
        _customers.Setup(c => c.GetAsync(_customer.CustomerId, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<Customer>(_customer, "c-1"));
        var needsSignal = Pending(FollowUps.ListingAndSignal(Key, new LifecycleSignal(LifecycleSignalKind.Accepted)));
        var listing = Pending(FollowUps.CustomerListing(_customer.CustomerId));
        Leftover(needsSignal, listing);

        // Act
        var waiting = await _dispatcher.ApplyLeftoversAsync("eu-west", _customer.CustomerId, signals: null, CancellationToken.None);

        // Assert
        Assert.Equal(1, waiting);
        _store.Verify(s => s.UpsertListingAsync(It.IsAny<Subscription>(), It.IsAny<CancellationToken>()), Times.Never);
        _customers.Verify(c => c.UpsertListingAsync(_customer, It.IsAny<CancellationToken>()), Times.Once);
        _followUps.Verify(f => f.ClearAsync(listing, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
        _followUps.Verify(f => f.ClearAsync(needsSignal, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ApplyAsync_with_the_record_gone_skips_its_listing_and_signal_but_clears_the_row()
    {
        // Arrange: a hint whose subscription no longer exists (the sign-up never committed its reference).
        var row = Pending(FollowUps.ListingAndSignal(Key, null));

        // Act
        await _dispatcher.ApplyAsync(row.FollowUps, row, subscription: null, customer: null, _signals.Object, CancellationToken.None);

        // Assert
        _store.Verify(s => s.UpsertListingAsync(It.IsAny<Subscription>(), It.IsAny<CancellationToken>()), Times.Never);
        _signals.Verify(s => s.SignalAsync(It.IsAny<Subscription>(), It.IsAny<LifecycleSignal?>(), It.IsAny<CancellationToken>()), Times.Never);
        _followUps.Verify(f => f.ClearAsync(row, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public void FollowUps_without_work_is_empty_and_with_any_work_is_not()
    {
        Assert.True(new FollowUps().IsEmpty);
        Assert.False(FollowUps.Listing(Key).IsEmpty);
        Assert.False(FollowUps.CustomerListing(_customer.CustomerId).IsEmpty);
        Assert.False(new FollowUps(Mails: [new EmailMessage("a@b.c", "s", "t", "h", "k")]).IsEmpty);
    }

    [Fact]
    public async Task ListNewCustomersAsync_adds_the_missing_lines_of_customers_minted_since_the_checkpoint_and_moves_it()
    {
        // Arrange: one create that died after its insert, one that got as far as its line.
        var checkpoint = TestData.Start;
        var unlisted = TestData.Customer() with { CustomerId = CustomerId.New("eu-west", TestData.Start.AddMinutes(1)) };
        var listed = TestData.Customer() with { CustomerId = CustomerId.New("eu-west", TestData.Start.AddMinutes(2)) };
        var upTo = _clock.GetUtcNow() - FollowUpDispatcher.LeftOverAfter;
        _customers.Setup(c => c.GetListedUntilAsync("eu-west", It.IsAny<CancellationToken>())).ReturnsAsync(checkpoint);
        _customers.Setup(c => c.ListCreatedAsync("eu-west", checkpoint, upTo, It.IsAny<CancellationToken>())).Returns(new[] { unlisted, listed }.ToAsyncEnumerable());
        _customers.Setup(c => c.AddListingAsync(unlisted, It.IsAny<CancellationToken>())).ReturnsAsync(true);
        _customers.Setup(c => c.AddListingAsync(listed, It.IsAny<CancellationToken>())).ReturnsAsync(false);

        // Act
        var added = await _dispatcher.ListNewCustomersAsync("eu-west", CancellationToken.None);

        // Assert: lines are only added, never overwritten (a later change may have written a newer copy).
        Assert.Equal(1, added);
        _customers.Verify(c => c.UpsertListingAsync(It.IsAny<Customer>(), It.IsAny<CancellationToken>()), Times.Never);
        _customers.Verify(c => c.SetListedUntilAsync("eu-west", upTo, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ListNewCustomersAsync_without_a_checkpoint_looks_back_two_days_and_a_failure_keeps_the_old_checkpoint()
    {
        // Arrange
        var upTo = _clock.GetUtcNow() - FollowUpDispatcher.LeftOverAfter;
        var customer = TestData.Customer();
        _customers.Setup(c => c.GetListedUntilAsync("eu-west", It.IsAny<CancellationToken>())).ReturnsAsync((DateTimeOffset?)null);
        _customers.Setup(c => c.ListCreatedAsync("eu-west", upTo - FollowUpDispatcher.FirstListingLookBack, upTo, It.IsAny<CancellationToken>()))
            .Returns(new[] { customer }.ToAsyncEnumerable());
        _customers.Setup(c => c.AddListingAsync(customer, It.IsAny<CancellationToken>())).ThrowsAsync(new TimeoutException("storage"));

        // Act
        var failure = await Record.ExceptionAsync(() => _dispatcher.ListNewCustomersAsync("eu-west", CancellationToken.None));

        // Assert: the next pass starts from the same place.
        Assert.IsType<TimeoutException>(failure);
        _customers.Verify(c => c.ListCreatedAsync("eu-west", upTo - TimeSpan.FromDays(2), upTo, It.IsAny<CancellationToken>()), Times.Once);
        _customers.Verify(c => c.SetListedUntilAsync(It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }
}
