using RapidStart.Domain.Activation;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Portal;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Domain.Changes;

/// <summary>
/// A change to a subscription, as a value: the new record, its audit line, the tokens and portal users
/// it touches, what must follow it, and the due-index hint it needs first.
/// </summary>
/// <param name="Purge">Commit as the tombstone of a purge: the subscription's tokens (and, with the last one, its portal users) are deleted first.</param>
/// <param name="AlreadyCommitted">
/// An earlier attempt committed this change and this retry only finishes it: nothing is written, the
/// follow-ups are applied.
/// </param>
public sealed record SubscriptionChange(
    Subscription Next,
    AuditEntry? Audit = null,
    IReadOnlyList<ActivationTokenRecord>? Tokens = null,
    IReadOnlyList<PortalUser>? UsersToUpsert = null,
    IReadOnlyList<string>? UsersToDelete = null,
    FollowUps? FollowUps = null,
    DueItem? Due = null,
    bool Purge = false,
    bool AlreadyCommitted = false) : IChange<Subscription>
{
    /// <summary>Finishes what an earlier attempt committed: <paramref name="followUps"/> only.</summary>
    public static SubscriptionChange Finish(Subscription current, FollowUps followUps) => new(current, FollowUps: followUps, AlreadyCommitted: true);

    /// <summary>Nothing to write, nothing to follow; the unit answers the record as read.</summary>
    public static SubscriptionChange Unchanged(Subscription current) => new(current, AlreadyCommitted: true);
}

/// <summary>A change to a customer record, as a value: the new record and what must follow it.</summary>
/// <param name="AlreadyCommitted">An earlier attempt wrote this record; only its follow-ups are applied.</param>
public sealed record CustomerChange(Customer Next, FollowUps? FollowUps = null, bool AlreadyCommitted = false) : IChange<Customer>;

/// <summary>What <see cref="ChangeUnit"/> needs to know of any change: the new record, what follows it, and whether it is already written.</summary>
public interface IChange<out T>
{
    T Next { get; }

    FollowUps? FollowUps { get; }

    bool AlreadyCommitted { get; }
}

