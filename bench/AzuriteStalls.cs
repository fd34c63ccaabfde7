using System.Diagnostics;
using Azure.Data.Tables;

namespace RapidStart.Bench;

/// <summary>A span of time in which Azurite answered nothing (Stopwatch timestamps).</summary>
public sealed record AzuriteStall(long Start, long End)
{
    public TimeSpan Duration => Stopwatch.GetElapsedTime(Start, End);

    public bool Overlaps(long from, long to) => End > from && Start < to;
}

/// <summary>
/// Watches for the seconds-long pauses of in-memory Azurite: a point read of a one-row scratch table
/// every 100 ms, and every one that took longer than <see cref="Threshold"/> noted as a stall. Azurite
/// serves tables, queues and blobs from one node event loop, and every 60 s its queue service's
/// garbage collector deletes the stored payloads of consumed queue messages one by one, each deletion
/// re-sorting an index of all of them (LokiJS <c>ensureIndex</c>); the Durable engine's queues make
/// thousands of such messages, so the pass blocks everything for seconds (CPU profile of Azurite in
/// docs/benchmarks.md). A measurement that such a stall falls into measures the stall, not the read.
/// </summary>
public sealed class AzuriteStalls : IAsyncDisposable
{
    public static readonly TimeSpan Threshold = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly TableClient _table;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<AzuriteStall> _stalls = [];
    private readonly Lock _lock = new();
    private Task _watching = Task.CompletedTask;
    private long _readSince;

    private AzuriteStalls(TableClient table) => _table = table;

    public static async Task<AzuriteStalls> StartAsync(string connectionString, CancellationToken cancellationToken)
    {
        var watch = new AzuriteStalls(new TableClient(connectionString, "benchstalls" + Guid.NewGuid().ToString("N")[..8]));
        await watch._table.CreateIfNotExistsAsync(cancellationToken);
        await watch._table.UpsertEntityAsync(new TableEntity("canary", "canary"), cancellationToken: cancellationToken);
        watch._watching = Task.Run(watch.WatchAsync, CancellationToken.None);
        return watch;
    }

    /// <summary>The stalls that ended after <paramref name="from"/> and began before <paramref name="to"/>, including one still going on.</summary>
    public IReadOnlyList<AzuriteStall> Between(long from, long to)
    {
        lock (_lock)
        {
            var now = Stopwatch.GetTimestamp();
            var ongoing = _readSince != 0 && Stopwatch.GetElapsedTime(_readSince, now) > Threshold ? [new AzuriteStall(_readSince, now)] : Array.Empty<AzuriteStall>();
            return _stalls.Concat(ongoing).Where(s => s.Overlaps(from, to)).ToArray();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watching;
        await BenchHost.BestEffortAsync(() => _table.DeleteAsync(CancellationToken.None));
        _stop.Dispose();
    }

    private async Task WatchAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            lock (_lock)
            {
                _readSince = started;
            }

            try
            {
                await _table.GetEntityAsync<TableEntity>("canary", "canary", cancellationToken: _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Azure.RequestFailedException)
            {
                // A failed read still tells how long Azurite took to answer.
            }

            var ended = Stopwatch.GetTimestamp();
            lock (_lock)
            {
                _readSince = 0;
                if (Stopwatch.GetElapsedTime(started, ended) > Threshold)
                {
                    _stalls.Add(new AzuriteStall(started, ended));
                }
            }

            try
            {
                await Task.Delay(Interval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
