using RapidStart.Domain.Subscriptions;
using RapidStart.UnitTests.TestSupport;

namespace RapidStart.UnitTests.Subscriptions;

public class SubscriptionTests
{
    private static readonly DateTimeOffset Now = TestData.Start;
    private static readonly TimeSpan Window = TimeSpan.FromHours(1);

    private static Subscription SignedUp(TimeSpan? trial = null) =>
        Subscription.SignUp("eu-west-c1", TestData.PartnerId, "rapidstart", "DE", "eu-west", Now, trial ?? TestData.Trial, "partner:P-1001:pat").Subscription;

    private static Subscription InStatus(SubscriptionStatus status)
    {
        var subscription = SignedUp();
        if (status is SubscriptionStatus.InvitationSent or SubscriptionStatus.Active)
        {
            subscription = subscription.RequestInvitation(Now, "dana@contoso.com", "it@contoso.com", "Dana", "partner", Window).Item1;
        }

        if (status == SubscriptionStatus.Active)
        {
            subscription = subscription.Accept(Now, new Acceptance(Now, "dana@contoso.com", "2026-01", "2026-01")).Item1;
        }

        return subscription;
    }

    [Fact]
    public void SignUp_with_trial_is_created_with_deadline_after_the_trial_period()
    {
        // Act
        var (subscription, audit) = Subscription.SignUp("eu-west-c1", TestData.PartnerId, "rapidstart", "DE", "eu-west", Now, TestData.Trial, "partner:P-1001:pat");

        // Assert
        Assert.Equal(SubscriptionStatus.Created, subscription.Status);
        Assert.Equal(Now + TestData.Trial, subscription.TrialEndsAt);
        Assert.False(subscription.IsPermanent);
        Assert.Equal(Now, subscription.CreatedAt);
        Assert.Equal(1, subscription.AuditCount);
        Assert.Null(audit.From);
        Assert.Equal(SubscriptionStatus.Created, audit.To);
        Assert.Equal("partner:P-1001:pat", audit.Actor);
        Assert.Contains("trial ends", audit.Reason);
    }

    [Fact]
    public void SignUp_without_trial_is_permanent_from_the_start()
    {
        // Act
        var (subscription, audit) = Subscription.SignUp("eu-west-c1", TestData.PartnerId, "rapidstart", "DE", "eu-west", Now, trialPeriod: null, "partner:P-1001:pat");

        // Assert
        Assert.Equal(SubscriptionStatus.Created, subscription.Status);
        Assert.Null(subscription.TrialEndsAt);
        Assert.True(subscription.IsPermanent);
        Assert.Contains("permanent", audit.Reason);
    }

    [Fact]
    public void RequestInvitation_from_created_sends_the_first_invitation()
    {
        // Arrange
        var created = SignedUp();

        // Act
        var (sent, audit) = created.RequestInvitation(Now, "dana@contoso.com", "it@contoso.com", "Dana Admin", "partner", Window);

        // Assert
        Assert.Equal(SubscriptionStatus.InvitationSent, sent.Status);
        Assert.NotNull(sent.Invitation);
        Assert.Equal(1, sent.Invitation.Sequence);
        Assert.Equal("dana@contoso.com", sent.Invitation.MicrosoftAccountId);
        Assert.Equal("it@contoso.com", sent.Invitation.ContactEmail);
        Assert.Equal("Dana Admin", sent.Invitation.AdministratorName);
        Assert.Null(sent.Invitation.SentAt);
        Assert.Equal(SubscriptionStatus.Created, audit.From);
        Assert.Equal(SubscriptionStatus.InvitationSent, audit.To);
    }

    [Fact]
    public void RequestInvitation_resend_increments_sequence_and_drops_the_live_token()
    {
        // Arrange
        var first = SignedUp().RequestInvitation(Now, "dana@contoso.com", "it@contoso.com", "Dana", "partner", Window).Item1.WithIssuedToken("hash-1");

        // Act
        var (resent, audit) = first.RequestInvitation(Now.AddMinutes(5), "dana@contoso.com", "it@contoso.com", "Dana", "partner", Window);

        // Assert
        Assert.Equal(2, resent.Invitation!.Sequence);
        Assert.Null(resent.LiveTokenHash);
        Assert.Equal(SubscriptionStatus.InvitationSent, resent.Status);
        Assert.Equal(SubscriptionStatus.InvitationSent, audit.From);
        Assert.Contains("resent", audit.Reason);
    }

