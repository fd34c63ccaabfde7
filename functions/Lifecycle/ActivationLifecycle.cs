using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Functions.Lifecycle;

/// <summary>
/// Input of one subscription's lifecycle orchestration. Durations travel in the input, so an
/// instance keeps the rules it started under even if configuration changes; <see cref="Version"/>
/// names the orchestrator code it started under (docs/orchestration.md).
/// </summary>
public sealed record LifecycleInput(
    SubscriptionKey Key,
    int Version,
    SubscriptionStatus Status,
    DateTimeOffset? TrialEndsAt,
    DateTimeOffset? RetentionEndsAt,
    IReadOnlyList<TimeSpan> ReminderOffsets,
    LifecycleSignal? PendingSignal,
    IReadOnlyList<TimeSpan>? RemindersDone = null);

public sealed record SendInvitationInput(SubscriptionKey Key, int Sequence);

public sealed record InvitationFailureInput(SubscriptionKey Key, int Sequence, string Error);

public sealed record TrialReminderInput(SubscriptionKey Key, TimeSpan Offset);

public sealed record TransitionInput(SubscriptionKey Key);

/// <summary>
/// One orchestration per subscription drives its time: it mails invitations, then races lifecycle
/// signals against durable timers for the trial reminders, the deadline and the end of retention.
/// Deterministic: context time only; every effect is an activity, and every activity re-checks the
/// table record, which stays the source of truth.
/// </summary>
public static class ActivationLifecycle
{
    /// <summary>2: each generation begins by reading the record (<see cref="ActivationLifecycleActivities.ReadLifecycle"/>).</summary>
    public const int CurrentVersion = 2;
    public const string SignalEvent = "LifecycleSignal";

    /// <summary>
    /// After this many signals an instance continues as new with its state, so a subscription resent
    /// every few minutes for months keeps a short history.
    /// </summary>
    public const int SignalsPerGeneration = 25;

