using System.Diagnostics;

namespace RapidStart.Bench;

/// <summary>Latency percentiles of one measurement, in milliseconds.</summary>
public sealed record LatencyStats(int Count, double P50, double P99, double Max)
{
    public static LatencyStats Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        return sorted.Length == 0
            ? new LatencyStats(0, double.NaN, double.NaN, double.NaN)
            : new LatencyStats(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted[^1]);
    }

    /// <summary>Nearest-rank percentile: the smallest value with at least <paramref name="p"/> of the samples at or below it.</summary>
    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>What one closed-loop measurement produced (possibly several slices of it, merged).</summary>
public sealed record LoadResult(string Name, int Clients, int Succeeded, int Failed, TimeSpan Elapsed, IReadOnlyList<double> Samples, string? FirstError)
{
    public double PerSecond => Succeeded / Elapsed.TotalSeconds;

    public LatencyStats Latency { get; } = LatencyStats.Of(Samples);

    /// <summary>Slices of one measurement as one: counts and times add up, latencies pool.</summary>
    public static LoadResult Merge(IReadOnlyList<LoadResult> slices) => new(
        slices[0].Name,
        slices[0].Clients,
        slices.Sum(s => s.Succeeded),
        slices.Sum(s => s.Failed),
        TimeSpan.FromTicks(slices.Sum(s => s.Elapsed.Ticks)),
        slices.SelectMany(s => s.Samples).ToArray(),
        slices.Select(s => s.FirstError).FirstOrDefault(e => e is not null));
}

/// <summary>
/// A closed-loop load generator: <c>clients</c> concurrent loops, each sending its next request as
/// soon as the previous one answered. Every loop is bounded by a deadline and by a request count.
/// </summary>
public static class Load
{
    /// <summary>At most this many requests per client and measurement, whatever the duration.</summary>
    public const int MaxRequestsPerClient = 200_000;

    /// <summary>
    /// Runs <paramref name="operation"/> (given the client index and its sequence number; true =
    /// success) for <paramref name="warmUp"/> without recording, then for <paramref name="duration"/>
    /// recording every latency.
    /// </summary>
    public static async Task<LoadResult> RunAsync(
        string name, int clients, TimeSpan warmUp, TimeSpan duration, Func<int, long, Task<bool>> operation, CancellationToken cancellationToken)
    {
        long sequence = 0;
        if (warmUp > TimeSpan.Zero)
        {
            await RunLoopsAsync(clients, warmUp, operation, () => Interlocked.Increment(ref sequence), record: false, cancellationToken);
        }

        var (latencies, failed, elapsed, firstError) =
            await RunLoopsAsync(clients, duration, operation, () => Interlocked.Increment(ref sequence), record: true, cancellationToken);
        return new LoadResult(name, clients, latencies.Count, failed, elapsed, latencies, firstError);
    }

    /// <summary>
    /// Measures two operations against each other: each warms up, then they take turns in the order
    /// A B B A (twice the slices when <paramref name="slices"/> is 4), so that a drift of the
    /// machine or of Azurite over time (tables grow) falls on both alike.
    /// </summary>
    public static async Task<(LoadResult A, LoadResult B)> PairedAsync(
        string nameA, Func<int, long, Task<bool>> a, string nameB, Func<int, long, Task<bool>> b,
        int clients, TimeSpan warmUp, TimeSpan duration, int slices, CancellationToken cancellationToken)
    {
        var (resultsA, resultsB) = await PairedSlicesAsync(nameA, a, nameB, b, clients, warmUp, duration, slices, cancellationToken);
        return (LoadResult.Merge(resultsA), LoadResult.Merge(resultsB));
    }

    /// <summary>
    /// <see cref="PairedAsync"/> slice by slice: the k-th slices of A and B were taken next to each
    /// other (A B, then B A, ...), so their ratio is free of slower drift.
    /// </summary>
    public static async Task<(IReadOnlyList<LoadResult> A, IReadOnlyList<LoadResult> B)> PairedSlicesAsync(
        string nameA, Func<int, long, Task<bool>> a, string nameB, Func<int, long, Task<bool>> b,
        int clients, TimeSpan warmUp, TimeSpan duration, int slices, CancellationToken cancellationToken)
    {
        var slice = duration / slices;
        var resultsA = new List<LoadResult> { await RunAsync(nameA, clients, warmUp, slice, a, cancellationToken) };
        var resultsB = new List<LoadResult> { await RunAsync(nameB, clients, warmUp, slice, b, cancellationToken) };
        for (var k = 1; k < slices; k++)
        {
            // After A B: B A, then A B, ...
            if (k % 2 == 1)
            {
                resultsB.Add(await RunAsync(nameB, clients, TimeSpan.Zero, slice, b, cancellationToken));
                resultsA.Add(await RunAsync(nameA, clients, TimeSpan.Zero, slice, a, cancellationToken));
            }
            else
            {
                resultsA.Add(await RunAsync(nameA, clients, TimeSpan.Zero, slice, a, cancellationToken));
                resultsB.Add(await RunAsync(nameB, clients, TimeSpan.Zero, slice, b, cancellationToken));
            }
        }

        return (resultsA, resultsB);
    }

    private static async Task<(List<double> Latencies, int Failed, TimeSpan Elapsed, string? FirstError)> RunLoopsAsync(
        int clients, TimeSpan duration, Func<int, long, Task<bool>> operation, Func<long> next, bool record, CancellationToken cancellationToken)
    {
        var perClient = Enumerable.Range(0, clients).Select(_ => new List<double>(4096)).ToArray();
        var failed = 0;
        string? firstError = null;
        var clock = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var samples = perClient[client];
            for (var n = 0; n < MaxRequestsPerClient && clock.Elapsed < duration && !cancellationToken.IsCancellationRequested; n++)
            {
                var started = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    ok = await operation(client, next());
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Azure.RequestFailedException or IOException)
                {
                    Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message.Split('\n')[0]}", null);
                    ok = false;
                }

                if (!ok)
                {
                    Interlocked.Increment(ref failed);
                }
                else if (record)
                {
                    samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        }, cancellationToken)).ToArray();
        await Task.WhenAll(loops);
        var elapsed = clock.Elapsed;
        return (perClient.SelectMany(s => s).ToList(), failed, elapsed, firstError);
    }

    /// <summary>Runs <paramref name="work"/> for every item with at most <paramref name="parallelism"/> at a time.</summary>
    public static Task ForEachAsync<T>(IEnumerable<T> items, int parallelism, Func<T, CancellationToken, ValueTask> work, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, work);
}