    [Fact]
    public void RequestInvitation_keeps_only_the_sends_inside_the_rate_window()
    {
        // Arrange
        var old = Now.AddHours(-2);
        var recent = Now.AddMinutes(-30);
        var subscription = SignedUp() with { RecentSends = [old, recent] };

        // Act
        var (sent, _) = subscription.RequestInvitation(Now, "dana@contoso.com", "it@contoso.com", "Dana", "partner", Window);

        // Assert
        Assert.Equal(new[] { recent, Now }, sent.RecentSends);
    }

    [Fact]
    public void RevokeInvitation_returns_to_created_without_a_live_token()
    {
        // Arrange
        var sent = InStatus(SubscriptionStatus.InvitationSent).WithIssuedToken("hash-1");

        // Act
        var (revoked, audit) = sent.RevokeInvitation(Now, "partner");

        // Assert
        Assert.Equal(SubscriptionStatus.Created, revoked.Status);
        Assert.Null(revoked.LiveTokenHash);
        Assert.Equal(SubscriptionStatus.InvitationSent, audit.From);
        Assert.Equal(SubscriptionStatus.Created, audit.To);
    }

    [Fact]
    public void Accept_makes_the_subscription_active_and_records_the_acceptance()
    {
        // Arrange
        var sent = InStatus(SubscriptionStatus.InvitationSent).WithIssuedToken("hash-1");
        var acceptance = new Acceptance(Now.AddDays(1), "dana@contoso.com", "2026-01", "2026-02");

        // Act
        var (active, audit) = sent.Accept(Now.AddDays(1), acceptance);

        // Assert
        Assert.Equal(SubscriptionStatus.Active, active.Status);
        Assert.Equal(Now.AddDays(1), active.ActivatedAt);
        Assert.Equal(acceptance, active.Acceptance);
        Assert.Null(active.LiveTokenHash);
        Assert.Equal("customer:dana@contoso.com", audit.Actor);
        Assert.Equal(SubscriptionStatus.InvitationSent, audit.From);
        Assert.Equal(SubscriptionStatus.Active, audit.To);
    }

    [Fact]
    public void MakePermanent_clears_the_trial_deadline_and_keeps_the_status()
    {
        // Arrange
        var sent = InStatus(SubscriptionStatus.InvitationSent);

        // Act
        var (permanent, audit) = sent.MakePermanent(Now.AddDays(10), "partner");

        // Assert
        Assert.Null(permanent.TrialEndsAt);
        Assert.True(permanent.IsPermanent);
        Assert.Equal(SubscriptionStatus.InvitationSent, permanent.Status);
        Assert.Equal(SubscriptionStatus.InvitationSent, audit.From);
        Assert.Equal(SubscriptionStatus.InvitationSent, audit.To);
    }

    [Theory]
    [InlineData(SubscriptionStatus.Created)]
    [InlineData(SubscriptionStatus.InvitationSent)]
    [InlineData(SubscriptionStatus.Active)]
    public void Inactivate_remembers_the_earlier_status_and_sets_the_retention_end(SubscriptionStatus before)
    {
        // Arrange
        var subscription = InStatus(before).WithIssuedToken("hash-1");
        var at = Now + TestData.Trial;

        // Act
        var (inactive, audit) = subscription.Inactivate(at, TestData.Retention, "system:orchestration");

        // Assert
        Assert.Equal(SubscriptionStatus.Inactive, inactive.Status);
        Assert.Equal(before, inactive.StatusBeforeInactivation);
        Assert.Equal(at, inactive.InactivatedAt);
        Assert.Equal(at + TestData.Retention, inactive.RetentionEndsAt);
        Assert.Null(inactive.LiveTokenHash);
        Assert.Equal(before, audit.From);
        Assert.Equal(SubscriptionStatus.Inactive, audit.To);
    }

