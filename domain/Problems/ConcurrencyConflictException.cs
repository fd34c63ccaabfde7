namespace RapidStart.Domain.Problems;

/// <summary>
/// A store's optimistic-concurrency check failed (the ETag moved). Services re-read and retry the
/// change a few times; only a caller's own stale expected ETag becomes a 412.
/// </summary>
public sealed class ConcurrencyConflictException() : Exception("The record changed while it was being written.");
