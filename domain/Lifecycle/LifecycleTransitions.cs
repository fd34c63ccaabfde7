using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Activation;
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
    ILogger<LifecycleTransitions> logger)
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
        var current = await GetAsync(key, cancellationToken);
        var subscription = current.Value;
        if (subscription.UnsentInvitationSequence != sequence)
        {
            logger.LogInformation("Invitation {Sequence} for {Subscription} is stale, sent or failed; nothing to do", sequence, key);
            return LifecycleState.Of(subscription);
        }

        var customer = await GetCustomerAsync(key, cancellationToken);
        var now = clock.GetUtcNow();
        var token = ActivationToken.Issue(key);
        var hash = ActivationToken.Hash(token);
        var expiresAt = now + Lifecycle.InvitationLifetime;
        var tokens = new List<ActivationTokenRecord>
        {
            new(hash, sequence, subscription.Invitation!.MicrosoftAccountId, now, expiresAt, TokenState.Live),
        };
        if (subscription.LiveTokenHash is { } previous && await store.GetTokenAsync(key, previous, cancellationToken) is { } old)
        {
            tokens.Add(old with { State = TokenState.Superseded });
        }

        var issued = subscription.WithIssuedToken(hash);
        var etag = await store.CommitAsync(new SubscriptionCommit(issued, current.ETag, Tokens: tokens), cancellationToken);

        var link = new Uri(Lifecycle.PublicBaseUrl, $"api/activate?token={Uri.EscapeDataString(token)}");
        await email.SendAsync(EmailComposer.Invitation(customer, issued, link, expiresAt, hash), cancellationToken);

        var sent = issued.WithInvitationSent(clock.GetUtcNow());
        await store.CommitAsync(new SubscriptionCommit(sent, etag), cancellationToken);
        await store.UpsertListingAsync(sent, cancellationToken);
        logger.LogInformation("Invitation {Sequence} for {Subscription} sent", sequence, key);
        return LifecycleState.Of(sent);
    }

    /// <summary>After the send's retries ran out: the subscription shows why, and Send Activation can be tried again.</summary>
    public async Task RecordInvitationFailureAsync(SubscriptionKey key, int sequence, string error, CancellationToken cancellationToken)
    {
        await OptimisticRetry.RunAsync(async () =>
        {
            var current = await GetAsync(key, cancellationToken);
            if (!IsPendingInvitation(current.Value, sequence))
            {
                return false;
            }

            var failed = current.Value.WithInvitationError(error.Length > 500 ? error[..500] : error);
            await store.CommitAsync(new SubscriptionCommit(failed, current.ETag), cancellationToken);
            await store.UpsertListingAsync(failed, cancellationToken);
            return true;
        });
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

        var customer = await GetCustomerAsync(key, cancellationToken);
        await email.SendAsync(EmailComposer.TrialReminder(customer, subscription, ContactOf(customer, subscription), offset), cancellationToken);
    }

    /// <summary>The trial deadline: Inactive unless a VOICE number arrived (then permanent) or it is not yet due.</summary>
    /// <param name="read">The subscription as the caller just read it (the sweep), used for the first attempt instead of reading it again; a retry reads afresh.</param>
    public async Task<LifecycleState> ApplyDeadlineAsync(SubscriptionKey key, string actor, CancellationToken cancellationToken, Versioned<Subscription>? read = null)
    {
        var (changed, customer) = await OptimisticRetry.RunAsync(async () =>
        {
            var current = Interlocked.Exchange(ref read, null) ?? await GetAsync(key, cancellationToken);
            var subscription = current.Value;
            var now = clock.GetUtcNow();
            if (subscription.Status == SubscriptionStatus.Inactive && subscription.RetentionEndsAt > now)
            {
                // Inactivated by an earlier attempt whose notice may not have gone out: send it again
                // (its idempotency key lets the adapter drop a duplicate).
                return (subscription, await GetCustomerAsync(key, cancellationToken));
            }

            if (subscription.Status is SubscriptionStatus.Inactive or SubscriptionStatus.Purged || subscription.TrialEndsAt is not { } deadline || deadline > now)
            {
                return (subscription, (Customer?)null);
            }

            var owner = await GetCustomerAsync(key, cancellationToken);
            if (owner.VoiceAccountNumber is not null)
            {
                // The number reached the customer but not yet this subscription (a crash or a race).
                var (permanent, note) = subscription.MakePermanent(now, actor);
                await store.CommitAsync(new SubscriptionCommit(permanent, current.ETag, note), cancellationToken);
                return (permanent, null);
            }

            var (inactive, audit) = subscription.Inactivate(now, Lifecycle.RetentionPeriod, actor);
            await store.AddDueAsync(new DueItem(key, inactive.RetentionEndsAt!.Value), cancellationToken);
            await store.CommitAsync(new SubscriptionCommit(inactive, current.ETag, audit, await RetireLiveTokenAsync(subscription, cancellationToken)), cancellationToken);
            return (inactive, owner);
        });

        await store.UpsertListingAsync(changed, cancellationToken);
        if (customer is not null)
        {
            logger.LogInformation("Subscription {Subscription} inactivated by {Actor}", key, actor);
            await email.SendAsync(EmailComposer.Inactivated(customer, changed, ContactOf(customer, changed)), cancellationToken);
        }

        return LifecycleState.Of(changed);
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
            // Sent before the contact details are deleted; its idempotency key makes a retry harmless.
            await email.SendAsync(EmailComposer.Purged(customer, subscription, ContactOf(customer, subscription)), cancellationToken);
        }

        var (tombstone, audit) = subscription.Purge(clock.GetUtcNow(), actor);
        await store.PurgeAsync(new SubscriptionCommit(tombstone, current.ETag, audit), cancellationToken);
        await store.UpsertListingAsync(tombstone, cancellationToken);
        await PurgeCustomerIfNothingLivesAsync(customer.CustomerId, cancellationToken);
        logger.LogInformation("Subscription {Subscription} purged by {Actor}", key, actor);
        return LifecycleState.Of(tombstone);
    }

    private async Task PurgeCustomerIfNothingLivesAsync(string customerId, CancellationToken cancellationToken)
    {
        await OptimisticRetry.RunAsync(async () =>
        {
            var current = await customers.GetAsync(customerId, cancellationToken);
            if (current is null || current.Value.Purged)
            {
                return false;
            }

            foreach (var (serviceId, region) in current.Value.SubscriptionRegions)
            {
                var other = await store.GetAsync(new SubscriptionKey(region, customerId, serviceId), cancellationToken);
                if (other is not null && other.Value.Status != SubscriptionStatus.Purged)
                {
                    return false;
                }
            }

            var tombstone = current.Value.AsTombstone();
            await customers.ReplaceAsync(tombstone, current.ETag, cancellationToken);
            await customers.UpsertListingAsync(tombstone, cancellationToken);
            return true;
        });
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