/// <summary>
/// The one write path for subscriptions and customers. A service reads, decides what changes, and hands
/// the change here; this unit writes the due-index hints first, commits the record, its audit line, its
/// tokens and users and the follow-up row in one table transaction under the record's ETag, re-reads and
/// re-decides when another writer won the race, and then has <see cref="FollowUpDispatcher"/> apply the
/// follow-ups. Services never call a store's write methods themselves.
/// </summary>
public sealed class ChangeUnit(
    ISubscriptionStore subscriptions,
    ICustomerStore customers,
    IFollowUpStore followUps,
    FollowUpDispatcher dispatcher,
    TimeProvider clock)
{
    /// <summary>
    /// Reads with <paramref name="read"/>, asks <paramref name="decide"/> what changes (null: nothing), and
    /// commits it; a lost race starts over from the read. Returns the record as committed (with its new
    /// ETag), the current one for a change that was already committed, or null when nothing changed.
    /// </summary>
    public async Task<Versioned<Subscription>?> ChangeSubscriptionAsync(
        Func<Task<Versioned<Subscription>>> read,
        Func<Versioned<Subscription>, Task<SubscriptionChange?>> decide,
        ILifecycleSignals? signals,
        CancellationToken cancellationToken)
    {
        var (committed, work, pending) = await CommitAsync(
            read,
            decide,
            async (current, change, row) =>
            {
                if (change.Due is { } due)
                {
                    await subscriptions.AddDueAsync(due, cancellationToken);
                }

                var commit = new SubscriptionCommit(change.Next, current.ETag, change.Audit, change.Tokens, change.UsersToUpsert, change.UsersToDelete, row);
                return change.Purge
                    ? await subscriptions.PurgeAsync(commit, cancellationToken)
                    : await subscriptions.CommitAsync(commit, cancellationToken);
            },
            next => (next.Region, next.CustomerId),
            cancellationToken);
        if (work is not null)
        {
            await dispatcher.ApplyAsync(work, pending, committed!.Value, customer: null, signals, cancellationToken);
        }

        return committed;
    }

    /// <summary>Adds a new subscription with its sign-up audit line (its due item first); false when it already exists.</summary>
    public async Task<bool> AddSubscriptionAsync(Subscription subscription, AuditEntry signUp, DueItem? due, CancellationToken cancellationToken)
    {
        if (due is not null)
        {
            await subscriptions.AddDueAsync(due, cancellationToken);
        }

        return await subscriptions.InsertAsync(subscription, signUp, cancellationToken);
    }

    /// <summary>
    /// The customer counterpart of <see cref="ChangeSubscriptionAsync"/>: the record and its follow-up
    /// row in one transaction under the record's ETag, retried on a lost race. <paramref name="subscription"/>
    /// is the committed subscription a follow-up names, when the caller holds it.
    /// </summary>
    public async Task<Versioned<Customer>?> ChangeCustomerAsync(
        Func<Task<Versioned<Customer>>> read,
        Func<Versioned<Customer>, Task<CustomerChange?>> decide,
        Subscription? subscription,
        ILifecycleSignals? signals,
        CancellationToken cancellationToken)
    {
        var (committed, work, pending) = await CommitAsync(
            read,
            decide,
            (current, change, row) => customers.ReplaceAsync(change.Next, current.ETag, row, cancellationToken),
            next => (CustomerRegion(next), next.CustomerId),
            cancellationToken);
        if (work is not null)
        {
            await dispatcher.ApplyAsync(work, pending, subscription, committed!.Value, signals, cancellationToken);
        }

        return committed;
    }

    /// <summary>
    /// Adds a new customer, then applies its follow-ups (its listing line); false when the identifier is
    /// taken. Unlike a change, a new record needs no follow-up row nor hint: its identifier is
    /// time-ordered, so the sweep finds every customer created since its last pass by one key-range
    /// query (<see cref="FollowUpDispatcher.ListNewCustomersAsync"/>). A create stays two writes.
    /// </summary>
    public async Task<bool> AddCustomerAsync(CustomerChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.FollowUps is { } asked && (asked.Subscription is not null || asked.Mails is { Count: > 0 }))
        {
            throw new ArgumentException("A new customer's only follow-up is its listing line; the sweep repairs nothing else for it.", nameof(change));
        }

        var customer = change.Next;
        if (!change.AlreadyCommitted && !await customers.InsertAsync(customer, cancellationToken))
        {
            return false;
        }

        if (change.FollowUps is { IsEmpty: false } work)
        {
            await dispatcher.ApplyAsync(work, pending: null, subscription: null, customer, signals: null, cancellationToken);
        }

        return true;
    }

    /// <summary>
    /// The loop both kinds of record share: read, decide, hint, write under the ETag (<paramref name="write"/>,
    /// given the follow-up row), and again from the read after a lost race. Returns the record as written
    /// (or as read, for a change already committed), the follow-ups to apply (null: none), and the row.
    /// </summary>
    private async Task<(Versioned<T>? Committed, FollowUps? Work, PendingFollowUps? Pending)> CommitAsync<T, TChange>(
        Func<Task<Versioned<T>>> read,
        Func<Versioned<T>, Task<TChange?>> decide,
        Func<Versioned<T>, TChange, PendingFollowUps?, Task<string>> write,
        Func<T, (string Region, string CustomerId)> partitionOf,
        CancellationToken cancellationToken)
        where TChange : class, IChange<T>
    {
        PendingFollowUps? pending = null;
        var (committed, change) = await OptimisticRetry.RunAsync(async () =>
        {
            var current = await read();
            var change = await decide(current);
            if (change is null)
            {
                return ((Versioned<T>?)null, (TChange?)null);
            }

            if (change.AlreadyCommitted)
            {
                return (current with { Value = change.Next }, change);
            }

            var (region, customerId) = partitionOf(change.Next);
            pending = await HintAsync(pending, region, customerId, change.FollowUps, cancellationToken);
            return (new Versioned<T>(change.Next, await write(current, change, pending)), change);
        });

        return (committed, change?.FollowUps is { IsEmpty: false } work ? work : null, pending);
    }

    /// <summary>The follow-up row of this change, its hint written once before the first commit attempt.</summary>
    private async Task<PendingFollowUps?> HintAsync(PendingFollowUps? existing, string region, string customerId, FollowUps? work, CancellationToken cancellationToken)
    {
        if (work is null || work.IsEmpty)
        {
            return null;
        }

        if (existing is not null && existing.Region == region && existing.CustomerId == customerId)
        {
            return existing with { FollowUps = work };
        }

        var now = clock.GetUtcNow();
        var pending = new PendingFollowUps(region, customerId, PendingFollowUps.NewId(now), now, work);
        await followUps.AddHintAsync(pending, FollowUpDispatcher.HintDueAt(pending), cancellationToken);
        return pending;
    }

    private static string CustomerRegion(Customer customer) =>
        CustomerId.RegionOf(customer.CustomerId) ?? customer.Region;
}