    /// <summary>One retry policy for every activity: storage and email hiccups are retried with backoff.</summary>
    public static readonly TaskOptions ActivityRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 5,
        firstRetryInterval: TimeSpan.FromSeconds(2),
        backoffCoefficient: 2.0,
        maxRetryInterval: TimeSpan.FromMinutes(1)));

    public static string InstanceIdFor(SubscriptionKey key) => $"lifecycle:{key.CustomerId}:{key.ServiceId}";

    public static async Task<LifecycleState> RunAsync(TaskOrchestrationContext context, LifecycleInput input)
    {
        var logger = context.CreateReplaySafeLogger(nameof(ActivationLifecycle));
        var key = input.Key;
        var trialEndsAt = input.TrialEndsAt;
        var retentionEndsAt = input.RetentionEndsAt;
        var status = input.Status;
        var pending = input.PendingSignal;
        var remindersDone = new HashSet<TimeSpan>(input.RemindersDone ?? []);
        var signalsHandled = 0;
        Task<LifecycleSignal>? nextSignal = null;

        if (input.Version >= 2)
        {
            // The engine drops an event raised while the instance is still pending if it is dequeued
            // before the start message (seen after a storage outage), so begin from the record: its
            // state, and an invitation requested but not yet mailed.
            var record = await context.CallActivityAsync<LifecycleSnapshot>(
                nameof(ActivationLifecycleActivities.ReadLifecycle), new TransitionInput(key), ActivityRetry);
            (status, trialEndsAt, retentionEndsAt) = (record.Status, record.TrialEndsAt, record.RetentionEndsAt);
            if (record.UnsentInvitationSequence is { } sequence && pending?.InvitationSequence != sequence)
            {
                pending = new LifecycleSignal(LifecycleSignalKind.InvitationRequested, sequence, record.Status);
            }
        }

        while (true)
        {
            if (pending is not null)
            {
                (trialEndsAt, status) = await HandleSignalAsync(context, key, pending, trialEndsAt, status);
                if (pending.Kind == LifecycleSignalKind.Reactivated)
                {
                    retentionEndsAt = null;
                }

                pending = null;
                signalsHandled++;
            }

            if (IsFinished(status, trialEndsAt))
            {
                logger.LogInformation("Lifecycle of {Subscription} has nothing left to drive; ending as {Status}", key, status);
                return new LifecycleState(status, trialEndsAt, retentionEndsAt);
            }

            if (signalsHandled >= SignalsPerGeneration && nextSignal is null)
            {
                context.ContinueAsNew(
                    input with { Status = status, TrialEndsAt = trialEndsAt, RetentionEndsAt = retentionEndsAt, PendingSignal = null, RemindersDone = remindersDone.ToArray() },
                    preserveUnprocessedEvents: true);
                return new LifecycleState(status, trialEndsAt, retentionEndsAt);
            }

            var now = new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero);
            if (trialEndsAt is { } deadline && status is not (SubscriptionStatus.Inactive or SubscriptionStatus.Purged))
            {
                // A reminder whose time passed before the instance got to it (a busy or restarted engine) is
                // not sent late; say so once. (NextWake skips it either way: no await changes.)
                foreach (var missed in input.ReminderOffsets.Where(o => !remindersDone.Contains(o) && deadline - o <= now).ToArray())
                {
                    remindersDone.Add(missed);
                    logger.LogWarning("Trial reminder for {Subscription} skipped: its time ({Offset} before the deadline) passed before the instance got to it", key, missed);
                }
            }

            var (wakeAt, purpose) = NextWake(now, trialEndsAt, retentionEndsAt, status, input.ReminderOffsets, remindersDone);
            nextSignal ??= context.WaitForExternalEvent<LifecycleSignal>(SignalEvent);
            if (wakeAt is null)
            {
                // Permanent but not yet accepted: only a signal (resend, revoke, accept) moves it on.
                pending = await nextSignal;
                nextSignal = null;
                continue;
            }

            using var timerCancellation = new CancellationTokenSource();
            var timer = context.CreateTimer(wakeAt.Value.UtcDateTime, timerCancellation.Token);
            var winner = await Task.WhenAny(nextSignal, timer);
            if (winner == nextSignal)
            {
                timerCancellation.Cancel();
                pending = await nextSignal;
                nextSignal = null;
                continue;
            }

            switch (purpose)
            {
                case WakePurpose.Reminder reminder:
                    remindersDone.Add(reminder.Offset);
                    await context.CallActivityAsync(nameof(ActivationLifecycleActivities.SendTrialReminder), new TrialReminderInput(key, reminder.Offset), ActivityRetry);
                    break;
                case WakePurpose.Deadline:
                    var afterDeadline = await context.CallActivityAsync<LifecycleState>(nameof(ActivationLifecycleActivities.ApplyDeadline), new TransitionInput(key), ActivityRetry);
                    (status, trialEndsAt, retentionEndsAt) = (afterDeadline.Status, afterDeadline.TrialEndsAt, afterDeadline.RetentionEndsAt);
                    break;
                case WakePurpose.RetentionEnd:
                    var afterRetention = await context.CallActivityAsync<LifecycleState>(nameof(ActivationLifecycleActivities.ApplyRetentionEnd), new TransitionInput(key), ActivityRetry);
                    (status, trialEndsAt, retentionEndsAt) = (afterRetention.Status, afterRetention.TrialEndsAt, afterRetention.RetentionEndsAt);
                    break;
            }
        }
    }

    private static async Task<(DateTimeOffset? TrialEndsAt, SubscriptionStatus Status)> HandleSignalAsync(
        TaskOrchestrationContext context, SubscriptionKey key, LifecycleSignal signal, DateTimeOffset? trialEndsAt, SubscriptionStatus status)
    {
        switch (signal.Kind)
        {
            case LifecycleSignalKind.InvitationRequested when signal.InvitationSequence is { } sequence:
                try
                {
                    var state = await context.CallActivityAsync<LifecycleState>(
                        nameof(ActivationLifecycleActivities.SendInvitation), new SendInvitationInput(key, sequence), ActivityRetry);
                    return (state.TrialEndsAt, state.Status);
                }
                catch (TaskFailedException failure)
                {
                    await context.CallActivityAsync(
                        nameof(ActivationLifecycleActivities.RecordInvitationFailure),
                        new InvitationFailureInput(key, sequence, failure.FailureDetails.ErrorMessage),
                        ActivityRetry);
                    return (trialEndsAt, SubscriptionStatus.InvitationSent);
                }

            case LifecycleSignalKind.InvitationRequested:
                return (trialEndsAt, signal.Status ?? SubscriptionStatus.InvitationSent);
            case LifecycleSignalKind.InvitationRevoked:
                return (trialEndsAt, signal.Status ?? SubscriptionStatus.Created);
            case LifecycleSignalKind.Accepted:
                return (trialEndsAt, signal.Status ?? SubscriptionStatus.Active);
            case LifecycleSignalKind.VoiceNumberAdded:
                return (null, signal.Status ?? status);
            case LifecycleSignalKind.Reactivated:
                // Back to the state it had before inactivation, which the signal carries.
                return (null, signal.Status ?? SubscriptionStatus.Active);
            default:
                return (trialEndsAt, signal.Status ?? status);
        }
    }

    /// <summary>
    /// Done when purged, or permanent and accepted: nothing can happen to it that needs timing or
    /// email. Earlier states keep waiting, so a resend never reaches a finished instance.
    /// </summary>
    public static bool IsFinished(SubscriptionStatus status, DateTimeOffset? trialEndsAt) =>
        status == SubscriptionStatus.Purged || (trialEndsAt is null && status == SubscriptionStatus.Active);

    /// <summary>Why the orchestration will wake next.</summary>
    public abstract record WakePurpose
    {
        public sealed record Reminder(TimeSpan Offset) : WakePurpose;

        public sealed record Deadline : WakePurpose;

        public sealed record RetentionEnd : WakePurpose;
    }

    /// <summary>The next moment that needs the orchestration, or null when nothing time-driven is left.</summary>
    public static (DateTimeOffset? At, WakePurpose? Purpose) NextWake(
        DateTimeOffset now, DateTimeOffset? trialEndsAt, DateTimeOffset? retentionEndsAt, SubscriptionStatus status,
        IReadOnlyList<TimeSpan> reminderOffsets, IReadOnlySet<TimeSpan> remindersDone)
    {
        if (status == SubscriptionStatus.Purged)
        {
            return (null, null);
        }

        if (status == SubscriptionStatus.Inactive)
        {
            return retentionEndsAt is { } end ? (end, new WakePurpose.RetentionEnd()) : (null, null);
        }

        if (trialEndsAt is not { } deadline)
        {
            return (null, null);
        }

        var reminder = reminderOffsets
            .Where(offset => !remindersDone.Contains(offset) && deadline - offset > now)
            .OrderByDescending(offset => offset)
            .Select(offset => (TimeSpan?)offset)
            .FirstOrDefault();
        return reminder is { } next
            ? (deadline - next, new WakePurpose.Reminder(next))
            : (deadline, new WakePurpose.Deadline());
    }
}

