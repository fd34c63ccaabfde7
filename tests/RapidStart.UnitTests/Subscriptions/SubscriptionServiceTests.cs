using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using RapidStart.Domain.Activation;
using RapidStart.Domain.Callers;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;
using RapidStart.Domain.Voice;
using RapidStart.UnitTests.TestSupport;

namespace RapidStart.UnitTests.Subscriptions;

public class SubscriptionServiceTests
{
    private const string LegacyServiceId = "legacy";

    private readonly Mock<ISubscriptionStore> _store = new();
    private readonly Mock<ICustomerStore> _customers = new();
    private readonly Mock<IVoiceDirectory> _voice = new();
    private readonly Mock<ILifecycleSignals> _signals = new();
    private readonly FakeTimeProvider _clock = TestData.Clock();
    private readonly Caller _partner = TestData.Partner();
    private readonly SubscriptionService _service;

    public SubscriptionServiceTests()
    {
        var catalog = new ServiceCatalog(
            [
                .. ServiceCatalog.Default().Services,
                new CatalogService(LegacyServiceId, "Legacy Onboarding", TestData.Start.AddDays(-1), [new CatalogCountry("DE", "eu-west")]),
            ],
            "us-east");
        var changes = TestData.Changes(_store.Object, _customers.Object, _clock);
        var customerService = new CustomerService(_customers.Object, _voice.Object, catalog, _clock, changes);
        _service = new SubscriptionService(_store.Object, _customers.Object, customerService, catalog, Options.Create(new LifecycleOptions()), _clock, changes);

        _store.Setup(s => s.InsertAsync(It.IsAny<Subscription>(), It.IsAny<AuditEntry>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        _customers.Setup(c => c.ReplaceAsync(It.IsAny<Customer>(), It.IsAny<string>(), It.IsAny<PendingFollowUps?>(), It.IsAny<CancellationToken>())).ReturnsAsync("customer-etag-2");
    }

    private Customer StoredCustomer(Customer customer, string etag = "customer-etag-1")
    {
        _customers.Setup(c => c.GetAsync(customer.CustomerId, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<Customer>(customer, etag));
        return customer;
    }

    /// <summary>A prospect with a RapidStart subscription in eu-west, stored as <paramref name="subscription"/>.</summary>
    private (Customer Customer, SubscriptionKey Key) WithSubscription(Func<Customer, Subscription> subscription, string etag = "sub-etag-1")
    {
        var customer = StoredCustomer(TestData.Customer().WithRapidStart());
        var key = TestData.KeyOf(customer);
        _store.Setup(s => s.GetAsync(key, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<Subscription>(subscription(customer), etag));
        return (customer, key);
    }

    // ---- sign-up ----

    [Fact]
    public async Task SignUpAsync_unsupported_country_is_refused_with_advice_to_contact_support()
    {
        // Arrange
        var customer = StoredCustomer(TestData.Customer());

        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.RuleRefused,
            () => _service.SignUpAsync(_partner, customer.CustomerId, "rapidstart", "AR", _signals.Object, CancellationToken.None));

        // Assert
        Assert.Contains("Contact Support", problem.Message);
        _store.Verify(s => s.InsertAsync(It.IsAny<Subscription>(), It.IsAny<AuditEntry>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task SignUpAsync_service_past_its_end_of_support_is_refused()
    {
        // Arrange
        var customer = StoredCustomer(TestData.Customer());

        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.RuleRefused,
            () => _service.SignUpAsync(_partner, customer.CustomerId, LegacyServiceId, "DE", _signals.Object, CancellationToken.None));

        // Assert
        Assert.Contains("end of support", problem.Message);
        _store.Verify(s => s.InsertAsync(It.IsAny<Subscription>(), It.IsAny<AuditEntry>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task SignUpAsync_customer_already_has_the_service_is_a_conflict()
    {
        // Arrange
        var customer = StoredCustomer(TestData.Customer().WithRapidStart());

        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.Conflict,
            () => _service.SignUpAsync(_partner, customer.CustomerId, "rapidstart", "DE", _signals.Object, CancellationToken.None));

        // Assert
        _store.Verify(s => s.InsertAsync(It.IsAny<Subscription>(), It.IsAny<AuditEntry>(), It.IsAny<CancellationToken>()), Times.Never);
        _signals.Verify(s => s.SignalAsync(It.IsAny<Subscription>(), It.IsAny<LifecycleSignal?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task SignUpAsync_existing_customer_gets_a_permanent_subscription_without_due_item()
    {
        // Arrange
        var customer = StoredCustomer(TestData.Customer(voiceNumber: TestData.VoiceNumber));

        // Act
        var subscription = await _service.SignUpAsync(_partner, customer.CustomerId, "rapidstart", "DE", _signals.Object, CancellationToken.None);

        // Assert
        Assert.Null(subscription.TrialEndsAt);
        Assert.Equal(SubscriptionStatus.Created, subscription.Status);
        _store.Verify(s => s.InsertAsync(It.Is<Subscription>(x => x.TrialEndsAt == null), It.IsAny<AuditEntry>(), It.IsAny<CancellationToken>()), Times.Once);
        _store.Verify(s => s.AddDueAsync(It.IsAny<DueItem>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task SignUpAsync_prospect_gets_a_trial_whose_deadline_is_indexed_before_the_insert()
    {
        // Arrange
        var customer = StoredCustomer(TestData.Customer());
        var order = new List<string>();
        _store.Setup(s => s.AddDueAsync(It.IsAny<DueItem>(), It.IsAny<CancellationToken>())).Callback(() => order.Add("due")).Returns(Task.CompletedTask);
        _store.Setup(s => s.InsertAsync(It.IsAny<Subscription>(), It.IsAny<AuditEntry>(), It.IsAny<CancellationToken>())).Callback(() => order.Add("insert")).ReturnsAsync(true);

        // Act
        var subscription = await _service.SignUpAsync(_partner, customer.CustomerId, "rapidstart", "de", _signals.Object, CancellationToken.None);

        // Assert
        Assert.Equal(TestData.Start + TestData.Trial, subscription.TrialEndsAt);
        Assert.Equal("DE", subscription.CountryRegion);
        Assert.Equal("eu-west", subscription.Region);
        Assert.Equal(new[] { "due", "insert" }, order);
        _store.Verify(s => s.AddDueAsync(new DueItem(subscription.Key, TestData.Start + TestData.Trial), It.IsAny<CancellationToken>()), Times.Once);
        _customers.Verify(c => c.ReplaceAsync(It.Is<Customer>(x => x.SubscriptionRegions["rapidstart"] == "eu-west"), "customer-etag-1", It.IsAny<PendingFollowUps?>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task SignUpAsync_signals_the_lifecycle_once_when_it_succeeds()
    {
        // Arrange
        var customer = StoredCustomer(TestData.Customer());

        // Act
        var subscription = await _service.SignUpAsync(_partner, customer.CustomerId, "rapidstart", "DE", _signals.Object, CancellationToken.None);

        // Assert
        _signals.Verify(s => s.SignalAsync(subscription, null, It.IsAny<CancellationToken>()), Times.Once);
        _signals.VerifyNoOtherCalls();
    }

    // ---- send activation ----

    [Fact]
    public async Task SendActivationAsync_from_created_sends_the_first_invitation_and_signals_its_sequence()
    {
        // Arrange
        var (customer, key) = WithSubscription(c => TestData.Subscription(c));
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>())).ReturnsAsync("sub-etag-2");

        // Act
        var sent = await _service.SendActivationAsync(_partner, customer.CustomerId, "rapidstart", null, "sub-etag-1", _signals.Object, CancellationToken.None);

        // Assert
        Assert.Equal(SubscriptionStatus.InvitationSent, sent.Status);
        Assert.Equal(1, sent.Invitation!.Sequence);
        Assert.Equal(TestData.AdministratorAccount, sent.Invitation.MicrosoftAccountId);
        Assert.Equal(TestData.AdministratorEmail, sent.Invitation.ContactEmail);
        _store.Verify(s => s.CommitAsync(
            It.Is<SubscriptionCommit>(c => c.ETag == "sub-etag-1" && c.Subscription.Status == SubscriptionStatus.InvitationSent && c.Audit!.To == SubscriptionStatus.InvitationSent),
            It.IsAny<CancellationToken>()), Times.Once);
        _signals.Verify(s => s.SignalAsync(sent, new LifecycleSignal(LifecycleSignalKind.InvitationRequested, 1), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task SendActivationAsync_resend_signals_the_new_sequence()
    {
        // Arrange
        var (customer, _) = WithSubscription(c => TestData.Invited(c, sequence: 2));
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>())).ReturnsAsync("sub-etag-2");

        // Act
        var sent = await _service.SendActivationAsync(_partner, customer.CustomerId, "rapidstart", null, null, _signals.Object, CancellationToken.None);

        // Assert
        Assert.Equal(3, sent.Invitation!.Sequence);
        _signals.Verify(s => s.SignalAsync(It.IsAny<Subscription>(), new LifecycleSignal(LifecycleSignalKind.InvitationRequested, 3), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task SendActivationAsync_sixth_send_within_an_hour_is_too_many_requests_with_RetryAfter_and_no_commit()
    {
        // Arrange
        var now = TestData.Start;
        var sends = Enumerable.Range(1, 5).Select(i => now.AddMinutes(-60 + (10 * i))).ToArray(); // -50 ... -10 minutes
        var (customer, _) = WithSubscription(c => TestData.Invited(c) with { RecentSends = sends });

        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.TooManyRequests,
            () => _service.SendActivationAsync(_partner, customer.CustomerId, "rapidstart", null, null, _signals.Object, CancellationToken.None));

        // Assert
        Assert.NotNull(problem.RetryAfter);
        Assert.True(problem.RetryAfter > TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromMinutes(10), problem.RetryAfter);
        _store.Verify(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()), Times.Never);
        _signals.Verify(s => s.SignalAsync(It.IsAny<Subscription>(), It.IsAny<LifecycleSignal?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task SendActivationAsync_five_sends_older_than_an_hour_do_not_count_against_the_limit()
    {
        // Arrange
        var sends = Enumerable.Range(1, 5).Select(i => TestData.Start.AddMinutes(-60 - i)).ToArray();
        var (customer, _) = WithSubscription(c => TestData.Invited(c) with { RecentSends = sends });
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>())).ReturnsAsync("sub-etag-2");

        // Act
        var sent = await _service.SendActivationAsync(_partner, customer.CustomerId, "rapidstart", null, null, _signals.Object, CancellationToken.None);

        // Assert
        Assert.Equal(new[] { TestData.Start }, sent.RecentSends);
    }

    [Fact]
    public async Task SendActivationAsync_when_active_is_a_conflict()
    {
        // Arrange
        var (customer, _) = WithSubscription(c => TestData.Invited(c).Accept(TestData.Start, new Acceptance(TestData.Start, TestData.AdministratorAccount, "v", "v")).Item1);

        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.Conflict,
            () => _service.SendActivationAsync(_partner, customer.CustomerId, "rapidstart", null, null, _signals.Object, CancellationToken.None));

        // Assert
        _store.Verify(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task SendActivationAsync_with_a_live_link_commits_that_token_as_superseded()
    {
        // Arrange
        var (customer, key) = WithSubscription(c => TestData.Invited(c).WithIssuedToken("hash-1"));
        var live = new ActivationTokenRecord("hash-1", 1, TestData.AdministratorAccount, TestData.Start, TestData.Start.AddDays(30), TokenState.Live);
        _store.Setup(s => s.GetTokenAsync(key, "hash-1", It.IsAny<CancellationToken>())).ReturnsAsync(live);
        SubscriptionCommit? committed = null;
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()))
            .Callback<SubscriptionCommit, CancellationToken>((c, _) => committed = c).ReturnsAsync("sub-etag-2");

        // Act
        var sent = await _service.SendActivationAsync(_partner, customer.CustomerId, "rapidstart", null, null, _signals.Object, CancellationToken.None);

        // Assert
        Assert.NotNull(committed);
        var token = Assert.Single(committed.Tokens!);
        Assert.Equal(live with { State = TokenState.Superseded }, token);
        Assert.Null(sent.LiveTokenHash);
    }

    [Fact]
    public async Task SendActivationAsync_concurrent_writer_on_first_commit_retries_on_fresh_state_and_succeeds()
    {
        // Arrange
        var customer = StoredCustomer(TestData.Customer().WithRapidStart());
        var key = TestData.KeyOf(customer);
        var created = TestData.Subscription(customer);
        _store.SetupSequence(s => s.GetAsync(key, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new Versioned<Subscription>(created, "sub-etag-1"))
            .ReturnsAsync(new Versioned<Subscription>(created, "sub-etag-2"));
        _store.SetupSequence(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ConcurrencyConflictException())
            .ReturnsAsync("sub-etag-3");

        // Act
        var sent = await _service.SendActivationAsync(_partner, customer.CustomerId, "rapidstart", null, "sub-etag-1", _signals.Object, CancellationToken.None);

        // Assert
        Assert.Equal(SubscriptionStatus.InvitationSent, sent.Status);
        _store.Verify(s => s.CommitAsync(It.Is<SubscriptionCommit>(c => c.ETag == "sub-etag-1"), It.IsAny<CancellationToken>()), Times.Once);
        _store.Verify(s => s.CommitAsync(It.Is<SubscriptionCommit>(c => c.ETag == "sub-etag-2"), It.IsAny<CancellationToken>()), Times.Once);
        _signals.Verify(s => s.SignalAsync(sent, It.IsAny<LifecycleSignal?>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task SendActivationAsync_stale_IfMatch_fails_the_precondition_and_commits_nothing()
    {
        // Arrange
        var (customer, _) = WithSubscription(c => TestData.Subscription(c), etag: "sub-etag-2");

        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.PreconditionFailed,
            () => _service.SendActivationAsync(_partner, customer.CustomerId, "rapidstart", null, "sub-etag-1", _signals.Object, CancellationToken.None));

        // Assert
        _store.Verify(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    // ---- revoke ----

    [Theory]
    [InlineData(SubscriptionStatus.Created)]
    [InlineData(SubscriptionStatus.Active)]
    public async Task RevokeActivationAsync_without_a_pending_invitation_is_a_conflict(SubscriptionStatus status)
    {
        // Arrange
        var (customer, _) = WithSubscription(c => TestData.Subscription(c) with { Status = status });

        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.Conflict,
            () => _service.RevokeActivationAsync(_partner, customer.CustomerId, "rapidstart", null, _signals.Object, CancellationToken.None));

        // Assert
        _store.Verify(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task RevokeActivationAsync_pending_invitation_returns_to_created_revokes_the_token_and_signals()
    {
        // Arrange
        var (customer, key) = WithSubscription(c => TestData.Invited(c).WithIssuedToken("hash-1"));
        var live = new ActivationTokenRecord("hash-1", 1, TestData.AdministratorAccount, TestData.Start, TestData.Start.AddDays(30), TokenState.Live);
        _store.Setup(s => s.GetTokenAsync(key, "hash-1", It.IsAny<CancellationToken>())).ReturnsAsync(live);
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>())).ReturnsAsync("sub-etag-2");

        // Act
        await _service.RevokeActivationAsync(_partner, customer.CustomerId, "rapidstart", null, _signals.Object, CancellationToken.None);

        // Assert
        _store.Verify(s => s.CommitAsync(
            It.Is<SubscriptionCommit>(c => c.Subscription.Status == SubscriptionStatus.Created && c.Tokens!.Single().State == TokenState.Revoked),
            It.IsAny<CancellationToken>()), Times.Once);
        _signals.Verify(s => s.SignalAsync(It.IsAny<Subscription>(), new LifecycleSignal(LifecycleSignalKind.InvitationRevoked, null), It.IsAny<CancellationToken>()), Times.Once);
    }

    // ---- reactivate ----

    [Theory]
    [InlineData(SubscriptionStatus.Created)]
    [InlineData(SubscriptionStatus.InvitationSent)]
    [InlineData(SubscriptionStatus.Active)]
    public async Task ReactivateAsync_not_inactive_is_a_conflict(SubscriptionStatus status)
    {
        // Arrange
        var (customer, _) = WithSubscription(c => TestData.Subscription(c) with { Status = status });

        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.Conflict,
            () => _service.ReactivateAsync(TestData.Support(), customer.CustomerId, "rapidstart", TestData.VoiceNumber, _signals.Object, CancellationToken.None));

        // Assert
        _store.Verify(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()), Times.Never);
        _customers.Verify(c => c.ReplaceAsync(It.IsAny<Customer>(), It.IsAny<string>(), It.IsAny<PendingFollowUps?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ReactivateAsync_purged_is_gone()
    {
        // Arrange
        var (customer, _) = WithSubscription(c => TestData.Subscription(c) with { Status = SubscriptionStatus.Purged });

        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.Gone,
            () => _service.ReactivateAsync(TestData.Support(), customer.CustomerId, "rapidstart", TestData.VoiceNumber, _signals.Object, CancellationToken.None));

        // Assert
        _store.Verify(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ReactivateAsync_inactive_returns_to_the_earlier_status_permanently_and_signals()
    {
        // Arrange
        var inactivatedAt = TestData.Start + TestData.Trial;
        var (customer, _) = WithSubscription(c => TestData.Invited(c).Inactivate(inactivatedAt, TestData.Retention, "system").Item1);
        _clock.SetUtcNow(inactivatedAt.AddDays(2));
        _voice.Setup(v => v.FindAsync(TestData.PartnerId, TestData.VoiceNumber, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new VoiceAccount(TestData.VoiceNumber, TestData.PartnerId, "Contoso", TestData.Address()));
        _customers.Setup(c => c.TryClaimVoiceNumberAsync("eu-west", TestData.VoiceNumber, customer.CustomerId, null, It.IsAny<CancellationToken>())).ReturnsAsync(true);
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>())).ReturnsAsync("sub-etag-2");

        // Act
        var reactivated = await _service.ReactivateAsync(TestData.Support(), customer.CustomerId, "rapidstart", TestData.VoiceNumber, _signals.Object, CancellationToken.None);

        // Assert
        Assert.Equal(SubscriptionStatus.InvitationSent, reactivated.Status);
        Assert.True(reactivated.IsPermanent);
        Assert.Null(reactivated.RetentionEndsAt);
        _customers.Verify(c => c.ReplaceAsync(It.Is<Customer>(x => x.VoiceAccountNumber == TestData.VoiceNumber), "customer-etag-1", It.IsAny<PendingFollowUps?>(), It.IsAny<CancellationToken>()), Times.Once);
        _store.Verify(s => s.CommitAsync(It.Is<SubscriptionCommit>(c => c.ETag == "sub-etag-1" && c.Audit!.Actor == "support:sam@support.example"), It.IsAny<CancellationToken>()), Times.Once);
        _signals.Verify(s => s.SignalAsync(reactivated, new LifecycleSignal(LifecycleSignalKind.Reactivated, null), It.IsAny<CancellationToken>()), Times.Once);
    }

    // ---- country of use ----

    [Theory]
    [InlineData(null)]
    [InlineData("sub-etag-1")]
    public async Task RefuseCountryChangeAsync_always_answers_conflict(string? expectedETag)
    {
        // Arrange
        var (customer, _) = WithSubscription(c => TestData.Subscription(c));

        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Conflict,
            () => _service.RefuseCountryChangeAsync(_partner, customer.CustomerId, "rapidstart", expectedETag, CancellationToken.None));

        // Assert
        Assert.Contains("DE", problem.Message);
        _store.Verify(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()), Times.Never);
    }
}
