namespace RapidStart.Domain.Problems;

/// <summary>
/// Re-reads and re-applies a change when a concurrent writer moved the ETag first. The change
/// function must read its own inputs, so each attempt decides on fresh state.
/// </summary>
public static class OptimisticRetry
{
    public const int Attempts = 8;

    public static async Task<T> RunAsync<T>(Func<Task<T>> change)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await change();
            }
            catch (ConcurrencyConflictException) when (attempt < Attempts)
            {
                await Task.Delay(Random.Shared.Next(5, 20 * attempt));
            }
        }
    }

    /// <summary>
    /// A caller's stale version is their problem (412), not a race to retry. <paramref name="expectedETag"/>
    /// is the ETag the caller last read, or null when the caller asks for no check.
    /// </summary>
    public static void CheckExpectedETag(string? expectedETag, string etag)
    {
        if (expectedETag is not null && expectedETag != etag)
        {
            throw ProblemException.PreconditionFailed();
        }
    }
}
