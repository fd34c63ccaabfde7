using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;
using RapidStart.UnitTests.TestSupport;

namespace RapidStart.UnitTests.Lifecycle;

public class ExpirySweepTests
{
    private static readonly DateTimeOffset Deadline = TestData.Start + TestData.Trial;

    private readonly Mock<ISubscriptionStore> _store = new();
    private readonly Mock<ICustomerStore> _customers = new();
    private readonly Mock<IEmailSender> _email = new();
    private readonly FakeTimeProvider _clock = TestData.Clock(Deadline.AddDays(1));
    private readonly Dictionary<SubscriptionKey, Versioned<Subscription>> _rows = [];
    private readonly Dictionary<string, List<DueItem>> _due = [];
    private readonly List<DueItem> _removed = [];
    private readonly ExpirySweep _sweep;

    public ExpirySweepTests()
    {
        var catalog = ServiceCatalog.Default();
        var changes = TestData.Changes(_store.Object, _customers.Object, _clock, _email.Object);
        var transitions = new LifecycleTransitions(
            _store.Object, _customers.Object, _email.Object, Options.Create(new LifecycleOptions()), _clock, NullLogger<LifecycleTransitions>.Instance, changes);
        var dispatcher = new FollowUpDispatcher(_store.Object, _customers.Object, new Mock<IFollowUpStore>().Object, _email.Object, _clock, NullLogger<FollowUpDispatcher>.Instance);
        _sweep = new ExpirySweep(_store.Object, catalog, transitions, dispatcher, _clock, NullLogger<ExpirySweep>.Instance);

        _store.Setup(s => s.GetAsync(It.IsAny<SubscriptionKey>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((SubscriptionKey key, CancellationToken _) => _rows.GetValueOrDefault(key));
        _customers.Setup(c => c.ListCreatedAsync(It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .Returns(AsyncEnumerable.Empty<Customer>());
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((SubscriptionCommit commit, CancellationToken _) =>
            {
                _rows[commit.Subscription.Key] = new Versioned<Subscription>(commit.Subscription, commit.ETag + "+");
                return commit.ETag + "+";
            });
        _store.Setup(s => s.PurgeAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((SubscriptionCommit commit, CancellationToken _) =>
            {
                _rows[commit.Subscription.Key] = new Versioned<Subscription>(commit.Subscription, commit.ETag + "+");
                return commit.ETag + "+";
            });
        _store.Setup(s => s.ListDueAsync(It.IsAny<string>(), It.IsAny<DateOnly>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string region, DateOnly _, DateTimeOffset _, CancellationToken _) => _due.GetValueOrDefault(region) ?? []);
        _store.Setup(s => s.RemoveDueAsync(It.IsAny<DueItem>(), It.IsAny<CancellationToken>()))
            .Callback<DueItem, CancellationToken>((item, _) => _removed.Add(item))
            .Returns(Task.CompletedTask);
        _customers.Setup(c => c.ReplaceAsync(It.IsAny<Customer>(), It.IsAny<string>(), It.IsAny<PendingFollowUps?>(), It.IsAny<CancellationToken>())).ReturnsAsync("customer-etag-2");
    }

    private SubscriptionKey Add(Func<Customer, Subscription> subscription, Func<Customer, Customer>? customize = null)
    {
        var customer = (customize ?? (c => c))(TestData.Customer().WithRapidStart());
        _customers.Setup(c => c.GetAsync(customer.CustomerId, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<Customer>(customer, "customer-etag-1"));
        var key = TestData.KeyOf(customer);
        _rows[key] = new Versioned<Subscription>(subscription(customer), "sub-etag-1");
        return key;
    }

    private DueItem Due(SubscriptionKey key, DateTimeOffset at)
    {
        var item = new DueItem(key, at);
        if (!_due.TryGetValue(key.Region, out var items))
        {
            _due[key.Region] = items = [];
        }

        items.Add(item);
        return item;
    }

    [Fact]
    public async Task RunAsync_due_item_without_subscription_is_removed_and_nothing_else_happens()
    {
        // Arrange
        var orphan = Due(new SubscriptionKey("eu-west", TestData.NewCustomerId(), "rapidstart"), Deadline);

        // Act
        var result = await _sweep.RunAsync(CancellationToken.None);

        // Assert
        Assert.Equal(new SweepResult(1, 0, 0), result);
        Assert.Equal(new[] { orphan }, _removed);
        _store.Verify(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()), Times.Never);
        _email.Verify(e => e.SendAsync(It.IsAny<EmailMessage>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task RunAsync_due_deadline_and_retention_end_applies_both_and_counts_them()
    {
        // Arrange
        var onTrial = Add(c => TestData.Invited(c));
        var inactive = Add(c => TestData.Invited(c, at: TestData.Start.AddDays(-31)).Inactivate(Deadline.AddDays(-31), TestData.Retention, "system").Item1);
        var orphan = new SubscriptionKey("us-east", TestData.NewCustomerId("us-east"), "rapidstart");
        var items = new[] { Due(onTrial, Deadline), Due(inactive, Deadline.AddDays(-1)), Due(orphan, Deadline) };

        // Act
        var result = await _sweep.RunAsync(CancellationToken.None);

        // Assert
        Assert.Equal(new SweepResult(3, 1, 1), result);
        Assert.Equal(SubscriptionStatus.Inactive, _rows[onTrial].Value.Status);
        Assert.Equal(SubscriptionStatus.Purged, _rows[inactive].Value.Status);
        Assert.Equal(items.OrderBy(i => i.Key.ToString()), _removed.OrderBy(i => i.Key.ToString()));
        _store.Verify(s => s.CommitAsync(It.Is<SubscriptionCommit>(c => c.Audit!.Actor == LifecycleTransitions.SweepActor), It.IsAny<CancellationToken>()), Times.Once);
        _store.Verify(s => s.PurgeAsync(It.Is<SubscriptionCommit>(c => c.Audit!.Actor == LifecycleTransitions.SweepActor), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task RunAsync_reads_each_due_subscription_once()
    {
        // Arrange
        var onTrial = Add(c => TestData.Invited(c));
        var inactive = Add(c => TestData.Invited(c, at: TestData.Start.AddDays(-31)).Inactivate(Deadline.AddDays(-31), TestData.Retention, "system").Item1);
        Due(onTrial, Deadline);
        Due(inactive, Deadline.AddDays(-1));

        // Act
        await _sweep.RunAsync(CancellationToken.None);

        // Assert: the transition starts from the sweep's read instead of reading again. (The purge reads
        // the subscription once more afterwards, to see whether anything of its customer still lives.)
        _store.Verify(s => s.GetAsync(onTrial, It.IsAny<CancellationToken>()), Times.Once);
        _store.Verify(s => s.GetAsync(inactive, It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task RunAsync_on_a_deadline_commit_conflict_reads_afresh_and_inactivates()
    {
        // Arrange: the first commit finds the ETag moved (the orchestration changed the record meanwhile).
        var onTrial = Add(c => TestData.Invited(c));
        Due(onTrial, Deadline);
        var commits = 0;
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((SubscriptionCommit commit, CancellationToken _) =>
            {
                if (commits++ == 0)
                {
                    throw new ConcurrencyConflictException();
                }

                _rows[commit.Subscription.Key] = new Versioned<Subscription>(commit.Subscription, commit.ETag + "+");
                return commit.ETag + "+";
            });

        // Act
        var result = await _sweep.RunAsync(CancellationToken.None);

        // Assert
        Assert.Equal(new SweepResult(1, 1, 0), result);
        Assert.Equal(SubscriptionStatus.Inactive, _rows[onTrial].Value.Status);
        _store.Verify(s => s.GetAsync(onTrial, It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task RunAsync_due_item_of_a_subscription_made_permanent_is_cleared_without_inactivating()
    {
        // Arrange
        var permanent = Add(c => TestData.Invited(c).MakePermanent(TestData.Start.AddDays(5), "partner").Item1);
        Due(permanent, Deadline);

        // Act
        var result = await _sweep.RunAsync(CancellationToken.None);

        // Assert
        Assert.Equal(new SweepResult(1, 0, 0), result);
        Assert.Equal(SubscriptionStatus.InvitationSent, _rows[permanent].Value.Status);
        Assert.Single(_removed);
        _store.Verify(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task RunAsync_asks_every_region_for_items_due_up_to_now_within_the_look_back()
    {
        // Act
        var result = await _sweep.RunAsync(CancellationToken.None);

        // Assert
        Assert.Equal(new SweepResult(0, 0, 0), result);
        var now = _clock.GetUtcNow();
        var fromDay = DateOnly.FromDateTime((now - ExpirySweep.LookBack).UtcDateTime);
        foreach (var region in new[] { "ap-southeast", "eu-west", "us-east" })
        {
            _store.Verify(s => s.ListDueAsync(region, fromDay, now, It.IsAny<CancellationToken>()), Times.Once);
        }
    }
}
