using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Activation;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Domain.Lifecycle;

/// <summary>Where a subscription stands, as the orchestration needs to know it to plan its next timer.</summary>
public sealed record LifecycleState(SubscriptionStatus Status, DateTimeOffset? TrialEndsAt, DateTimeOffset? RetentionEndsAt)
{
    public static LifecycleState Of(Subscription s) => new(s.Status, s.TrialEndsAt, s.RetentionEndsAt);
}

/// <summary>
/// The record as an orchestration starting (or starting a new generation) must see it: its state, and
/// the sequence of an invitation that was requested but neither mailed nor failed, if there is one.
/// </summary>
public sealed record LifecycleSnapshot(SubscriptionStatus Status, DateTimeOffset? TrialEndsAt, DateTimeOffset? RetentionEndsAt, int? UnsentInvitationSequence);

/// <summary>
/// The time-driven side of the lifecycle: what the orchestration's activities and the expiry sweep
/// do. Every method re-reads the subscription and acts only if its state still calls for it, so a
/// replayed activity, a retried sweep or the two racing each other change it once.
/// </summary>
public sealed class LifecycleTransitions(
    ISubscriptionStore store,
    ICustomerStore customers,
    IEmailSender email,
    IOptions<LifecycleOptions> options,
    TimeProvider clock,
    ILogger<LifecycleTransitions> logger,
    ChangeUnit changes)
{
    public const string OrchestrationActor = "system:orchestration";
    public const string SweepActor = "system:sweep";

    private LifecycleOptions Lifecycle => options.Value;

    /// <summary>
    /// Where the subscription stands, for an orchestration that starts: a signal raised while its
    /// instance was still pending can be dropped by the engine, and the record never is.
    /// </summary>
    public async Task<LifecycleSnapshot> ReadAsync(SubscriptionKey key, CancellationToken cancellationToken)
    {
        var subscription = (await GetAsync(key, cancellationToken)).Value;
        return new LifecycleSnapshot(subscription.Status, subscription.TrialEndsAt, subscription.RetentionEndsAt, subscription.UnsentInvitationSequence);
    }

    /// <summary>
    /// Issues a fresh link for invitation <paramref name="sequence"/> and mails it; skips a stale
    /// request, and one already sent or already given up on (the orchestration may hear of the same
    /// request twice: from the record when it starts, and from the signal).
    /// </summary>
    public async Task<LifecycleState> SendInvitationAsync(SubscriptionKey key, int sequence, CancellationToken cancellationToken)
    {
        string? token = null;
        DateTimeOffset expiresAt = default;
        var issued = await changes.ChangeSubscriptionAsync(
            () => GetAsync(key, cancellationToken),
            async current =>
            {
                var subscription = current.Value;
                token = null;
                if (subscription.UnsentInvitationSequence != sequence)
                {
                    return SubscriptionChange.Unchanged(subscription);
                }

                var now = clock.GetUtcNow();
                token = ActivationToken.Issue(key);
                var hash = ActivationToken.Hash(token);
                expiresAt = now + Lifecycle.InvitationLifetime;
                var tokens = new List<ActivationTokenRecord>
                {
                    new(hash, sequence, subscription.Invitation!.MicrosoftAccountId, now, expiresAt, TokenState.Live),
                };
                if (subscription.LiveTokenHash is { } previous && await store.GetTokenAsync(key, previous, cancellationToken) is { } old)
                {
                    tokens.Add(old with { State = TokenState.Superseded });
                }

                return new SubscriptionChange(subscription.WithIssuedToken(hash), Tokens: tokens);
            },
            signals: null,
            cancellationToken);
        if (issued!.Value.UnsentInvitationSequence != sequence || issued.Value.LiveTokenHash is not { } issuedHash || token is null)
        {
            logger.LogInformation("Invitation {Sequence} for {Subscription} is stale, sent or failed; nothing to do", sequence, key);
            return LifecycleState.Of(issued.Value);
        }

        // The link's secret exists only here and in the mail, never in a table: so this mail is the
        // activity's own work between two commits, not a follow-up row.
        var customer = await GetCustomerAsync(key, cancellationToken);
        var link = new Uri(Lifecycle.PublicBaseUrl, $"api/activate?token={Uri.EscapeDataString(token)}");
        await email.SendAsync(EmailComposer.Invitation(customer, issued.Value, link, expiresAt, issuedHash), cancellationToken);

        var sent = await changes.ChangeSubscriptionAsync(
            ReadFrom(issued, key, cancellationToken),
            current => Task.FromResult<SubscriptionChange?>(
                current.Value.LiveTokenHash == issuedHash && current.Value.UnsentInvitationSequence == sequence
                    ? new SubscriptionChange(current.Value.WithInvitationSent(clock.GetUtcNow()), FollowUps: FollowUps.Listing(key))
                    : SubscriptionChange.Unchanged(current.Value)),
            signals: null,
            cancellationToken);
        logger.LogInformation("Invitation {Sequence} for {Subscription} sent", sequence, key);
        return LifecycleState.Of(sent!.Value);
    }

    /// <summary>After the send's retries ran out: the subscription shows why, and Send Activation can be tried again.</summary>
    public async Task RecordInvitationFailureAsync(SubscriptionKey key, int sequence, string error, CancellationToken cancellationToken)
    {
        await changes.ChangeSubscriptionAsync(
            () => GetAsync(key, cancellationToken),
            current => Task.FromResult(IsPendingInvitation(current.Value, sequence)
                ? new SubscriptionChange(current.Value.WithInvitationError(error.Length > 500 ? error[..500] : error), FollowUps: FollowUps.Listing(key))
                : null),
            signals: null,
            cancellationToken);
    }

    /// <summary>
    /// Mails the reminder that the trial ends soon, unless that is no longer true: the subscription
    /// became permanent or inactive, or the reminder runs so late (a busy or restarted host) that
    /// the deadline already passed. A late reminder is dropped, never sent saying the trial "ends" in the past.
    /// </summary>
    public async Task SendTrialReminderAsync(SubscriptionKey key, TimeSpan offset, CancellationToken cancellationToken)
    {
        var subscription = (await GetAsync(key, cancellationToken)).Value;
        if (subscription.IsPermanent || subscription.Status is SubscriptionStatus.Inactive or SubscriptionStatus.Purged)
        {
            return;
        }

        if (subscription.TrialEndsAt is not { } deadline || clock.GetUtcNow() >= deadline)
        {
            logger.LogWarning("Trial reminder for {Subscription} dropped: its deadline {Deadline:O} has passed", key, subscription.TrialEndsAt);
            return;
        }

        // Not a change of the record: the reminder is the activity's whole work, keyed for idempotency.
        var customer = await GetCustomerAsync(key, cancellationToken);
        await email.SendAsync(EmailComposer.TrialReminder(customer, subscription, ContactOf(customer, subscription), offset), cancellationToken);
    }

    /// <summary>The trial deadline: Inactive unless a VOICE number arrived (then permanent) or it is not yet due.</summary>
    /// <param name="read">The subscription as the caller just read it (the sweep), used for the first attempt instead of reading it again; a retry reads afresh.</param>
    public async Task<LifecycleState> ApplyDeadlineAsync(SubscriptionKey key, string actor, CancellationToken cancellationToken, Versioned<Subscription>? read = null)
    {
        var inactivated = false;
        var changed = await changes.ChangeSubscriptionAsync(
            async () => Interlocked.Exchange(ref read, null) ?? await GetAsync(key, cancellationToken),
            async current =>
            {
                var subscription = current.Value;
                var now = clock.GetUtcNow();
                inactivated = false;
                if (subscription.Status == SubscriptionStatus.Inactive && subscription.RetentionEndsAt > now)
                {
                    // Inactivated by an earlier attempt whose notice may not have gone out: send it again
                    // (its idempotency key lets the adapter drop a duplicate).
                    var customer = await GetCustomerAsync(key, cancellationToken);
                    return SubscriptionChange.Finish(subscription, Inactivation(customer, subscription));
                }

                if (subscription.Status is SubscriptionStatus.Inactive or SubscriptionStatus.Purged || subscription.TrialEndsAt is not { } deadline || deadline > now)
                {
                    // Nothing is due; the Service List line is rewritten from the record all the same.
                    return SubscriptionChange.Finish(subscription, FollowUps.Listing(key));
                }

                var owner = await GetCustomerAsync(key, cancellationToken);
                if (owner.VoiceAccountNumber is not null)
                {
                    // The number reached the customer but not yet this subscription (a crash or a race).
                    var (permanent, note) = subscription.MakePermanent(now, actor);
                    return new SubscriptionChange(permanent, note, FollowUps: FollowUps.Listing(key));
                }

                var (inactive, audit) = subscription.Inactivate(now, Lifecycle.RetentionPeriod, actor);
                inactivated = true;
                return new SubscriptionChange(
                    inactive, audit, await RetireLiveTokenAsync(subscription, cancellationToken),
                    FollowUps: Inactivation(owner, inactive),
                    Due: new DueItem(key, inactive.RetentionEndsAt!.Value));
            },
            signals: null,
            cancellationToken);

        if (inactivated)
        {
            logger.LogInformation("Subscription {Subscription} inactivated by {Actor}", key, actor);
        }

        return LifecycleState.Of(changed!.Value);
    }

    /// <summary>End of retention: the customer's data goes; a tombstone and the audit trail stay.</summary>
    /// <param name="read">The subscription as the caller just read it (the sweep), instead of reading it again.</param>
    public async Task<LifecycleState> ApplyRetentionEndAsync(SubscriptionKey key, string actor, CancellationToken cancellationToken, Versioned<Subscription>? read = null)
    {
        var current = read ?? await GetAsync(key, cancellationToken);
        var subscription = current.Value;
        if (subscription.Status != SubscriptionStatus.Inactive || subscription.RetentionEndsAt is not { } end || end > clock.GetUtcNow())
        {
            return LifecycleState.Of(subscription);
        }

        var customer = await GetCustomerAsync(key, cancellationToken);
        if (!customer.Purged)
        {
            // Sent before the contact details are deleted, and before the purge it announces: a failed
            // send stops the purge, and its idempotency key makes the retry harmless.
            await email.SendAsync(EmailComposer.Purged(customer, subscription, ContactOf(customer, subscription)), cancellationToken);
        }

        var purged = await changes.ChangeSubscriptionAsync(
            ReadFrom(current, key, cancellationToken),
            latest =>
            {
                if (latest.Value.Status != SubscriptionStatus.Inactive)
                {
                    return Task.FromResult<SubscriptionChange?>(SubscriptionChange.Unchanged(latest.Value));
                }

                var (tombstone, audit) = latest.Value.Purge(clock.GetUtcNow(), actor);
                return Task.FromResult<SubscriptionChange?>(new SubscriptionChange(tombstone, audit, FollowUps: FollowUps.Listing(key), Purge: true));
            },
            signals: null,
            cancellationToken);
        if (purged!.Value.Status == SubscriptionStatus.Purged)
        {
            await PurgeCustomerIfNothingLivesAsync(customer.CustomerId, cancellationToken);
            logger.LogInformation("Subscription {Subscription} purged by {Actor}", key, actor);
        }

        return LifecycleState.Of(purged.Value);
    }

    private async Task PurgeCustomerIfNothingLivesAsync(string customerId, CancellationToken cancellationToken)
    {
        var current = await customers.GetAsync(customerId, cancellationToken);
        if (current is null)
        {
            return;
        }

        await changes.ChangeCustomerAsync(
            ReadFrom(current, () => customers.GetAsync(customerId, cancellationToken)),
            async latest =>
            {
                if (latest.Value.Purged)
                {
                    return null;
                }

                foreach (var (serviceId, region) in latest.Value.SubscriptionRegions)
                {
                    var other = await store.GetAsync(new SubscriptionKey(region, customerId, serviceId), cancellationToken);
                    if (other is not null && other.Value.Status != SubscriptionStatus.Purged)
                    {
                        return null;
                    }
                }

                return new CustomerChange(latest.Value.AsTombstone(), FollowUps.CustomerListing(customerId));
            },
            subscription: null,
            signals: null,
            cancellationToken);
    }

    /// <summary>What follows an inactivation: the Service List line and the notice to the contact.</summary>
    private static FollowUps Inactivation(Customer customer, Subscription inactive) =>
        new(inactive.Key, Mails: [EmailComposer.Inactivated(customer, inactive, ContactOf(customer, inactive))]);

    /// <summary>The record the caller already holds for the first attempt; a fresh read for any retry.</summary>
    private Func<Task<Versioned<Subscription>>> ReadFrom(Versioned<Subscription> known, SubscriptionKey key, CancellationToken cancellationToken) =>
        ReadFrom(known, async () => await store.GetAsync(key, cancellationToken));

    private static Func<Task<Versioned<T>>> ReadFrom<T>(Versioned<T> known, Func<Task<Versioned<T>?>> read)
    {
        var first = true;
        return async () =>
        {
            if (first)
            {
                first = false;
                return known;
            }

            return await read() ?? throw ProblemException.NotFound("record");
        };
    }

    private async Task<IReadOnlyList<ActivationTokenRecord>> RetireLiveTokenAsync(Subscription subscription, CancellationToken cancellationToken) =>
        subscription.LiveTokenHash is { } hash && await store.GetTokenAsync(subscription.Key, hash, cancellationToken) is { } live
            ? [live with { State = TokenState.Revoked }]
            : [];

    private static bool IsPendingInvitation(Subscription subscription, int sequence) =>
        subscription.Status == SubscriptionStatus.InvitationSent && subscription.Invitation?.Sequence == sequence;

    private static string ContactOf(Customer customer, Subscription subscription) =>
        subscription.Invitation?.ContactEmail ?? customer.Administrator?.ContactEmail ?? "";

    private async Task<Versioned<Subscription>> GetAsync(SubscriptionKey key, CancellationToken cancellationToken) =>
        await store.GetAsync(key, cancellationToken) ?? throw ProblemException.NotFound("subscription");

    private async Task<Customer> GetCustomerAsync(SubscriptionKey key, CancellationToken cancellationToken) =>
        (await customers.GetAsync(key.CustomerId, cancellationToken))?.Value ?? throw ProblemException.NotFound("customer");
}
