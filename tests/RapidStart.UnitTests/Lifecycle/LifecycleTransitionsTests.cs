using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using RapidStart.Domain.Activation;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Subscriptions;
using RapidStart.UnitTests.TestSupport;

namespace RapidStart.UnitTests.Lifecycle;

public class LifecycleTransitionsTests
{
    private readonly Mock<ISubscriptionStore> _store = new();
    private readonly Mock<ICustomerStore> _customers = new();
    private readonly Mock<IEmailSender> _email = new();
    private readonly FakeTimeProvider _clock = TestData.Clock();
    private readonly LifecycleOptions _options = new() { PublicBaseUrl = new Uri("https://rapidstart.example/") };
    private readonly LifecycleTransitions _transitions;
    private readonly List<string> _calls = [];
    private readonly List<SubscriptionCommit> _commits = [];
    private readonly List<EmailMessage> _sent = [];
    private Customer _customer;
    private Versioned<Subscription>? _stored;
    private int _etag = 1;

    public LifecycleTransitionsTests()
    {
        _transitions = new LifecycleTransitions(_store.Object, _customers.Object, _email.Object, Options.Create(_options), _clock, NullLogger<LifecycleTransitions>.Instance, TestData.Changes(_store.Object, _customers.Object, _clock, _email.Object));
        _customer = TestData.Customer().WithRapidStart();
        Key = TestData.KeyOf(_customer);

        // The subscription row behaves like the table: reads see the last commit, and each commit moves the ETag.
        _store.Setup(s => s.GetAsync(It.IsAny<SubscriptionKey>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((SubscriptionKey key, CancellationToken _) => key == Key ? _stored : null);
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((SubscriptionCommit commit, CancellationToken _) =>
            {
                _calls.Add("commit");
                _commits.Add(commit);
                _stored = new Versioned<Subscription>(commit.Subscription, $"sub-etag-{++_etag}");
                return _stored.ETag;
            });
        _store.Setup(s => s.PurgeAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((SubscriptionCommit commit, CancellationToken _) =>
            {
                _calls.Add("purge");
                _commits.Add(commit);
                _stored = new Versioned<Subscription>(commit.Subscription, $"sub-etag-{++_etag}");
                return _stored.ETag;
            });
        _store.Setup(s => s.AddDueAsync(It.IsAny<DueItem>(), It.IsAny<CancellationToken>()))
            .Callback(() => _calls.Add("due"))
            .Returns(Task.CompletedTask);
        _email.Setup(e => e.SendAsync(It.IsAny<EmailMessage>(), It.IsAny<CancellationToken>()))
            .Callback<EmailMessage, CancellationToken>((message, _) => { _calls.Add("email"); _sent.Add(message); })
            .Returns(Task.CompletedTask);
        _customers.Setup(c => c.GetAsync(_customer.CustomerId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => new Versioned<Customer>(_customer, "customer-etag-1"));
        _customers.Setup(c => c.ReplaceAsync(It.IsAny<Customer>(), It.IsAny<string>(), It.IsAny<PendingFollowUps?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync("customer-etag-2");
    }

    private SubscriptionKey Key { get; }

    private void Store(Subscription subscription) => _stored = new Versioned<Subscription>(subscription, "sub-etag-1");

    private DateTimeOffset Deadline => TestData.Start + TestData.Trial;

    // ---- deadline ----

    [Fact]
    public async Task ApplyDeadlineAsync_before_the_deadline_changes_nothing()
    {
        // Arrange
        Store(TestData.Invited(_customer));
        _clock.SetUtcNow(Deadline.AddSeconds(-1));

        // Act
        var state = await _transitions.ApplyDeadlineAsync(Key, LifecycleTransitions.OrchestrationActor, CancellationToken.None);

        // Assert
        Assert.Equal(SubscriptionStatus.InvitationSent, state.Status);
        Assert.Equal(Deadline, state.TrialEndsAt);
        Assert.Empty(_commits);
        Assert.Empty(_sent);
        _store.Verify(s => s.AddDueAsync(It.IsAny<DueItem>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ApplyDeadlineAsync_after_the_deadline_inactivates_indexes_the_retention_end_first_and_emails_the_contact()
    {
        // Arrange
        Store(TestData.Subscription(_customer));
        var now = Deadline.AddMinutes(5);
        _clock.SetUtcNow(now);

        // Act
        var state = await _transitions.ApplyDeadlineAsync(Key, LifecycleTransitions.OrchestrationActor, CancellationToken.None);

        // Assert
        Assert.Equal(new LifecycleState(SubscriptionStatus.Inactive, Deadline, now + TestData.Retention), state);
        Assert.Equal(new[] { "due", "commit", "email" }, _calls);
        _store.Verify(s => s.AddDueAsync(new DueItem(Key, now + TestData.Retention), It.IsAny<CancellationToken>()), Times.Once);
        var commit = Assert.Single(_commits);
        Assert.Equal("sub-etag-1", commit.ETag);
        Assert.Equal(SubscriptionStatus.Inactive, commit.Subscription.Status);
        Assert.Equal(SubscriptionStatus.Created, commit.Subscription.StatusBeforeInactivation);
        Assert.Equal(LifecycleTransitions.OrchestrationActor, commit.Audit!.Actor);
        var email = Assert.Single(_sent);
        Assert.Equal(TestData.AdministratorEmail, email.To);
        Assert.Equal(NotificationKinds.Inactivated, email.Kind);
        _store.Verify(s => s.UpsertListingAsync(It.Is<Subscription>(x => x.Status == SubscriptionStatus.Inactive), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ApplyDeadlineAsync_after_the_deadline_emails_the_invitations_contact_and_revokes_the_live_link()
    {
        // Arrange
        Store(TestData.Invited(_customer, contactEmail: "admin-desk@contoso.com").WithIssuedToken("hash-1"));
        var live = new ActivationTokenRecord("hash-1", 1, TestData.AdministratorAccount, TestData.Start, TestData.Start.AddDays(30), TokenState.Live);
        _store.Setup(s => s.GetTokenAsync(Key, "hash-1", It.IsAny<CancellationToken>())).ReturnsAsync(live);
        _clock.SetUtcNow(Deadline);

        // Act
        await _transitions.ApplyDeadlineAsync(Key, LifecycleTransitions.SweepActor, CancellationToken.None);

        // Assert
        Assert.Equal("admin-desk@contoso.com", Assert.Single(_sent).To);
        Assert.Equal(TokenState.Revoked, Assert.Single(Assert.Single(_commits).Tokens!).State);
    }

    [Fact]
    public async Task ApplyDeadlineAsync_makes_it_permanent_without_email_when_the_customer_already_has_a_VOICE_number()
    {
        // Arrange
        _customer = _customer.WithVoiceAccount(TestData.VoiceNumber);
        Store(TestData.Invited(_customer));
        _clock.SetUtcNow(Deadline.AddHours(1));

        // Act
        var state = await _transitions.ApplyDeadlineAsync(Key, LifecycleTransitions.OrchestrationActor, CancellationToken.None);

        // Assert
        Assert.Equal(new LifecycleState(SubscriptionStatus.InvitationSent, null, null), state);
        Assert.Null(Assert.Single(_commits).Subscription.TrialEndsAt);
        Assert.Empty(_sent);
        _store.Verify(s => s.AddDueAsync(It.IsAny<DueItem>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    // ---- retention ----

    private Subscription InactiveUntil(DateTimeOffset retentionEnd) =>
        TestData.Invited(_customer).Inactivate(retentionEnd - TestData.Retention, TestData.Retention, "system").Item1;

    [Fact]
    public async Task ApplyRetentionEndAsync_before_the_end_changes_nothing()
    {
        // Arrange
        var end = Deadline + TestData.Retention;
        Store(InactiveUntil(end));
        _clock.SetUtcNow(end.AddSeconds(-1));

        // Act
        var state = await _transitions.ApplyRetentionEndAsync(Key, LifecycleTransitions.OrchestrationActor, CancellationToken.None);

        // Assert
        Assert.Equal(SubscriptionStatus.Inactive, state.Status);
        Assert.Empty(_calls);
    }

    [Fact]
    public async Task ApplyRetentionEndAsync_after_the_end_emails_then_purges_and_tombstones_the_customer()
    {
        // Arrange
        var end = Deadline + TestData.Retention;
        Store(InactiveUntil(end));
        _clock.SetUtcNow(end.AddMinutes(1));

        // Act
        var state = await _transitions.ApplyRetentionEndAsync(Key, LifecycleTransitions.SweepActor, CancellationToken.None);

        // Assert
        Assert.Equal(SubscriptionStatus.Purged, state.Status);
        Assert.Equal(new[] { "email", "purge" }, _calls);
        var email = Assert.Single(_sent);
        Assert.Equal(TestData.AdministratorEmail, email.To);
        Assert.Equal(NotificationKinds.Purged, email.Kind);
        var tombstone = Assert.Single(_commits);
        Assert.Equal("sub-etag-1", tombstone.ETag);
        Assert.Equal(SubscriptionStatus.Purged, tombstone.Subscription.Status);
        Assert.Null(tombstone.Subscription.Invitation);
        Assert.Equal(LifecycleTransitions.SweepActor, tombstone.Audit!.Actor);
        _customers.Verify(c => c.ReplaceAsync(
            It.Is<Customer>(x => x.Purged && x.Organization == null && x.Administrator == null && x.CustomerId == _customer.CustomerId),
            "customer-etag-1", It.IsAny<PendingFollowUps?>(), It.IsAny<CancellationToken>()), Times.Once);
        _customers.Verify(c => c.UpsertListingAsync(It.Is<Customer>(x => x.Purged), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ApplyRetentionEndAsync_keeps_the_customer_while_another_service_still_lives()
    {
        // Arrange
        var end = Deadline + TestData.Retention;
        _customer = _customer.WithSubscription("other", "eu-west");
        Store(InactiveUntil(end));
        var otherKey = new SubscriptionKey("eu-west", _customer.CustomerId, "other");
        var otherLive = TestData.Subscription(_customer, trial: false) with { ServiceId = "other" };
        _store.Setup(s => s.GetAsync(otherKey, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<Subscription>(otherLive, "other-etag"));
        _clock.SetUtcNow(end);

        // Act
        var state = await _transitions.ApplyRetentionEndAsync(Key, LifecycleTransitions.SweepActor, CancellationToken.None);

        // Assert
        Assert.Equal(SubscriptionStatus.Purged, state.Status);
        _customers.Verify(c => c.ReplaceAsync(It.IsAny<Customer>(), It.IsAny<string>(), It.IsAny<PendingFollowUps?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    // ---- invitation ----

    [Fact]
    public async Task SendInvitationAsync_stale_sequence_does_nothing()
    {
        // Arrange
        Store(TestData.Invited(_customer, sequence: 2));

        // Act
        var state = await _transitions.SendInvitationAsync(Key, 1, CancellationToken.None);

        // Assert
        Assert.Equal(SubscriptionStatus.InvitationSent, state.Status);
        Assert.Empty(_commits);
        Assert.Empty(_sent);
    }

    [Fact]
    public async Task SendInvitationAsync_already_sent_does_nothing()
    {
        // Arrange
        Store(TestData.Invited(_customer).WithIssuedToken("hash-1").WithInvitationSent(TestData.Start));

        // Act
        await _transitions.SendInvitationAsync(Key, 1, CancellationToken.None);

        // Assert
        Assert.Empty(_commits);
        Assert.Empty(_sent);
    }

    [Fact]
    public async Task SendInvitationAsync_sequence_already_given_up_on_does_nothing()
    {
        // Arrange: the retries for sequence 1 ran out and the failure is recorded; the same request arrives again.
        Store(TestData.Invited(_customer).WithInvitationError("SMTP 550 mailbox unavailable"));

        // Act
        await _transitions.SendInvitationAsync(Key, 1, CancellationToken.None);

        // Assert
        Assert.Empty(_commits);
        Assert.Empty(_sent);
    }

    [Fact]
    public async Task SendInvitationAsync_current_sequence_commits_a_live_token_whose_hash_matches_the_emailed_link()
    {
        // Arrange
        Store(TestData.Invited(_customer, sequence: 2, contactEmail: "admin-desk@contoso.com"));
        _clock.Advance(TimeSpan.FromMinutes(3));
        var now = _clock.GetUtcNow();

        // Act
        var state = await _transitions.SendInvitationAsync(Key, 2, CancellationToken.None);

        // Assert
        var email = Assert.Single(_sent);
        Assert.Equal("admin-desk@contoso.com", email.To);
        Assert.NotNull(email.ActionLink);
        Assert.StartsWith("https://rapidstart.example/api/activate?token=", email.ActionLink.AbsoluteUri);
        var token = Uri.UnescapeDataString(email.ActionLink.Query["?token=".Length..]);
        Assert.Contains(token, email.ActionLink.OriginalString);
        Assert.Contains(email.ActionLink.ToString(), email.PlainText);
        Assert.Equal((_customer.CustomerId, "rapidstart"), ActivationToken.Parse(token));

        Assert.Equal(new[] { "commit", "email", "commit" }, _calls);
        var issued = _commits[0];
        Assert.Equal("sub-etag-1", issued.ETag);
        var record = Assert.Single(issued.Tokens!);
        Assert.Equal(ActivationToken.Hash(token), record.Hash);
        Assert.Equal(TokenState.Live, record.State);
        Assert.Equal(2, record.Sequence);
        Assert.Equal(TestData.AdministratorAccount, record.MicrosoftAccountId);
        Assert.Equal(now + _options.InvitationLifetime, record.ExpiresAt);
        Assert.Equal(record.Hash, issued.Subscription.LiveTokenHash);

        Assert.Equal("sub-etag-2", _commits[1].ETag);
        Assert.Equal(now, _commits[1].Subscription.Invitation!.SentAt);
        Assert.Equal(SubscriptionStatus.InvitationSent, state.Status);
    }

    [Fact]
    public async Task SendInvitationAsync_retry_after_the_email_failed_supersedes_the_link_the_failed_attempt_issued()
    {
        // Arrange: an earlier attempt for sequence 1 committed its token, then the email failed
        Store(TestData.Invited(_customer).WithIssuedToken("hash-1"));
        var old = new ActivationTokenRecord("hash-1", 1, TestData.AdministratorAccount, TestData.Start, TestData.Start.AddDays(30), TokenState.Live);
        _store.Setup(s => s.GetTokenAsync(Key, "hash-1", It.IsAny<CancellationToken>())).ReturnsAsync(old);

        // Act
        await _transitions.SendInvitationAsync(Key, 1, CancellationToken.None);

        // Assert
        var tokens = _commits[0].Tokens!;
        Assert.Equal(2, tokens.Count);
        Assert.Contains(old with { State = TokenState.Superseded }, tokens);
        var live = Assert.Single(tokens, t => t.State == TokenState.Live);
        Assert.NotEqual("hash-1", live.Hash);
        Assert.Equal(live.Hash, _commits[0].Subscription.LiveTokenHash);
    }

    [Fact]
    public async Task RecordInvitationFailureAsync_current_sequence_stores_the_error()
    {
        // Arrange
        Store(TestData.Invited(_customer, sequence: 3));

        // Act
        await _transitions.RecordInvitationFailureAsync(Key, 3, "SMTP 550 mailbox unavailable", CancellationToken.None);

        // Assert
        Assert.Equal("SMTP 550 mailbox unavailable", Assert.Single(_commits).Subscription.Invitation!.LastError);
    }

    [Fact]
    public async Task SendTrialReminderAsync_permanent_subscription_sends_nothing()
    {
        // Arrange
        Store(TestData.Subscription(_customer, trial: false));

        // Act
        await _transitions.SendTrialReminderAsync(Key, TimeSpan.FromDays(14), CancellationToken.None);

        // Assert
        Assert.Empty(_sent);
    }

    [Fact]
    public async Task SendTrialReminderAsync_on_trial_emails_the_contact()
    {
        // Arrange
        Store(TestData.Subscription(_customer));

        // Act
        await _transitions.SendTrialReminderAsync(Key, TimeSpan.FromDays(14), CancellationToken.None);

        // Assert
        var email = Assert.Single(_sent);
        Assert.Equal(TestData.AdministratorEmail, email.To);
        Assert.Equal(NotificationKinds.TrialReminder, email.Kind);
    }

    [Fact]
    public async Task SendTrialReminderAsync_running_after_the_deadline_sends_nothing()
    {
        // Arrange: the reminder's timer fired on time, but the host only ran the activity after the deadline.
        Store(TestData.Subscription(_customer));
        _clock.SetUtcNow(Deadline);

        // Act
        await _transitions.SendTrialReminderAsync(Key, TimeSpan.FromDays(3), CancellationToken.None);

        // Assert
        Assert.Empty(_sent);
    }

    [Fact]
    public async Task SendTrialReminderAsync_just_before_the_deadline_still_sends()
    {
        // Arrange
        Store(TestData.Subscription(_customer));
        _clock.SetUtcNow(Deadline.AddSeconds(-1));

        // Act
        await _transitions.SendTrialReminderAsync(Key, TimeSpan.FromDays(3), CancellationToken.None);

        // Assert
        Assert.Single(_sent);
    }

    [Fact]
    public async Task ReadAsync_invitation_requested_not_yet_mailed_reports_its_sequence()
    {
        // Arrange
        var requested = TestData.Invited(_customer);
        Store(requested with { Invitation = requested.Invitation! with { SentAt = null, LastError = null } });

        // Act
        var snapshot = await _transitions.ReadAsync(Key, CancellationToken.None);

        // Assert
        Assert.Equal(SubscriptionStatus.InvitationSent, snapshot.Status);
        Assert.Equal(requested.Invitation!.Sequence, snapshot.UnsentInvitationSequence);
        Assert.Equal(requested.TrialEndsAt, snapshot.TrialEndsAt);
    }

    [Theory]
    [InlineData(true, null)]
    [InlineData(false, "SMTP 550 mailbox unavailable")]
    public async Task ReadAsync_invitation_mailed_or_failed_reports_none_unsent(bool mailed, string? error)
    {
        // Arrange
        var requested = TestData.Invited(_customer);
        Store(requested with { Invitation = requested.Invitation! with { SentAt = mailed ? TestData.Start : null, LastError = error } });

        // Act
        var snapshot = await _transitions.ReadAsync(Key, CancellationToken.None);

        // Assert
        Assert.Null(snapshot.UnsentInvitationSequence);
    }
}
