using Microsoft.Extensions.Logging;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Domain.Changes;

/// <summary>
/// The one place follow-ups are applied: right after their commit by <see cref="ChangeUnit"/>, and by
/// the sweep for rows a crash left behind. In order: the Service List line (before the signal, so an
/// activity's later line is never overwritten by this older one), the orchestration, the mails, the
/// customer-list line; then the row and its hint are cleared. A failure leaves the row for a retry:
/// everything here is idempotent, so applying a row twice changes nothing a reader sees.
/// </summary>
public sealed partial class FollowUpDispatcher(
    ISubscriptionStore subscriptions,
    ICustomerStore customers,
    IFollowUpStore followUps,
    IEmailSender email,
    TimeProvider clock,
    ILogger<FollowUpDispatcher> logger)
{
    /// <summary>
    /// How long after its commit a follow-up row counts as left over: the dispatcher right after the
    /// commit normally clears it within milliseconds, and the sweep must not race it.
    /// </summary>
    public static readonly TimeSpan LeftOverAfter = TimeSpan.FromSeconds(30);

    /// <summary>How far back the first new-customer pass (no checkpoint yet) looks: a missed daily sweep and a margin.</summary>
    public static readonly TimeSpan FirstListingLookBack = TimeSpan.FromDays(2);

    /// <summary>Listing lines added at once by the new-customer pass: each is one round trip, mostly waiting.</summary>
    private const int NewCustomerParallelism = 8;

    public static DateTimeOffset HintDueAt(PendingFollowUps pending) => pending.CommittedAt + LeftOverAfter;

    /// <summary>
    /// Applies follow-ups: from a row just committed (<paramref name="pending"/>, cleared afterwards), or
    /// without one (an earlier attempt committed the change and this retry finishes it). The committed
    /// values, when the caller has them, save a read; otherwise the records are read.
    /// </summary>
    public async Task ApplyAsync(
        FollowUps work, PendingFollowUps? pending, Subscription? subscription, Customer? customer, ILifecycleSignals? signals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (work.Lifecycle && signals is null)
        {
            // Only a caller with a Durable client can tell the orchestration; the row waits for one.
            throw new InvalidOperationException($"Follow-ups of {work.Subscription} need the orchestration, and no Durable client was given.");
        }

        if (work.Subscription is { } key)
        {
            var current = subscription ?? (await subscriptions.GetAsync(key, cancellationToken))?.Value;
            if (current is not null)
            {
                await subscriptions.UpsertListingAsync(current, cancellationToken);
                if (work.Lifecycle)
                {
                    await signals!.SignalAsync(current, work.Signal, cancellationToken);
                }
            }
        }

        foreach (var message in work.Mails ?? [])
        {
            await email.SendAsync(message, cancellationToken);
        }

        if (work.Customer is { } customerId)
        {
            var current = customer ?? (await customers.GetAsync(customerId, cancellationToken))?.Value;
            if (current is not null)
            {
                await customers.UpsertListingAsync(current, cancellationToken);
            }
        }

        if (pending is not null)
        {
            await followUps.ClearAsync(pending, HintDueAt(pending), cancellationToken);
        }
    }

    /// <summary>
    /// Applies the follow-up rows a crash left in one partition (<c>{region}|{customerId}</c>), oldest
    /// first, from fresh reads of the records. A row younger than <see cref="LeftOverAfter"/> is still
    /// being applied by its own request, and a row that must tell an orchestration waits for a caller
    /// with <paramref name="signals"/>. Returns how many rows are left waiting.
    /// </summary>
    public async Task<int> ApplyLeftoversAsync(string region, string customerId, ILifecycleSignals? signals, CancellationToken cancellationToken)
    {
        var waiting = 0;
        var leftOverBefore = clock.GetUtcNow() - LeftOverAfter;
        foreach (var pending in await followUps.ListPendingAsync(region, customerId, cancellationToken))
        {
            if (pending.CommittedAt > leftOverBefore)
            {
                waiting++;
                continue;
            }

            if (pending.FollowUps.Lifecycle && signals is null)
            {
                LogWaitingForOrchestration(pending.Id, customerId);
                waiting++;
                continue;
            }

            await ApplyAsync(pending.FollowUps, pending, subscription: null, customer: null, signals, cancellationToken);
            LogLeftoverApplied(pending.Id, customerId, pending.CommittedAt);
        }

        return waiting;
    }

    /// <summary>
    /// Lists the customers of <paramref name="region"/> created since the last pass whose create did not
    /// get as far as its listing line (a crash right after the insert). A new customer has no follow-up
    /// row; its time-ordered identifier is its hint. Each pass reads the identifiers minted since the
    /// checkpoint up to <see cref="LeftOverAfter"/> ago (younger creates are still listing themselves),
    /// adds the missing lines (never over one a later change wrote), and then moves the checkpoint.
    /// Returns how many lines it added.
    /// </summary>
    public async Task<int> ListNewCustomersAsync(string region, CancellationToken cancellationToken)
    {
        var until = clock.GetUtcNow() - LeftOverAfter;
        var from = await customers.GetListedUntilAsync(region, cancellationToken) ?? until - FirstListingLookBack;
        if (from >= until)
        {
            return 0;
        }

        var added = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = NewCustomerParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(customers.ListCreatedAsync(region, from, until, cancellationToken), parallel, async (customer, token) =>
        {
            if (await customers.AddListingAsync(customer, token))
            {
                Interlocked.Increment(ref added);
                LogNewCustomerListed(customer.CustomerId, customer.CreatedAt);
            }
        });

        await customers.SetListedUntilAsync(region, until, cancellationToken);
        return added;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Customer {CustomerId}, created at {CreatedAt:O}, had no listing line; listed by the sweep")]
    private partial void LogNewCustomerListed(string customerId, DateTimeOffset createdAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Left-over follow-ups {FollowUpId} of customer {CustomerId}, committed at {CommittedAt:O}, applied")]
    private partial void LogLeftoverApplied(string followUpId, string customerId, DateTimeOffset committedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Left-over follow-ups {FollowUpId} of customer {CustomerId} need the orchestration; left for a run with a Durable client")]
    private partial void LogWaitingForOrchestration(string followUpId, string customerId);
}
