using System.Net.Sockets;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>How an armed <see cref="FaultInjectionPolicy"/> fails a request.</summary>
public enum FaultKind
{
    /// <summary>Throws <see cref="RequestFailedException"/> with status 503 (Azure.Core does not retry an exception it did not classify).</summary>
    ServiceUnavailable,

    /// <summary>
    /// Throws an <see cref="IOException"/>, as HttpClient does when the connection is cut while the
    /// response is read. Azure.Core retries it, so arm it for every attempt (<c>times: 4</c> with the
    /// router's 3 retries) to make the operation fail.
    /// </summary>
    ConnectionDropped,

    /// <summary>
    /// Throws <see cref="RequestFailedException"/> with status 0 wrapping a socket error, as Azure.Core's
    /// transport does when the connection is refused or reset before an answer. Retried by Azure.Core.
    /// </summary>
    ConnectionReset,

    /// <summary>
    /// Lets the request reach storage, then loses the answer (status 0, connection reset), as when
    /// the network timeout strikes after the service applied a write. Azure.Core sends it again.
    /// </summary>
    ResponseLost,
}

/// <summary>What a fault predicate sees of one storage request.</summary>
/// <param name="Method">HTTP method (a table transaction is a POST to <c>$batch</c>).</param>
/// <param name="RawUrl">The URL as sent: key values are percent-encoded (<c>|</c> is <c>%7C</c>).</param>
/// <param name="Url">The URL percent-decoded, so a predicate can look for <c>|partner|</c>.</param>
/// <param name="Body">
/// The request body as text: the entity JSON of an insert (its keys are only in the body), or the
/// multipart body of a transaction (each operation's request line and JSON).
/// </param>
public sealed record StorageRequest(string Method, string RawUrl, string Url, string Body)
{
    public bool IsWrite => Method is not ("GET" or "HEAD");

    public bool IsBatch => RawUrl.Contains("$batch", StringComparison.Ordinal);

    /// <summary>True when the URL or the body names <paramref name="fragment"/> (written with plain <c>|</c>), however it was encoded.</summary>
    public bool Mentions(string fragment) =>
        Url.Contains(fragment, StringComparison.Ordinal)
        || Body.Contains(fragment, StringComparison.Ordinal)
        || Body.Contains(fragment.Replace("|", "%7C", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase)
        || Body.Contains(fragment.Replace("|", "\\u007C", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// A test-only Azure.Core pipeline policy for the table clients: once armed, it fails the
/// <c>nth</c> request matching a predicate (and the <c>times - 1</c> matching requests after it), then
/// lets everything through again. Added per retry, so it sees every attempt the SDK makes.
/// </summary>
/// <remarks>
/// How Azure.Data.Tables puts keys on the wire: a point operation (get, update, upsert, delete)
/// names the entity in the URL, <c>Table(PartitionKey='eu-west%7Cpartner%7CP-1001',RowKey='...')</c>;
/// an insert is a POST to the table with the keys only in the JSON body; a transaction is a POST
/// to <c>$batch</c> whose multipart body carries each operation. <see cref="StorageRequest.Mentions"/>
/// looks in all of them.
/// </remarks>
public sealed class FaultInjectionPolicy : HttpPipelinePolicy
{
    private readonly Lock _gate = new();
    private Rule? _rule;
    private int _injected;

    /// <summary>Requests failed since the policy was created.</summary>
    public int Injected => Volatile.Read(ref _injected);

    /// <summary>The requests the armed fault failed (method and decoded URL); cleared when armed again.</summary>
    public List<string> Log { get; } = [];

    public bool IsArmed
    {
        get
        {
            lock (_gate)
            {
                return _rule is { } rule && rule.Remaining > 0;
            }
        }
    }

    /// <summary>Arms the policy: the <paramref name="nth"/> matching request fails, and the next <paramref name="times"/> - 1 matching ones too.</summary>
    public void Arm(Func<StorageRequest, bool> match, FaultKind kind = FaultKind.ServiceUnavailable, int nth = 1, int times = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        lock (_gate)
        {
            Log.Clear();
            _rule = new Rule(match, kind, nth, times);
        }
    }

    public void Disarm()
    {
        lock (_gate)
        {
            _rule = null;
        }
    }

    /// <summary>Waits until the armed fault has been injected completely (every one of its <c>times</c>).</summary>
    public async Task WaitUntilSpentAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsArmed)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The armed storage fault was never triggered.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Writes (not reads) that touch <paramref name="fragment"/>, e.g. <c>|partner|P-1001</c>.</summary>
    public static Func<StorageRequest, bool> WritesTo(string fragment) => r => r.IsWrite && r.Mentions(fragment);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var lose = Inject(message);
        ProcessNext(message, pipeline);
        if (lose)
        {
            throw ResponseLostFault();
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var lose = Inject(message);
        await ProcessNextAsync(message, pipeline);
        if (lose)
        {
            throw ResponseLostFault();
        }
    }

    private static RequestFailedException ResponseLostFault() =>
        new(0, "Injected fault: the answer was lost after storage handled the request.", new HttpRequestException(
            "Connection reset by peer", new SocketException((int)SocketError.ConnectionReset)));

    /// <summary>Throws the armed fault for a matching request, or returns true when its answer is to be lost after it is sent.</summary>
    private bool Inject(HttpMessage message)
    {
        FaultKind kind;
        lock (_gate)
        {
            if (_rule is not { Remaining: > 0 } rule)
            {
                return false;
            }

            var request = Describe(message.Request);
            if (!rule.Match(request))
            {
                return false;
            }

            rule.Seen++;
            if (rule.Seen < rule.Nth)
            {
                return false;
            }

            rule.Remaining--;
            kind = rule.Kind;
            Log.Add($"{request.Method} {request.Url}");
        }

        Interlocked.Increment(ref _injected);
        if (kind == FaultKind.ResponseLost)
        {
            return true;
        }

        throw kind switch
        {
            FaultKind.ConnectionDropped => new IOException("Injected fault: the connection was closed while the response was read."),
            FaultKind.ConnectionReset => new RequestFailedException(0, "Injected fault: connection reset by peer.", new HttpRequestException(
                "Connection reset by peer", new SocketException((int)SocketError.ConnectionReset))),
            _ => new RequestFailedException(503, "Injected fault: the storage service is unavailable.", "ServerBusy", null),
        };
    }

    private static StorageRequest Describe(Request request)
    {
        var raw = request.Uri.ToString();
        string body = "";
        if (request.Content is { } content)
        {
            using var buffer = new MemoryStream();
            content.WriteTo(buffer, CancellationToken.None);
            body = Encoding.UTF8.GetString(buffer.ToArray());
        }

        return new StorageRequest(request.Method.Method, raw, Uri.UnescapeDataString(raw), body);
    }

    private sealed class Rule(Func<StorageRequest, bool> match, FaultKind kind, int nth, int times)
    {
        public Func<StorageRequest, bool> Match { get; } = match;

        public FaultKind Kind { get; } = kind;

        public int Nth { get; } = nth;

        public int Seen { get; set; }

        public int Remaining { get; set; } = times;
    }
}