/// <summary>The orchestrator as an Azure Function; the logic is <see cref="ActivationLifecycle.RunAsync"/>.</summary>
public static class ActivationLifecycleOrchestrator
{
    [Function(nameof(ActivationLifecycleOrchestrator))]
    public static Task<LifecycleState> Run([OrchestrationTrigger] TaskOrchestrationContext context, LifecycleInput input) =>
        ActivationLifecycle.RunAsync(context, input);
}

/// <summary>The lifecycle's activities: thin over <see cref="LifecycleTransitions"/>, each re-checking the record.</summary>
public sealed class ActivationLifecycleActivities(LifecycleTransitions transitions)
{
    [Function(nameof(ReadLifecycle))]
    public Task<LifecycleSnapshot> ReadLifecycle([ActivityTrigger] TransitionInput input, CancellationToken cancellationToken) =>
        transitions.ReadAsync(input.Key, cancellationToken);

    [Function(nameof(SendInvitation))]
    public Task<LifecycleState> SendInvitation([ActivityTrigger] SendInvitationInput input, CancellationToken cancellationToken) =>
        transitions.SendInvitationAsync(input.Key, input.Sequence, cancellationToken);

    [Function(nameof(RecordInvitationFailure))]
    public Task RecordInvitationFailure([ActivityTrigger] InvitationFailureInput input, CancellationToken cancellationToken) =>
        transitions.RecordInvitationFailureAsync(input.Key, input.Sequence, input.Error, cancellationToken);

    [Function(nameof(SendTrialReminder))]
    public Task SendTrialReminder([ActivityTrigger] TrialReminderInput input, CancellationToken cancellationToken) =>
        transitions.SendTrialReminderAsync(input.Key, input.Offset, cancellationToken);

    [Function(nameof(ApplyDeadline))]
    public Task<LifecycleState> ApplyDeadline([ActivityTrigger] TransitionInput input, CancellationToken cancellationToken) =>
        transitions.ApplyDeadlineAsync(input.Key, LifecycleTransitions.OrchestrationActor, cancellationToken);

    [Function(nameof(ApplyRetentionEnd))]
    public Task<LifecycleState> ApplyRetentionEnd([ActivityTrigger] TransitionInput input, CancellationToken cancellationToken) =>
        transitions.ApplyRetentionEndAsync(input.Key, LifecycleTransitions.OrchestrationActor, cancellationToken);
}
