using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using RapidStart.Domain.Activation;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Portal;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;
using RapidStart.UnitTests.TestSupport;

namespace RapidStart.UnitTests.Activation;

public class ActivationServiceTests
{
    private readonly Mock<ISubscriptionStore> _store = new();
    private readonly Mock<ICustomerStore> _customers = new();
    private readonly Mock<ILifecycleSignals> _signals = new();
    private readonly FakeTimeProvider _clock = TestData.Clock();
    private readonly LifecycleOptions _options = new() { AgreementVersion = "2026-01", PrivacyStatementVersion = "2026-02" };
    private readonly ActivationService _service;

    private readonly Customer _customer;
    private readonly SubscriptionKey _key;
    private readonly string _token;
    private readonly string _hash;

    public ActivationServiceTests()
    {
        _service = new ActivationService(_store.Object, _customers.Object, Options.Create(_options), _clock, TestData.Changes(_store.Object, _customers.Object, _clock));

        _customer = TestData.Customer().WithRapidStart();
        _key = TestData.KeyOf(_customer);
        _token = ActivationToken.Issue(_key);
        _hash = ActivationToken.Hash(_token);
        _customers.Setup(c => c.GetAsync(_customer.CustomerId, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<Customer>(_customer, "customer-etag"));
        StoreSubscription(TestData.Invited(_customer).WithIssuedToken(_hash));
        StoreToken(TokenState.Live);
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>())).ReturnsAsync("sub-etag-2");
    }

    private void StoreSubscription(Subscription subscription) =>
        _store.Setup(s => s.GetAsync(_key, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<Subscription>(subscription, "sub-etag-1"));

    private void StoreToken(TokenState state, DateTimeOffset? expiresAt = null) =>
        _store.Setup(s => s.GetTokenAsync(_key, _hash, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ActivationTokenRecord(_hash, 1, TestData.AdministratorAccount, TestData.Start, expiresAt ?? TestData.Start.AddDays(30), state));

    private Task<Subscription> AcceptAs(string subject, string? token = null, bool agreement = true, bool privacy = true) =>
        _service.AcceptAsync(TestData.User(subject), token ?? _token, agreement, privacy, _signals.Object, CancellationToken.None);

    private void VerifyNothingChanged()
    {
        _store.Verify(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()), Times.Never);
        _store.Verify(s => s.UpsertListingAsync(It.IsAny<Subscription>(), It.IsAny<CancellationToken>()), Times.Never);
        _signals.Verify(s => s.SignalAsync(It.IsAny<Subscription>(), It.IsAny<LifecycleSignal?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task AcceptAsync_well_formed_but_unknown_token_answers_not_found()
    {
        // Arrange
        var unknown = ActivationToken.Issue(_key);

        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.NotFound, () => AcceptAs(TestData.AdministratorAccount, unknown));

        // Assert
        VerifyNothingChanged();
    }

    [Fact]
    public async Task AcceptAsync_token_for_an_unknown_customer_answers_not_found()
    {
        // Arrange
        var stranger = ActivationToken.Issue(new SubscriptionKey("eu-west", TestData.NewCustomerId(), "rapidstart"));

        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.NotFound, () => AcceptAs(TestData.AdministratorAccount, stranger));

        // Assert
        VerifyNothingChanged();
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a.b")]
    [InlineData("a.b.tooshort")]
    [InlineData("a..bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")]
    public async Task AcceptAsync_malformed_token_answers_not_found_without_a_storage_read(string token)
    {
        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.NotFound, () => AcceptAs(TestData.AdministratorAccount, token));

        // Assert
        _customers.Verify(c => c.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        _store.Verify(s => s.GetTokenAsync(It.IsAny<SubscriptionKey>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Theory]
    [InlineData(TokenState.Used)]
    [InlineData(TokenState.Superseded)]
    [InlineData(TokenState.Revoked)]
    public async Task AcceptAsync_dead_token_is_gone_and_says_to_ask_the_partner(TokenState state)
    {
        // Arrange
        StoreToken(state);

        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Gone, () => AcceptAs(TestData.AdministratorAccount));

        // Assert
        Assert.Contains("Ask your partner", problem.Message);
        VerifyNothingChanged();
    }

    [Fact]
    public async Task AcceptAsync_expired_token_is_gone_and_says_to_ask_the_partner()
    {
        // Arrange
        _clock.Advance(TimeSpan.FromDays(30));

        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Gone, () => AcceptAs(TestData.AdministratorAccount));

        // Assert
        Assert.Contains("expired", problem.Message);
        Assert.Contains("Ask your partner", problem.Message);
        VerifyNothingChanged();
    }

    [Fact]
    public async Task AcceptAsync_live_token_no_longer_the_subscriptions_link_is_gone()
    {
        // Arrange
        StoreSubscription(TestData.Invited(_customer).WithIssuedToken("another-hash"));

        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Gone, () => AcceptAs(TestData.AdministratorAccount));

        // Assert
        Assert.Contains("Ask your partner", problem.Message);
        VerifyNothingChanged();
    }

    [Fact]
    public async Task AcceptAsync_purged_subscription_is_gone_and_says_to_ask_the_partner()
    {
        // Arrange
        StoreSubscription(TestData.Invited(_customer).WithIssuedToken(_hash) with { Status = SubscriptionStatus.Purged });

        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Gone, () => AcceptAs(TestData.AdministratorAccount));

        // Assert
        Assert.Contains("Ask your partner", problem.Message);
        VerifyNothingChanged();
    }

    [Fact]
    public async Task AcceptAsync_signed_in_with_another_account_is_forbidden_and_changes_nothing()
    {
        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Forbidden, () => AcceptAs("mallory@contoso.com"));

        // Assert
        Assert.Contains("nothing was changed", problem.Message);
        VerifyNothingChanged();
    }

    [Fact]
    public async Task AcceptAsync_invited_address_not_verified_by_the_token_is_forbidden_and_changes_nothing()
    {
        // Arrange: a work account whose tenant did not verify its email domain (no xms_edov), named like the invited one
        var unverified = TestData.User(TestData.AdministratorAccount) with { VerifiedAddress = null };

        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Forbidden,
            () => _service.AcceptAsync(unverified, _token, true, true, _signals.Object, CancellationToken.None));

        // Assert
        Assert.Contains("verified email address", problem.Message);
        Assert.Contains(TestData.AdministratorAccount, problem.Message);
        VerifyNothingChanged();
    }

    [Fact]
    public async Task AcceptAsync_neither_box_ticked_is_invalid_listing_both_fields()
    {
        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Invalid, () => AcceptAs(TestData.AdministratorAccount, agreement: false, privacy: false));

        // Assert
        Assert.Equal(new[] { "acceptAgreement", "acceptPrivacyStatement" }, problem.Errors!.Keys.Order(StringComparer.Ordinal));
        VerifyNothingChanged();
    }

    [Theory]
    [InlineData(false, true, "acceptAgreement")]
    [InlineData(true, false, "acceptPrivacyStatement")]
    public async Task AcceptAsync_one_box_not_ticked_is_invalid_on_that_field(bool agreement, bool privacy, string field)
    {
        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Invalid, () => AcceptAs(TestData.AdministratorAccount, agreement: agreement, privacy: privacy));

        // Assert
        Assert.Equal(new[] { field }, problem.Errors!.Keys);
        VerifyNothingChanged();
    }

    [Fact]
    public async Task AcceptAsync_invited_account_commits_active_used_token_and_administrator_then_signals_accepted()
    {
        // Arrange
        var order = new List<string>();
        SubscriptionCommit? committed = null;
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()))
            .Callback<SubscriptionCommit, CancellationToken>((c, _) => { committed = c; order.Add("commit"); })
            .ReturnsAsync("sub-etag-2");
        _signals.Setup(s => s.SignalAsync(It.IsAny<Subscription>(), It.IsAny<LifecycleSignal?>(), It.IsAny<CancellationToken>()))
            .Callback(() => order.Add("signal"))
            .Returns(Task.CompletedTask);
        _clock.Advance(TimeSpan.FromDays(2));

        // Act: the sign-in name differs in case only
        var active = await AcceptAs("Dana@Contoso.com");

        // Assert
        Assert.Equal(SubscriptionStatus.Active, active.Status);
        Assert.Equal(TestData.Start.AddDays(2), active.ActivatedAt);
        var identity = TestData.IdentityOf(TestData.AdministratorAccount);
        Assert.Equal(new Acceptance(TestData.Start.AddDays(2), TestData.AdministratorAccount, "2026-01", "2026-02", identity.ToString()), active.Acceptance);
        Assert.NotNull(committed);
        Assert.Equal("sub-etag-1", committed.ETag);
        Assert.Same(active, committed.Subscription);
        Assert.Equal(SubscriptionStatus.Active, committed.Audit!.To);
        var token = Assert.Single(committed.Tokens!);
        Assert.Equal(_hash, token.Hash);
        Assert.Equal(TokenState.Used, token.State);
        var administrator = Assert.Single(committed.UsersToUpsert!);
        Assert.Equal(new PortalUser(TestData.AdministratorAccount, "Dana Admin", PortalRoles.Administrator, TestData.Start.AddDays(2), identity), administrator);
        Assert.Equal(new[] { "commit", "signal" }, order);
        _signals.Verify(s => s.SignalAsync(active, new LifecycleSignal(LifecycleSignalKind.Accepted, null), It.IsAny<CancellationToken>()), Times.Once);
        _store.Verify(s => s.UpsertListingAsync(active, It.IsAny<CancellationToken>()), Times.Once);
    }
}
