namespace RapidStart.Testing;

/// <summary>The one polling loop of the tests: probe, check, wait, until the condition holds or time runs out.</summary>
public static class Polling
{
    /// <summary>
    /// Probes until <paramref name="done"/> holds, every <paramref name="interval"/>; after
    /// <paramref name="timeout"/> it stops (having probed once past the deadline). Returns whether the
    /// condition held, and the last value probed.
    /// </summary>
    public static async Task<(bool Done, T Last)> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, TimeSpan interval)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var last = await probe();
            if (done(last))
            {
                return (true, last);
            }

            if (DateTime.UtcNow > deadline)
            {
                return (false, last);
            }

            await Task.Delay(interval);
        }
    }
}
