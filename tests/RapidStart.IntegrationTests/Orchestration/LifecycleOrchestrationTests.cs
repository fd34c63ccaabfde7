using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using RapidStart.Domain.Activation;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;
using RapidStart.Functions.Lifecycle;
using RapidStart.IntegrationTests.Infrastructure;
using Xunit.Abstractions;
using static RapidStart.IntegrationTests.Orchestration.OrchestrationHarness;

namespace RapidStart.IntegrationTests.Orchestration;

/// <summary>
/// Whole subscription lives, driven by the real orchestrator and activities on the Durable Task
/// engine, with durations of seconds: what the table record, the audit trail and the mailbox show.
/// </summary>
[Collection(OrchestrationCollections.Engine)]
public sealed class LifecycleOrchestrationTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>
    /// Trial 10 s with reminders 8 s and 5 s before its end, so a whole trial takes seconds. The last
    /// reminder keeps 5 s from the deadline: on a busy 2-core CI machine the engine has been seen to
    /// run an activity 4 s after its timer, and a reminder that late is dropped, not sent.
    /// </summary>
    private static Dictionary<string, string?> ShortTrial(string retention = "00:00:04") => new()
    {
        ["RapidStart:Lifecycle:TrialPeriod"] = "00:00:10",
        ["RapidStart:Lifecycle:RetentionPeriod"] = retention,
        ["RapidStart:Lifecycle:ReminderOffsets:0"] = "00:00:08",
        ["RapidStart:Lifecycle:ReminderOffsets:1"] = "00:00:05",
    };

    [Fact]
    public async Task A_prospect_never_sent_an_invitation_gets_two_reminders_then_goes_inactive_then_is_purged_keeping_its_history()
    {
        await using var h = await StartAsync(azurite, output, ShortTrial());
        var customer = await h.CreateProspectAsync();
        var signedUp = await h.SignUpAsync(customer);
        Assert.Equal(SubscriptionStatus.Created, signedUp.Status);
        var deadline = signedUp.TrialEndsAt!.Value;

        var finished = await h.WaitForCompletionAsync(ActivationLifecycle.InstanceIdFor(signedUp.Key), TimeSpan.FromSeconds(40));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, finished.RuntimeStatus);

        var tombstone = await h.SubscriptionAsync(customer);
        Assert.Equal(SubscriptionStatus.Purged, tombstone.Status);
        Assert.Null(tombstone.Invitation);
        Assert.Null(tombstone.LiveTokenHash);
        Assert.True(tombstone.InactivatedAt >= deadline, $"inactivated at {tombstone.InactivatedAt:O}, before the deadline {deadline:O}");
        Assert.True(DateTimeOffset.UtcNow >= tombstone.RetentionEndsAt, "purged before the end of retention");

        var read = await Assert.ThrowsAsync<ProblemException>(() => h.Customers.GetAsync(Partner, customer.CustomerId, None));
        Assert.Equal(ProblemKind.Gone, read.Kind);
        var customerTombstone = (await h.Customers.FindVisibleAsync(Partner, customer.CustomerId, None)).Value;
        Assert.True(customerTombstone.Purged);
        Assert.Null(customerTombstone.Administrator);
        Assert.Null(customerTombstone.Organization);

        var history = await h.HistoryAsync(customer);
        Assert.Equal(
            [(null, SubscriptionStatus.Created), (SubscriptionStatus.Created, SubscriptionStatus.Inactive), (SubscriptionStatus.Inactive, SubscriptionStatus.Purged)],
            history.Select(e => ((SubscriptionStatus?, SubscriptionStatus))(e.From, e.To)).ToArray());
        Assert.All(history.Skip(1), e => Assert.Equal(LifecycleTransitions.OrchestrationActor, e.Actor));

        var mail = h.Emails();
        var contact = customer.Administrator!.ContactEmail;
        Assert.All(mail, m => Assert.Equal(contact, m.To));
        var reminders = mail.Where(m => m.Kind == NotificationKinds.TrialReminder).ToList();
        Assert.Equal(2, reminders.Count);
        Assert.All(reminders, r => Assert.True(r.WrittenAt < deadline.UtcDateTime, $"reminder written at {r.WrittenAt:O}, after the deadline {deadline:O}"));
        Assert.Single(mail, m => m.Kind == NotificationKinds.Inactivated);
        Assert.Single(mail, m => m.Kind == NotificationKinds.Purged);
        Assert.Empty(h.Invitations());
        Assert.Equal(4, mail.Count);
    }

    [Fact]
    public async Task An_instance_started_after_its_invitation_signal_was_dropped_mails_the_invitation_from_the_record()
    {
        // The engine discards an event dequeued before its pending instance's start message. Here the
        // signals go nowhere (the dropped event), then the start message arrives without a pending signal.
        await using var h = await StartAsync(azurite, output);
        var customer = await h.CreateProspectAsync();
        var signedUp = await h.SignUpAsync(customer, NoLifecycleSignals.Instance);
        var requested = await h.Subscriptions.SendActivationAsync(Partner, customer.CustomerId, ServiceId, null, null, NoLifecycleSignals.Instance, None);
        Assert.Null(requested.Invitation!.SentAt);
        var instanceId = ActivationLifecycle.InstanceIdFor(signedUp.Key);

        await h.Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(ActivationLifecycleOrchestrator),
            new LifecycleInput(signedUp.Key, ActivationLifecycle.CurrentVersion, signedUp.Status, signedUp.TrialEndsAt, null, h.Lifecycle.EffectiveReminderOffsets, PendingSignal: null),
            new StartOrchestrationOptions(instanceId));

        var invitation = (await h.WaitForInvitationsAsync(1)).Single();
        Assert.Equal(customer.Administrator!.ContactEmail, invitation.To);
        var sent = await Eventually.UntilAsync(() => h.SubscriptionAsync(customer), s => s.Invitation?.SentAt is not null, TimeSpan.FromSeconds(10), "the invitation to be marked sent");
        Assert.Equal(requested.Invitation.Sequence, sent.Invitation!.Sequence);
        Assert.Single(await h.LiveTokensAsync(signedUp.Key));
        var accepted = await h.Activation.AcceptAsync(AdministratorCaller(customer), TokenOf(invitation), true, true, h.Signals, None);
        Assert.Equal(SubscriptionStatus.Active, accepted.Status);
    }

    [Fact]
    public async Task An_accepted_subscription_goes_inactive_at_its_deadline_and_Support_brings_it_back_for_good_during_retention()
    {
        // A long retention: Support acts "in time" without racing a 4-second window.
        await using var h = await StartAsync(azurite, output, ShortTrial(retention: "00:00:30"));
        var customer = await h.CreateProspectAsync();
        var signedUp = await h.SignUpAsync(customer);
        var instanceId = ActivationLifecycle.InstanceIdFor(signedUp.Key);

        await h.SendActivationAsync(customer);
        var invitation = (await h.WaitForInvitationsAsync(1)).Single();
        Assert.Equal(customer.Administrator!.ContactEmail, invitation.To);
        var accepted = await h.Activation.AcceptAsync(AdministratorCaller(customer), TokenOf(invitation), true, true, h.Signals, None);
        Assert.Equal(SubscriptionStatus.Active, accepted.Status);
        Assert.False(accepted.IsPermanent);

        var inactive = await Eventually.UntilAsync(() => h.SubscriptionAsync(customer), s => s.Status == SubscriptionStatus.Inactive, TimeSpan.FromSeconds(25), "the deadline to inactivate the subscription");
        Assert.Equal(SubscriptionStatus.Active, inactive.StatusBeforeInactivation);
        Assert.True(inactive.InactivatedAt >= signedUp.TrialEndsAt);
        Assert.Single(h.Emails(), m => m.Kind == NotificationKinds.Inactivated);
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await h.Client.GetInstanceAsync(instanceId))!.RuntimeStatus);

        var number = await h.SeedVoiceAccountAsync();
        Assert.True(DateTimeOffset.UtcNow < inactive.RetentionEndsAt, "the retention ended before Support could act");
        var reactivated = await h.Subscriptions.ReactivateAsync(Support, customer.CustomerId, ServiceId, number, h.Signals, None);
        Assert.Equal(SubscriptionStatus.Active, reactivated.Status);

        var finished = await h.WaitForCompletionAsync(instanceId, TimeSpan.FromSeconds(15));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, finished.RuntimeStatus);

        var final = await h.SubscriptionAsync(customer);
        Assert.Equal(SubscriptionStatus.Active, final.Status);
        Assert.True(final.IsPermanent);
        Assert.Null(final.RetentionEndsAt);
        Assert.Null(final.InactivatedAt);
        Assert.NotNull(final.Acceptance);
        var owner = (await h.Customers.GetAsync(Partner, customer.CustomerId, None)).Value;
        Assert.Equal(CustomerKinds.Existing, owner.Kind);
        Assert.Equal(number, owner.VoiceAccountNumber);

        var last = (await h.HistoryAsync(customer))[^1];
        Assert.Equal((SubscriptionStatus.Inactive, SubscriptionStatus.Active), (last.From!.Value, last.To));
        Assert.Equal($"support:{Support.Name}", last.Actor);
        Assert.DoesNotContain(h.Emails(), m => m.Kind == NotificationKinds.Purged);
    }

    [Fact]
    public async Task A_VOICE_number_added_before_the_deadline_keeps_the_subscription_and_ends_the_orchestration()
    {
        await using var h = await StartAsync(azurite, output, ShortTrial());
        var customer = await h.CreateProspectAsync();
        var signedUp = await h.SignUpAsync(customer);
        var instanceId = ActivationLifecycle.InstanceIdFor(signedUp.Key);
        await h.SendActivationAsync(customer);
        var invitation = (await h.WaitForInvitationsAsync(1)).Single();
        await h.Activation.AcceptAsync(AdministratorCaller(customer), TokenOf(invitation), true, true, h.Signals, None);

        var number = await h.SeedVoiceAccountAsync();
        var existing = await h.Subscriptions.AssignVoiceAccountAsync(Partner, customer.CustomerId, number, null, h.Signals, None);
        Assert.True(DateTimeOffset.UtcNow < signedUp.TrialEndsAt, "the test was too slow: the number arrived after the deadline");
        Assert.Equal(CustomerKinds.Existing, existing.Kind);

        var finished = await h.WaitForCompletionAsync(instanceId, TimeSpan.FromSeconds(15));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, finished.RuntimeStatus);

        await Eventually.PastAsync(signedUp.TrialEndsAt!.Value, TimeSpan.FromSeconds(1.5));
        var after = await h.SubscriptionAsync(customer);
        Assert.Equal(SubscriptionStatus.Active, after.Status);
        Assert.True(after.IsPermanent);
        Assert.Null(after.InactivatedAt);
        Assert.DoesNotContain(h.Emails(), m => m.Kind == NotificationKinds.Inactivated);
        Assert.Contains(await h.HistoryAsync(customer), e => e.Reason.StartsWith("VOICE account number added", StringComparison.Ordinal) && e.Actor.StartsWith("partner:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_resend_kills_the_first_link_and_the_second_one_works_with_exactly_one_live_token()
    {
        await using var h = await StartAsync(azurite, output);
        var customer = await h.CreateProspectAsync();
        var signedUp = await h.SignUpAsync(customer);

        await h.SendActivationAsync(customer);
        var first = (await h.WaitForInvitationsAsync(1)).Single();
        await h.SendActivationAsync(customer);
        var second = (await h.WaitForInvitationsAsync(2)).Single(m => m.Path != first.Path);
        var (oldToken, newToken) = (TokenOf(first), TokenOf(second));
        Assert.NotEqual(oldToken, newToken);

        var stale = await Assert.ThrowsAsync<ProblemException>(() => h.Activation.ViewAsync(oldToken, None));
        Assert.Equal(ProblemKind.Gone, stale.Kind);
        var view = await h.Activation.ViewAsync(newToken, None);
        Assert.Equal(customer.Administrator!.MicrosoftAccountId, view.MicrosoftAccountId);

        var live = Assert.Single(await h.LiveTokensAsync(signedUp.Key));
        Assert.Equal(ActivationToken.Hash(newToken), live.GetString("Hash"));
        Assert.Equal(2, live.GetInt32("Sequence"));
        var superseded = Assert.Single(await h.TokensAsync(signedUp.Key), t => t.GetString("Hash") == ActivationToken.Hash(oldToken));
        Assert.Equal(nameof(TokenState.Superseded), superseded.GetString("State"));
        var pending = await h.SubscriptionAsync(customer);
        Assert.Equal(SubscriptionStatus.InvitationSent, pending.Status);
        Assert.Equal(2, pending.Invitation!.Sequence);

        var admin = AdministratorCaller(customer);
        var refused = await Assert.ThrowsAsync<ProblemException>(() => h.Activation.AcceptAsync(admin, oldToken, true, true, h.Signals, None));
        Assert.Equal(ProblemKind.Gone, refused.Kind);
        Assert.Equal(SubscriptionStatus.InvitationSent, (await h.SubscriptionAsync(customer)).Status);
        var accepted = await h.Activation.AcceptAsync(admin, newToken, true, true, h.Signals, None);
        Assert.Equal(SubscriptionStatus.Active, accepted.Status);
        Assert.Empty(await h.LiveTokensAsync(signedUp.Key));
    }

    [Fact]
    public async Task Revoking_the_invitation_kills_its_link_and_puts_the_subscription_back_to_Created()
    {
        await using var h = await StartAsync(azurite, output);
        var customer = await h.CreateProspectAsync();
        var signedUp = await h.SignUpAsync(customer);
        var instanceId = ActivationLifecycle.InstanceIdFor(signedUp.Key);
        await h.SendActivationAsync(customer);
        var token = TokenOf((await h.WaitForInvitationsAsync(1)).Single());

        await h.Subscriptions.RevokeActivationAsync(Partner, customer.CustomerId, ServiceId, null, h.Signals, None);

        var view = await Assert.ThrowsAsync<ProblemException>(() => h.Activation.ViewAsync(token, None));
        Assert.Equal(ProblemKind.Gone, view.Kind);
        var accept = await Assert.ThrowsAsync<ProblemException>(() => h.Activation.AcceptAsync(AdministratorCaller(customer), token, true, true, h.Signals, None));
        Assert.Equal(ProblemKind.Gone, accept.Kind);

        // Give the orchestration time to take the signal: it must not undo the revocation.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var revoked = await h.SubscriptionAsync(customer);
        Assert.Equal(SubscriptionStatus.Created, revoked.Status);
        Assert.Null(revoked.LiveTokenHash);
        Assert.Empty(await h.LiveTokensAsync(signedUp.Key));
        Assert.Equal(nameof(TokenState.Revoked), Assert.Single(await h.TokensAsync(signedUp.Key)).GetString("State"));
        Assert.Single(h.Invitations());
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await h.Client.GetInstanceAsync(instanceId))!.RuntimeStatus);
        var last = (await h.HistoryAsync(customer))[^1];
        Assert.Equal((SubscriptionStatus.InvitationSent, SubscriptionStatus.Created), (last.From!.Value, last.To));
    }

    [Fact]
    public async Task Twenty_parallel_Send_Activation_calls_start_one_orchestration_accept_at_most_five_and_leave_one_live_token()
    {
        await using var h = await StartAsync(azurite, output);
        var customer = await h.CreateProspectAsync();

        // Signed up without telling the engine: the parallel sends race to start the orchestration.
        var signedUp = await h.SignUpAsync(customer, NoLifecycleSignals.Instance);
        var instanceId = ActivationLifecycle.InstanceIdFor(signedUp.Key);
        Assert.Null(await h.Client.GetInstanceAsync(instanceId));

        using var start = new ManualResetEventSlim();
        var calls = Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            try
            {
                await h.SendActivationAsync(customer);
                return (Exception?)null;
            }
            catch (Exception e)
            {
                return e;
            }
        })).ToArray();
        start.Set();
        var outcomes = await Task.WhenAll(calls);

        var accepted = outcomes.Count(e => e is null);
        Assert.All(outcomes.OfType<Exception>(), e => Assert.True(e is ProblemException { Kind: ProblemKind.TooManyRequests }, $"expected 429, got {e}"));
        Assert.InRange(accepted, 1, 5);
        output.WriteLine($"{accepted} sends accepted, {20 - accepted} refused with TooManyRequests");

        var instances = new List<OrchestrationMetadata>();
        await foreach (var instance in h.Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = $"lifecycle:{customer.CustomerId}" }))
        {
            instances.Add(instance);
        }

        Assert.Equal(instanceId, Assert.Single(instances).InstanceId);

        // Settled: the latest request's invitation is out, and stale requests (retried after 2 s) add nothing.
        var sent = await Eventually.UntilAsync(() => h.SubscriptionAsync(customer), s => s.Invitation?.SentAt is not null, TimeSpan.FromSeconds(20), "the latest invitation to be sent");
        Assert.Equal(accepted, sent.Invitation!.Sequence);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var live = Assert.Single(await h.LiveTokensAsync(signedUp.Key));
        Assert.Equal(sent.Invitation.Sequence, live.GetInt32("Sequence"));
        Assert.Equal((await h.SubscriptionAsync(customer)).LiveTokenHash, live.GetString("Hash"));
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await h.Client.GetInstanceAsync(instanceId))!.RuntimeStatus);

        // The live link is in exactly one of the invitation emails, and it works.
        var mailed = Assert.Single(h.Invitations(), m => ActivationToken.Hash(TokenOf(m)) == live.GetString("Hash"));
        await h.Activation.ViewAsync(TokenOf(mailed), None);
    }
}
