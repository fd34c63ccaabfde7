using RapidStart.Domain.Changes;

namespace RapidStart.Domain.Customers;

/// <summary>A page of results and the opaque token for the next one (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? ContinuationToken);

/// <summary>Persistence of customers, their partner listing and VOICE number claims.</summary>
public interface ICustomerStore
{
    Task<Versioned<Customer>?> GetAsync(string customerId, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts a new customer record; false when the identifier is taken. A new customer needs no
    /// follow-up row: the sweep finds it by its time-ordered identifier (<see cref="ListCreatedAsync"/>).
    /// </summary>
    Task<bool> InsertAsync(Customer customer, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the record if its ETag is still <paramref name="etag"/>, with its follow-up row in the same
    /// transaction; throws <see cref="Problems.ConcurrencyConflictException"/> otherwise.
    /// </summary>
    Task<string> ReplaceAsync(Customer customer, string etag, PendingFollowUps? followUps, CancellationToken cancellationToken);

    /// <summary>Writes the customer's entry in its partner's listing (last writer wins: it is a copy).</summary>
    Task UpsertListingAsync(Customer customer, CancellationToken cancellationToken);

    /// <summary>Writes the customer's listing line unless it has one (a later change may have written a newer copy); false when it had.</summary>
    Task<bool> AddListingAsync(Customer customer, CancellationToken cancellationToken);

    Task<bool> IsListedAsync(Customer customer, CancellationToken cancellationToken);

    /// <summary>
    /// The customers of <paramref name="region"/> whose identifiers were minted in [<paramref name="from"/>,
    /// <paramref name="to"/>): one key-range query, as identifiers sort by their minting time.
    /// </summary>
    IAsyncEnumerable<Customer> ListCreatedAsync(string region, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>Up to when the sweep has made sure that the new customers of <paramref name="region"/> are listed; null before its first pass.</summary>
    Task<DateTimeOffset?> GetListedUntilAsync(string region, CancellationToken cancellationToken);

    Task SetListedUntilAsync(string region, DateTimeOffset until, CancellationToken cancellationToken);

    Task<Page<Customer>> ListAsync(string partnerId, string? continuationToken, int pageSize, CancellationToken cancellationToken);

    /// <summary>Who holds a VOICE account number, if anyone. Claims live in the region of the VOICE account's address.</summary>
    Task<VoiceClaim?> GetVoiceClaimAsync(string region, string accountNumber, CancellationToken cancellationToken);

    /// <summary>Claims a VOICE number for a customer: insert, or take over <paramref name="stale"/> by ETag; false if someone else got there first.</summary>
    Task<bool> TryClaimVoiceNumberAsync(string region, string accountNumber, string customerId, VoiceClaim? stale, CancellationToken cancellationToken);
}

public sealed record VoiceClaim(string AccountNumber, string CustomerId, DateTimeOffset ClaimedAt, string ETag);
