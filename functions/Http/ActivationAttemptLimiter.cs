using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Problems;

namespace RapidStart.Functions.Http;

/// <summary>
/// Slows down anyone guessing activation links: a client (remote address) whose links keep turning
/// out unknown or dead gets 429 for a while. Guessing a 256-bit secret is hopeless anyway; this keeps
/// the attempt from costing storage reads. Counts are per instance (a front door rate limit covers a
/// scaled-out app), and a client's window is forgotten once it has passed.
/// </summary>
public sealed class ActivationAttemptLimiter(IOptions<ActivationAttemptOptions> options, TimeProvider clock)
{
    private int MaxFailures => options.Value.MaxFailedAttempts;

    private TimeSpan Window => options.Value.Window;

    private readonly ConcurrentDictionary<IPAddress, Failures> _clients = new();

    /// <summary>Throws 429 when the client has failed too often in the current window.</summary>
    public void EnsureAllowed(IPAddress? client)
    {
        if (client is null || !_clients.TryGetValue(client, out var failures))
        {
            return;
        }

        var now = clock.GetUtcNow();
        lock (failures)
        {
            if (now - failures.WindowStart >= Window)
            {
                _clients.TryRemove(new KeyValuePair<IPAddress, Failures>(client, failures));
                return;
            }

            if (failures.Count >= MaxFailures)
            {
                throw ProblemException.TooManyRequests(
                    "Too many unknown or expired activation links from this address; wait before trying again.",
                    failures.WindowStart + Window - now);
            }
        }
    }

    public void RecordFailure(IPAddress? client)
    {
        if (client is null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var failures = _clients.GetOrAdd(client, _ => new Failures(now));
        lock (failures)
        {
            if (now - failures.WindowStart >= Window)
            {
                failures.WindowStart = now;
                failures.Count = 0;
            }

            failures.Count++;
        }
    }

    private sealed class Failures(DateTimeOffset windowStart)
    {
        public DateTimeOffset WindowStart { get; set; } = windowStart;

        public int Count { get; set; }
    }
}

/// <summary>Section <c>RapidStart:Activation</c>: how many dead or unknown links a client may try per window.</summary>
public sealed class ActivationAttemptOptions
{
    public const string SectionName = "RapidStart:Activation";

    public int MaxFailedAttempts { get; set; } = 20;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(10);
}