    [Theory]
    [InlineData(SubscriptionStatus.Created)]
    [InlineData(SubscriptionStatus.InvitationSent)]
    [InlineData(SubscriptionStatus.Active)]
    public void Reactivate_returns_to_the_earlier_status_and_is_permanent(SubscriptionStatus before)
    {
        // Arrange
        var at = Now + TestData.Trial;
        var inactive = InStatus(before).Inactivate(at, TestData.Retention, "system").Item1;

        // Act
        var (reactivated, audit) = inactive.Reactivate(at.AddDays(3), "support:sam");

        // Assert
        Assert.Equal(before, reactivated.Status);
        Assert.True(reactivated.IsPermanent);
        Assert.Null(reactivated.StatusBeforeInactivation);
        Assert.Null(reactivated.InactivatedAt);
        Assert.Null(reactivated.RetentionEndsAt);
        Assert.Equal(SubscriptionStatus.Inactive, audit.From);
        Assert.Equal(before, audit.To);
        Assert.Equal("support:sam", audit.Actor);
    }

    [Fact]
    public void Purge_leaves_a_tombstone_without_the_invitation_or_the_accepting_account()
    {
        // Arrange
        var at = Now + TestData.Trial;
        var inactive = InStatus(SubscriptionStatus.Active).Inactivate(at, TestData.Retention, "system").Item1;

        // Act
        var (purged, audit) = inactive.Purge(at + TestData.Retention, "system:sweep");

        // Assert
        Assert.Equal(SubscriptionStatus.Purged, purged.Status);
        Assert.Null(purged.Invitation);
        Assert.NotNull(purged.Acceptance);
        Assert.Equal("", purged.Acceptance.MicrosoftAccountId);
        Assert.Equal("2026-01", purged.Acceptance.AgreementVersion);
        Assert.Null(purged.LiveTokenHash);
        Assert.Empty(purged.RecentSends);
        Assert.Equal(at, purged.InactivatedAt);
        Assert.Equal(SubscriptionStatus.Inactive, audit.From);
        Assert.Equal(SubscriptionStatus.Purged, audit.To);
    }

    [Fact]
    public void Every_transition_counts_one_audit_entry_with_from_to_actor_and_reason()
    {
        // Arrange
        var (subscription, signUp) = Subscription.SignUp("eu-west-c1", TestData.PartnerId, "rapidstart", "DE", "eu-west", Now, TestData.Trial, "partner:a");
        var audits = new List<AuditEntry> { signUp };

        // Act
        (subscription, var audit) = subscription.RequestInvitation(Now.AddMinutes(1), "dana@contoso.com", "it@contoso.com", "Dana", "partner:b", Window);
        audits.Add(audit);
        (subscription, audit) = subscription.RevokeInvitation(Now.AddMinutes(2), "partner:c");
        audits.Add(audit);
        (subscription, audit) = subscription.RequestInvitation(Now.AddMinutes(3), "dana@contoso.com", "it@contoso.com", "Dana", "partner:d", Window);
        audits.Add(audit);
        (subscription, audit) = subscription.Accept(Now.AddMinutes(4), new Acceptance(Now.AddMinutes(4), "dana@contoso.com", "v1", "v1"));
        audits.Add(audit);
        (subscription, audit) = subscription.Inactivate(Now + TestData.Trial, TestData.Retention, "system:e");
        audits.Add(audit);
        (subscription, audit) = subscription.Reactivate(Now + TestData.Trial + TimeSpan.FromDays(1), "support:f");
        audits.Add(audit);

        // Assert
        Assert.Equal(7, subscription.AuditCount);
        Assert.Equal(
            new SubscriptionStatus?[] { null, SubscriptionStatus.Created, SubscriptionStatus.InvitationSent, SubscriptionStatus.Created, SubscriptionStatus.InvitationSent, SubscriptionStatus.Active, SubscriptionStatus.Inactive },
            audits.Select(a => a.From));
        Assert.Equal(
            new[] { SubscriptionStatus.Created, SubscriptionStatus.InvitationSent, SubscriptionStatus.Created, SubscriptionStatus.InvitationSent, SubscriptionStatus.Active, SubscriptionStatus.Inactive, SubscriptionStatus.Active },
            audits.Select(a => a.To));
        Assert.Equal(new[] { "partner:a", "partner:b", "partner:c", "partner:d", "customer:dana@contoso.com", "system:e", "support:f" }, audits.Select(a => a.Actor));
        Assert.All(audits, a => Assert.False(string.IsNullOrWhiteSpace(a.Reason)));
        Assert.Equal(audits.OrderBy(a => a.At).Select(a => a.At), audits.Select(a => a.At));
    }
}
