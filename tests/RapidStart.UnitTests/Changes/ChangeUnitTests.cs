using Moq;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;
using RapidStart.UnitTests.TestSupport;

namespace RapidStart.UnitTests.Changes;

/// <summary>The one write path: hint, commit with the follow-up row, retry on a lost race, then the dispatcher.</summary>
public class ChangeUnitTests
{
    private readonly Mock<ISubscriptionStore> _store = new();
    private readonly Mock<ICustomerStore> _customers = new();
    private readonly Mock<IFollowUpStore> _followUps = new();
    private readonly Mock<IEmailSender> _email = new();
    private readonly Mock<ILifecycleSignals> _signals = new();
    private readonly List<string> _calls = [];
    private readonly List<SubscriptionCommit> _commits = [];
    private readonly ChangeUnit _unit;
    private readonly Customer _customer = TestData.Customer().WithRapidStart();

    public ChangeUnitTests()
    {
        var clock = TestData.Clock();
        _unit = TestData.Changes(_store.Object, _customers.Object, clock, _email.Object, _followUps.Object);
        _followUps.Setup(f => f.AddHintAsync(It.IsAny<PendingFollowUps>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .Callback(() => _calls.Add("hint")).Returns(Task.CompletedTask);
        _followUps.Setup(f => f.ClearAsync(It.IsAny<PendingFollowUps>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .Callback(() => _calls.Add("clear")).Returns(Task.CompletedTask);
        _store.Setup(s => s.AddDueAsync(It.IsAny<DueItem>(), It.IsAny<CancellationToken>())).Callback(() => _calls.Add("due")).Returns(Task.CompletedTask);
        _store.Setup(s => s.UpsertListingAsync(It.IsAny<Subscription>(), It.IsAny<CancellationToken>())).Callback(() => _calls.Add("listing")).Returns(Task.CompletedTask);
        _signals.Setup(s => s.SignalAsync(It.IsAny<Subscription>(), It.IsAny<LifecycleSignal?>(), It.IsAny<CancellationToken>())).Callback(() => _calls.Add("signal")).Returns(Task.CompletedTask);
        _email.Setup(e => e.SendAsync(It.IsAny<EmailMessage>(), It.IsAny<CancellationToken>())).Callback(() => _calls.Add("mail")).Returns(Task.CompletedTask);
    }

    private Versioned<Subscription> Stored(string etag = "etag-1") => new(TestData.Subscription(_customer), etag);

    [Fact]
    public async Task ChangeSubscriptionAsync_with_a_change_hints_then_commits_record_audit_and_follow_up_row_then_applies_and_clears()
    {
        // Arrange
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()))
            .Callback<SubscriptionCommit, CancellationToken>((c, _) => { _calls.Add("commit"); _commits.Add(c); })
            .ReturnsAsync("etag-2");
        var signal = new LifecycleSignal(LifecycleSignalKind.InvitationRequested, 1);
        var mail = new EmailMessage("it@contoso.com", "s", "t", "h", "k");

        // Act
        var committed = await _unit.ChangeSubscriptionAsync(
            () => Task.FromResult(Stored()),
            current =>
            {
                var (next, audit) = current.Value.RequestInvitation(TestData.Start, "a@contoso.com", "a@contoso.com", "A", "partner:test", TimeSpan.FromHours(1));
                return Task.FromResult<SubscriptionChange?>(new SubscriptionChange(
                    next, audit, FollowUps: FollowUps.ListingAndSignal(next.Key, signal) with { Mails = [mail] }, Due: new DueItem(next.Key, TestData.Start)));
            },
            _signals.Object,
            CancellationToken.None);

        // Assert
        Assert.Equal("etag-2", committed!.ETag);
        Assert.Equal(new[] { "hint", "due", "commit", "listing", "signal", "mail", "clear" }, _calls);
        var commit = Assert.Single(_commits);
        Assert.Equal("etag-1", commit.ETag);
        Assert.NotNull(commit.Audit);
        Assert.Equal(signal, commit.FollowUps!.FollowUps.Signal);
        Assert.Equal(_customer.CustomerId, commit.FollowUps.CustomerId);
        _signals.Verify(s => s.SignalAsync(committed.Value, signal, It.IsAny<CancellationToken>()), Times.Once);
        _followUps.Verify(f => f.ClearAsync(commit.FollowUps, FollowUpDispatcher.HintDueAt(commit.FollowUps), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ChangeSubscriptionAsync_after_a_lost_race_rereads_redecides_and_keeps_one_follow_up_row_and_one_hint()
    {
        // Arrange
        var reads = 0;
        var results = new Queue<object>([new ConcurrencyConflictException(), "etag-3"]);
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()))
            .Returns<SubscriptionCommit, CancellationToken>((c, _) =>
            {
                _commits.Add(c);
                return results.Dequeue() is string etag ? Task.FromResult(etag) : throw new ConcurrencyConflictException();
            });

        // Act
        var committed = await _unit.ChangeSubscriptionAsync(
            () => Task.FromResult(Stored($"etag-read-{++reads}")),
            current => Task.FromResult<SubscriptionChange?>(new SubscriptionChange(current.Value, FollowUps: FollowUps.Listing(current.Value.Key))),
            _signals.Object,
            CancellationToken.None);

        // Assert
        Assert.Equal("etag-3", committed!.ETag);
        Assert.Equal(2, reads);
        Assert.Equal(new[] { "etag-read-1", "etag-read-2" }, _commits.Select(c => c.ETag));
        Assert.Equal(_commits[0].FollowUps!.Id, _commits[1].FollowUps!.Id);
        _followUps.Verify(f => f.AddHintAsync(It.IsAny<PendingFollowUps>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
        _store.Verify(s => s.UpsertListingAsync(It.IsAny<Subscription>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ChangeSubscriptionAsync_nothing_to_change_writes_nothing()
    {
        // Act
        var committed = await _unit.ChangeSubscriptionAsync(
            () => Task.FromResult(Stored()), _ => Task.FromResult<SubscriptionChange?>(null), _signals.Object, CancellationToken.None);

        // Assert
        Assert.Null(committed);
        Assert.Empty(_calls);
        _store.Verify(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ChangeSubscriptionAsync_without_follow_ups_commits_no_row_and_writes_no_hint()
    {
        // Arrange
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()))
            .Callback<SubscriptionCommit, CancellationToken>((c, _) => _commits.Add(c)).ReturnsAsync("etag-2");

        // Act
        await _unit.ChangeSubscriptionAsync(
            () => Task.FromResult(Stored()), current => Task.FromResult<SubscriptionChange?>(new SubscriptionChange(current.Value)), _signals.Object, CancellationToken.None);

        // Assert
        Assert.Null(Assert.Single(_commits).FollowUps);
        Assert.Empty(_calls);
    }

    [Fact]
    public async Task ChangeSubscriptionAsync_already_committed_applies_the_follow_ups_without_writing()
    {
        // Act
        var committed = await _unit.ChangeSubscriptionAsync(
            () => Task.FromResult(Stored()),
            current => Task.FromResult<SubscriptionChange?>(SubscriptionChange.Finish(current.Value, FollowUps.ListingAndSignal(current.Value.Key, null))),
            _signals.Object,
            CancellationToken.None);

        // Assert
        Assert.Equal("etag-1", committed!.ETag);
        Assert.Equal(new[] { "listing", "signal" }, _calls);
        _store.Verify(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ChangeSubscriptionAsync_leaves_the_row_for_the_sweep_when_a_follow_up_fails()
    {
        // Arrange: the commit lands, the Service List write does not.
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>())).ReturnsAsync("etag-2");
        _store.Setup(s => s.UpsertListingAsync(It.IsAny<Subscription>(), It.IsAny<CancellationToken>())).ThrowsAsync(new IOException("storage went away"));

        // Act
        var failure = await Record.ExceptionAsync(() => _unit.ChangeSubscriptionAsync(
            () => Task.FromResult(Stored()),
            current => Task.FromResult<SubscriptionChange?>(new SubscriptionChange(current.Value, FollowUps: FollowUps.ListingAndSignal(current.Value.Key, null))),
            _signals.Object,
            CancellationToken.None));

        // Assert
        Assert.IsType<IOException>(failure);
        _signals.Verify(s => s.SignalAsync(It.IsAny<Subscription>(), It.IsAny<LifecycleSignal?>(), It.IsAny<CancellationToken>()), Times.Never);
        _followUps.Verify(f => f.ClearAsync(It.IsAny<PendingFollowUps>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ChangeCustomerAsync_with_a_change_replaces_with_the_follow_up_row_then_lists_the_customer_and_clears()
    {
        // Arrange
        PendingFollowUps? written = null;
        _customers.Setup(c => c.ReplaceAsync(It.IsAny<Customer>(), "customer-etag-1", It.IsAny<PendingFollowUps?>(), It.IsAny<CancellationToken>()))
            .Callback<Customer, string, PendingFollowUps?, CancellationToken>((_, _, p, _) => { _calls.Add("replace"); written = p; })
            .ReturnsAsync("customer-etag-2");
        _customers.Setup(c => c.UpsertListingAsync(It.IsAny<Customer>(), It.IsAny<CancellationToken>())).Callback(() => _calls.Add("customer listing")).Returns(Task.CompletedTask);

        // Act
        var committed = await _unit.ChangeCustomerAsync(
            () => Task.FromResult(new Versioned<Customer>(_customer, "customer-etag-1")),
            current => Task.FromResult<CustomerChange?>(new CustomerChange(current.Value.WithVoiceAccount(TestData.VoiceNumber), FollowUps.CustomerListing(current.Value.CustomerId))),
            subscription: null,
            signals: null,
            CancellationToken.None);

        // Assert
        Assert.Equal("customer-etag-2", committed!.ETag);
        Assert.Equal(new[] { "hint", "replace", "customer listing", "clear" }, _calls);
        Assert.Equal(_customer.CustomerId, written!.FollowUps.Customer);
        _customers.Verify(c => c.UpsertListingAsync(It.Is<Customer>(x => x.VoiceAccountNumber == TestData.VoiceNumber), It.IsAny<CancellationToken>()), Times.Once);
    }
}
