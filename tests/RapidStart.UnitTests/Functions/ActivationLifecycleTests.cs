using Microsoft.DurableTask;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Subscriptions;
using RapidStart.Functions.Lifecycle;
using RapidStart.UnitTests.TestSupport;

// The activities are defined in the functions assembly; the analyzer looks only at this compilation.
#pragma warning disable DURABLE2003

namespace RapidStart.UnitTests.Functions;

public class ActivationLifecycleTests
{
    private static readonly DateTimeOffset Now = TestData.Start;
    private static readonly DateTimeOffset Deadline = Now + TestData.Trial;
    private static readonly DateTimeOffset RetentionEnd = Deadline + TestData.Retention;
    private static readonly TimeSpan[] Reminders = [TimeSpan.FromDays(14), TimeSpan.FromDays(3)];
    private static readonly SubscriptionKey Key = new("eu-west", "eu-west-c1", "rapidstart");

    private readonly Mock<TaskOrchestrationContext> _context = new();
    private readonly List<string> _activities = [];
    private readonly List<DateTime> _timers = [];
    private readonly TaskCompletionSource<LifecycleSignal> _signal = new();

    public ActivationLifecycleTests()
    {
        _context.Setup(c => c.CreateReplaySafeLogger(It.IsAny<string>())).Returns(NullLogger.Instance);
        _context.Setup(c => c.CurrentUtcDateTime).Returns(Now.UtcDateTime);
        _context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()))
            .Callback<DateTime, CancellationToken>((at, _) => _timers.Add(at))
            .Returns(Task.CompletedTask);
        _context.Setup(c => c.WaitForExternalEvent<LifecycleSignal>(ActivationLifecycle.SignalEvent, It.IsAny<CancellationToken>()))
            .Returns(_signal.Task);
        _context.Setup(c => c.CallActivityAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions>()))
            .Callback<TaskName, object?, TaskOptions?>((name, _, _) => _activities.Add(name.Name))
            .Returns(Task.CompletedTask);
    }

    private void Activity(string name, LifecycleState result) =>
        _context.Setup(c => c.CallActivityAsync<LifecycleState>(name, It.IsAny<object?>(), It.IsAny<TaskOptions>()))
            .Callback<TaskName, object?, TaskOptions?>((n, _, _) => _activities.Add(n.Name))
            .ReturnsAsync(result);

    /// <summary>The record ReadLifecycle answers: unless a test says otherwise, what the input says.</summary>
    private LifecycleSnapshot? _record;
    private int _recordReads;

    private void Record(LifecycleSnapshot record)
    {
        _record = record;
        _context.Setup(c => c.CallActivityAsync<LifecycleSnapshot>(nameof(ActivationLifecycleActivities.ReadLifecycle), It.IsAny<object?>(), It.IsAny<TaskOptions>()))
            .Callback(() => _recordReads++)
            .ReturnsAsync(() => _record!);
    }

    private LifecycleInput Input(SubscriptionStatus status, DateTimeOffset? trialEndsAt, LifecycleSignal? pending = null, DateTimeOffset? retentionEndsAt = null)
    {
        if (_record is null)
        {
            Record(new LifecycleSnapshot(status, trialEndsAt, retentionEndsAt, pending?.InvitationSequence));
        }

        return new(Key, ActivationLifecycle.CurrentVersion, status, trialEndsAt, retentionEndsAt, Reminders, pending);
    }

    [Fact]
    public async Task RunAsync_an_invitation_requested_whose_signal_was_lost_is_mailed_from_the_record()
    {
        // Arrange: started with no pending signal (the engine dropped it), but the record shows invitation 2 requested.
        Record(new LifecycleSnapshot(SubscriptionStatus.InvitationSent, Deadline, null, UnsentInvitationSequence: 2));
        object? sent = null;
        _context.Setup(c => c.CallActivityAsync<LifecycleState>(nameof(ActivationLifecycleActivities.SendInvitation), It.IsAny<object?>(), It.IsAny<TaskOptions>()))
            .Callback<TaskName, object?, TaskOptions?>((n, input, _) => { _activities.Add(n.Name); sent = input; })
            .ReturnsAsync(new LifecycleState(SubscriptionStatus.InvitationSent, Deadline, null));
        _context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>())).Returns(new TaskCompletionSource().Task);
        var input = new LifecycleInput(Key, ActivationLifecycle.CurrentVersion, SubscriptionStatus.Created, Deadline, null, Reminders, PendingSignal: null);

        // Act: the orchestration runs until it waits on its first timer.
        var run = ActivationLifecycle.RunAsync(_context.Object, input);
        await Task.Yield();

        // Assert
        Assert.False(run.IsCompleted);
        Assert.Equal(1, _recordReads);
        Assert.Equal([nameof(ActivationLifecycleActivities.SendInvitation)], _activities);
        Assert.Equal(new SendInvitationInput(Key, 2), sent);
    }

    [Fact]
    public async Task RunAsync_record_already_permanent_and_active_finishes_without_waiting()
    {
        // Arrange: the input is from before acceptance and the VOICE number; the record has both.
        Record(new LifecycleSnapshot(SubscriptionStatus.Active, null, null, null));

        // Act
        var result = await ActivationLifecycle.RunAsync(_context.Object, Input(SubscriptionStatus.InvitationSent, Deadline));

        // Assert
        Assert.Equal(SubscriptionStatus.Active, result.Status);
        Assert.Empty(_timers);
        Assert.Equal(1, _recordReads);
        Assert.Empty(_activities);
    }

    [Fact]
    public async Task RunAsync_version_one_instance_replays_without_reading_the_record()
    {
        // Arrange: an instance started before version 2 has no ReadLifecycle in its history.
        Activity(nameof(ActivationLifecycleActivities.ApplyDeadline), new LifecycleState(SubscriptionStatus.Inactive, Deadline, RetentionEnd));
        Activity(nameof(ActivationLifecycleActivities.ApplyRetentionEnd), new LifecycleState(SubscriptionStatus.Purged, Deadline, RetentionEnd));
        var input = Input(SubscriptionStatus.InvitationSent, Deadline) with { Version = 1 };

        // Act
        await ActivationLifecycle.RunAsync(_context.Object, input);

        // Assert
        Assert.Equal(0, _recordReads);
        Assert.Contains(nameof(ActivationLifecycleActivities.ApplyDeadline), _activities);
    }

    [Fact]
    public async Task RunAsync_after_many_signals_continues_as_new_with_its_state_and_keeps_unprocessed_events()
    {
        // Arrange: every wait yields a revoke at once; the deadline timer never fires.
        _context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>())).Returns(new TaskCompletionSource().Task);
        _context.Setup(c => c.WaitForExternalEvent<LifecycleSignal>(ActivationLifecycle.SignalEvent, It.IsAny<CancellationToken>()))
            .Returns(() => Task.FromResult(new LifecycleSignal(LifecycleSignalKind.InvitationRevoked, Status: SubscriptionStatus.Created)));
        LifecycleInput? next = null;
        _context.Setup(c => c.ContinueAsNew(It.IsAny<object?>(), true)).Callback<object?, bool>((input, _) => next = (LifecycleInput?)input);

        // Act
        var result = await ActivationLifecycle.RunAsync(_context.Object, Input(SubscriptionStatus.InvitationSent, Deadline) with { RemindersDone = [TimeSpan.FromDays(14)] });

        // Assert
        _context.Verify(c => c.ContinueAsNew(It.IsAny<object?>(), true), Times.Once);
        Assert.NotNull(next);
        Assert.Equal(SubscriptionStatus.Created, next.Status);
        Assert.Equal(Deadline, next.TrialEndsAt);
        Assert.Null(next.PendingSignal);
        Assert.Equal([TimeSpan.FromDays(14)], next.RemindersDone);
        Assert.Equal(SubscriptionStatus.Created, result.Status);
    }

    [Fact]
    public async Task RunAsync_when_the_trial_runs_out_reminds_twice_then_inactivates_then_purges()
    {
        // Arrange
        Activity(nameof(ActivationLifecycleActivities.ApplyDeadline), new LifecycleState(SubscriptionStatus.Inactive, Deadline, RetentionEnd));
        Activity(nameof(ActivationLifecycleActivities.ApplyRetentionEnd), new LifecycleState(SubscriptionStatus.Purged, Deadline, RetentionEnd));

        // Act
        var result = await ActivationLifecycle.RunAsync(_context.Object, Input(SubscriptionStatus.InvitationSent, Deadline));

        // Assert
        Assert.Equal(SubscriptionStatus.Purged, result.Status);
        Assert.Equal(
            new[]
            {
                nameof(ActivationLifecycleActivities.SendTrialReminder),
                nameof(ActivationLifecycleActivities.SendTrialReminder),
                nameof(ActivationLifecycleActivities.ApplyDeadline),
                nameof(ActivationLifecycleActivities.ApplyRetentionEnd),
            },
            _activities);
        Assert.Equal(
            new[] { (Deadline - Reminders[0]).UtcDateTime, (Deadline - Reminders[1]).UtcDateTime, Deadline.UtcDateTime, RetentionEnd.UtcDateTime },
            _timers);
        foreach (var offset in Reminders)
        {
            _context.Verify(c => c.CallActivityAsync(
                nameof(ActivationLifecycleActivities.SendTrialReminder), new TrialReminderInput(Key, offset), It.IsAny<TaskOptions>()), Times.Once);
        }

        _context.Verify(c => c.CallActivityAsync<LifecycleState>(
            nameof(ActivationLifecycleActivities.ApplyDeadline), new TransitionInput(Key), It.IsAny<TaskOptions>()), Times.Once);
    }

    [Fact]
    public async Task RunAsync_ends_without_purging_when_the_deadline_finds_a_VOICE_number_and_the_invitation_accepted()
    {
        // Arrange
        Activity(nameof(ActivationLifecycleActivities.ApplyDeadline), new LifecycleState(SubscriptionStatus.Active, null, null));

        // Act
        var result = await ActivationLifecycle.RunAsync(_context.Object, Input(SubscriptionStatus.Active, Deadline));

        // Assert
        Assert.Equal(new LifecycleState(SubscriptionStatus.Active, null, null), result);
        Assert.DoesNotContain(nameof(ActivationLifecycleActivities.ApplyRetentionEnd), _activities);
    }

    [Fact]
    public async Task RunAsync_every_activity_uses_the_shared_retry_policy()
    {
        // Arrange
        Activity(nameof(ActivationLifecycleActivities.ApplyDeadline), new LifecycleState(SubscriptionStatus.Inactive, Deadline, RetentionEnd));
        Activity(nameof(ActivationLifecycleActivities.ApplyRetentionEnd), new LifecycleState(SubscriptionStatus.Purged, Deadline, RetentionEnd));

        // Act
        await ActivationLifecycle.RunAsync(_context.Object, Input(SubscriptionStatus.Created, Deadline));

        // Assert
        _context.Verify(c => c.CallActivityAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), ActivationLifecycle.ActivityRetry), Times.Exactly(2));
        _context.Verify(c => c.CallActivityAsync<LifecycleState>(It.IsAny<TaskName>(), It.IsAny<object?>(), ActivationLifecycle.ActivityRetry), Times.Exactly(2));
        _context.Verify(c => c.CallActivityAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.Is<TaskOptions?>(o => o != ActivationLifecycle.ActivityRetry)), Times.Never);
        _context.Verify(c => c.CallActivityAsync<LifecycleState>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.Is<TaskOptions?>(o => o != ActivationLifecycle.ActivityRetry)), Times.Never);
    }

    [Fact]
    public async Task RunAsync_pending_invitation_request_sends_that_sequence_then_waits_for_the_next_signal()
    {
        // Arrange: permanent, so after the send only a signal moves it on
        Activity(nameof(ActivationLifecycleActivities.SendInvitation), new LifecycleState(SubscriptionStatus.InvitationSent, null, null));
        var input = Input(SubscriptionStatus.InvitationSent, null, new LifecycleSignal(LifecycleSignalKind.InvitationRequested, 4));

        // Act
        var run = ActivationLifecycle.RunAsync(_context.Object, input);

        // Assert
        _context.Verify(c => c.CallActivityAsync<LifecycleState>(
            nameof(ActivationLifecycleActivities.SendInvitation), new SendInvitationInput(Key, 4), It.IsAny<TaskOptions>()), Times.Once);
        Assert.False(run.IsCompleted);
        Assert.Empty(_timers);

        // Act: the administrator accepts
        _signal.SetResult(new LifecycleSignal(LifecycleSignalKind.Accepted));
        var result = await run;

        // Assert
        Assert.Equal(SubscriptionStatus.Active, result.Status);
        Assert.Equal(new[] { nameof(ActivationLifecycleActivities.SendInvitation) }, _activities);
    }

    [Fact]
    public void RunAsync_when_sending_the_invitation_fails_for_good_records_the_failure_and_keeps_waiting()
    {
        // Arrange
        var failure = new TaskFailedException(
            nameof(ActivationLifecycleActivities.SendInvitation), 7,
            new TaskFailureDetails("EmailDeliveryException", "SMTP 550 mailbox unavailable", null, null, null));
        _context.Setup(c => c.CallActivityAsync<LifecycleState>(nameof(ActivationLifecycleActivities.SendInvitation), It.IsAny<object?>(), It.IsAny<TaskOptions>()))
            .ThrowsAsync(failure);
        var input = Input(SubscriptionStatus.InvitationSent, null, new LifecycleSignal(LifecycleSignalKind.InvitationRequested, 2));

        // Act
        var run = ActivationLifecycle.RunAsync(_context.Object, input);

        // Assert
        _context.Verify(c => c.CallActivityAsync(
            nameof(ActivationLifecycleActivities.RecordInvitationFailure),
            new InvitationFailureInput(Key, 2, "SMTP 550 mailbox unavailable"),
            It.IsAny<TaskOptions>()), Times.Once);
        Assert.False(run.IsCompleted);
        Assert.Null(run.Exception);
    }

    [Fact]
    public async Task RunAsync_permanent_active_input_returns_at_once_without_activities_or_timers()
    {
        // Arrange: strict, so any activity but the record's read, any timer or event wait fails the test
        var context = new Mock<TaskOrchestrationContext>(MockBehavior.Strict);
        context.Setup(c => c.CreateReplaySafeLogger(It.IsAny<string>())).Returns(NullLogger.Instance);
        context.Setup(c => c.CurrentUtcDateTime).Returns(Now.UtcDateTime);
        context.Setup(c => c.CallActivityAsync<LifecycleSnapshot>(nameof(ActivationLifecycleActivities.ReadLifecycle), It.IsAny<object?>(), It.IsAny<TaskOptions>()))
            .ReturnsAsync(new LifecycleSnapshot(SubscriptionStatus.Active, null, null, null));

        // Act
        var result = await ActivationLifecycle.RunAsync(context.Object, Input(SubscriptionStatus.Active, null));

        // Assert
        Assert.Equal(new LifecycleState(SubscriptionStatus.Active, null, null), result);
        context.Verify(c => c.CallActivityAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions>()), Times.Never);
        context.Verify(c => c.CallActivityAsync<LifecycleState>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions>()), Times.Never);
        context.Verify(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task RunAsync_cancels_the_timer_and_replans_when_a_signal_arrives_before_it()
    {
        // Arrange: timers never fire; the VOICE number arrives, then acceptance
        var pendingTimer = new TaskCompletionSource();
        CancellationToken timerToken = default;
        _context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()))
            .Callback<DateTime, CancellationToken>((at, token) => { _timers.Add(at); timerToken = token; })
            .Returns(pendingTimer.Task);
        _context.SetupSequence(c => c.WaitForExternalEvent<LifecycleSignal>(ActivationLifecycle.SignalEvent, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new LifecycleSignal(LifecycleSignalKind.VoiceNumberAdded))
            .ReturnsAsync(new LifecycleSignal(LifecycleSignalKind.Accepted));

        // Act
        var result = await ActivationLifecycle.RunAsync(_context.Object, Input(SubscriptionStatus.InvitationSent, Deadline));

        // Assert
        Assert.Equal(new LifecycleState(SubscriptionStatus.Active, null, null), result);
        Assert.True(timerToken.IsCancellationRequested);
        Assert.Equal(new[] { (Deadline - Reminders[0]).UtcDateTime }, _timers);
        Assert.Empty(_activities);
    }

    // ---- pure planning ----

    [Fact]
    public void NextWake_trial_with_no_reminder_sent_yet_wakes_for_the_earliest_reminder()
    {
        // Act
        var (at, purpose) = ActivationLifecycle.NextWake(Now, Deadline, null, SubscriptionStatus.Created, Reminders, new HashSet<TimeSpan>());

        // Assert
        Assert.Equal(Deadline - TimeSpan.FromDays(14), at);
        Assert.Equal(new ActivationLifecycle.WakePurpose.Reminder(TimeSpan.FromDays(14)), purpose);
    }

    [Fact]
    public void NextWake_first_reminder_done_wakes_for_the_second()
    {
        // Act
        var (at, purpose) = ActivationLifecycle.NextWake(Now, Deadline, null, SubscriptionStatus.Active, Reminders, new HashSet<TimeSpan> { TimeSpan.FromDays(14) });

        // Assert
        Assert.Equal(Deadline - TimeSpan.FromDays(3), at);
        Assert.Equal(new ActivationLifecycle.WakePurpose.Reminder(TimeSpan.FromDays(3)), purpose);
    }

    [Fact]
    public void NextWake_reminder_moments_already_passed_wakes_for_the_deadline()
    {
        // Arrange: two days before the deadline, both reminder moments are in the past
        var now = Deadline.AddDays(-2);

        // Act
        var (at, purpose) = ActivationLifecycle.NextWake(now, Deadline, null, SubscriptionStatus.InvitationSent, Reminders, new HashSet<TimeSpan>());

        // Assert
        Assert.Equal(Deadline, at);
        Assert.IsType<ActivationLifecycle.WakePurpose.Deadline>(purpose);
    }

    [Fact]
    public void NextWake_all_reminders_done_wakes_for_the_deadline()
    {
        // Act
        var (at, purpose) = ActivationLifecycle.NextWake(Now, Deadline, null, SubscriptionStatus.Created, Reminders, Reminders.ToHashSet());

        // Assert
        Assert.Equal(Deadline, at);
        Assert.IsType<ActivationLifecycle.WakePurpose.Deadline>(purpose);
    }

    [Fact]
    public void NextWake_inactive_wakes_for_the_end_of_retention()
    {
        // Act
        var (at, purpose) = ActivationLifecycle.NextWake(Deadline, Deadline, RetentionEnd, SubscriptionStatus.Inactive, Reminders, new HashSet<TimeSpan>());

        // Assert
        Assert.Equal(RetentionEnd, at);
        Assert.IsType<ActivationLifecycle.WakePurpose.RetentionEnd>(purpose);
    }

    [Theory]
    [InlineData(SubscriptionStatus.Created)]
    [InlineData(SubscriptionStatus.InvitationSent)]
    [InlineData(SubscriptionStatus.Active)]
    public void NextWake_permanent_has_nothing_to_wait_for(SubscriptionStatus status)
    {
        // Act
        var (at, purpose) = ActivationLifecycle.NextWake(Now, null, null, status, Reminders, new HashSet<TimeSpan>());

        // Assert
        Assert.Null(at);
        Assert.Null(purpose);
    }

    [Fact]
    public void NextWake_purged_has_nothing_to_wait_for()
    {
        // Act
        var (at, purpose) = ActivationLifecycle.NextWake(RetentionEnd, Deadline, RetentionEnd, SubscriptionStatus.Purged, Reminders, new HashSet<TimeSpan>());

        // Assert
        Assert.Null(at);
        Assert.Null(purpose);
    }

    [Theory]
    [InlineData(SubscriptionStatus.Purged, true, true)]
    [InlineData(SubscriptionStatus.Purged, false, true)]
    [InlineData(SubscriptionStatus.Active, false, true)]
    [InlineData(SubscriptionStatus.Active, true, false)]
    [InlineData(SubscriptionStatus.Created, false, false)]
    [InlineData(SubscriptionStatus.InvitationSent, false, false)]
    [InlineData(SubscriptionStatus.Inactive, false, false)]
    [InlineData(SubscriptionStatus.Inactive, true, false)]
    public void IsFinished_only_when_purged_or_permanently_active(SubscriptionStatus status, bool onTrial, bool finished)
    {
        // Act
        var result = ActivationLifecycle.IsFinished(status, onTrial ? Deadline : null);

        // Assert
        Assert.Equal(finished, result);
    }

    [Fact]
    public void InstanceIdFor_is_derived_from_the_subscription_only()
    {
        // Act
        var first = ActivationLifecycle.InstanceIdFor(Key);
        var second = ActivationLifecycle.InstanceIdFor(Key with { });

        // Assert
        Assert.Equal(first, second);
        Assert.Contains(Key.CustomerId, first);
        Assert.NotEqual(first, ActivationLifecycle.InstanceIdFor(Key with { ServiceId = "other" }));
    }
}
