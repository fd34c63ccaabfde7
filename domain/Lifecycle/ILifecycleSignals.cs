using RapidStart.Domain.Subscriptions;

namespace RapidStart.Domain.Lifecycle;

public enum LifecycleSignalKind
{
    InvitationRequested,
    InvitationRevoked,
    Accepted,
    VoiceNumberAdded,
    Reactivated,
}

/// <summary>An event for a subscription's lifecycle orchestration, with the status the record had when it was raised.</summary>
public sealed record LifecycleSignal(LifecycleSignalKind Kind, int? InvitationSequence = null, SubscriptionStatus? Status = null);

/// <summary>
/// The port to the orchestration that drives each subscription's time: starts it if it is not
/// running and tells it what happened. The table record already shows the change; this only lets
/// the orchestration re-plan its timers or send the email.
/// </summary>
public interface ILifecycleSignals
{
    Task SignalAsync(Subscription subscription, LifecycleSignal? signal, CancellationToken cancellationToken);
}
