using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace RapidStart.Bench;

/// <summary>
/// Counts the storage requests of this process (the local host, its Durable engine and the bench's
/// own reads) by what they touch, from Azure.Core's "Request" event: the product's tables, the
/// engine's History and Instances tables, its control and work-item queues, its lease blobs. Every
/// Azure SDK client in the process reports there, the Durable Azure Storage provider's included.
/// </summary>
/// <param name="productTables">The product's tables in this run; any other resource is named as it is.</param>
public sealed class StorageCalls(IReadOnlyCollection<string> productTables) : EventListener
{
    private const int RequestEventId = 1;

    private readonly ConcurrentDictionary<string, long> _calls = new(StringComparer.Ordinal);
    private volatile bool _counting;

    /// <summary>Requests counted between <see cref="Start"/> and <see cref="Stop"/>, by what they touch.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_calls);

    public void Start() => _counting = true;

    public void Stop() => _counting = false;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Azure-Core")
        {
            EnableEvents(eventSource, EventLevel.Informational);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (_counting && eventData.EventId == RequestEventId && eventData.Payload is { Count: > 2 } payload && payload[2] is string uri)
        {
            _calls.AddOrUpdate(Kind(uri, productTables), 1, (_, n) => n + 1);
        }
    }

    /// <summary>What a request touches, from its path: <c>/{account}/{table, queue or container}...</c> on Azurite.</summary>
    public static string Kind(string uri, IReadOnlyCollection<string> productTables)
    {
        var path = Uri.TryCreate(uri, UriKind.Absolute, out var parsed) ? parsed.AbsolutePath : uri;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = (segments.Length > 1 ? segments[1] : segments.FirstOrDefault() ?? "").Split('(', '?')[0];
        return resource switch
        {
            _ when resource.EndsWith("History", StringComparison.Ordinal) => "engine: History table",
            _ when resource.EndsWith("Instances", StringComparison.Ordinal) => "engine: Instances table",
            _ when resource.Contains("-control-", StringComparison.Ordinal) => "engine: control queues",
            _ when resource.EndsWith("-workitems", StringComparison.Ordinal) => "engine: work-item queue",
            _ when resource.Contains("-leases", StringComparison.Ordinal) || resource.Contains("-applease", StringComparison.Ordinal) => "engine: lease blobs",
            _ when resource.EndsWith("-largemessages", StringComparison.Ordinal) => "engine: large-message blobs",
            "Tables" => "table service (create, list)",
            _ when productTables.Contains(resource) => "product tables",
            _ => $"other: {resource}",
        };
    }
}
