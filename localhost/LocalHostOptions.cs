namespace RapidStart.LocalHost;

/// <summary>Section <c>RapidStart:LocalHost</c>: where the local host listens and which task hub it uses.</summary>
public sealed class LocalHostOptions
{
    public const string SectionName = "RapidStart:LocalHost";

    /// <summary>The API address, like <c>func start</c>'s: http://127.0.0.1:7071.</summary>
    public string Url { get; set; } = "http://127.0.0.1:7071";

    /// <summary>The Aspire dashboard's address, printed at start (<c>./rapidstart up</c> starts it and sets this); none: not printed.</summary>
    public string? DashboardUrl { get; set; }

    /// <summary>Loopback port of the in-process Durable Task sidecar (gRPC, HTTP/2).</summary>
    public int SidecarPort { get; set; } = 7072;

    public string TaskHubName { get; set; } = "RapidStartLocal";

    /// <summary>How often idle queues are polled at most; short, so a local run reacts within about a second.</summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a dequeued Durable message stays invisible before another worker may take it. A
    /// process killed mid-work leaves its messages locked this long (the provider's default is five
    /// minutes; locally a restart should pick the work up within seconds).
    /// </summary>
    public TimeSpan MessageVisibilityTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a stop waits for in-flight work before the process exits.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether timer-triggered functions run on their schedules (tests turn it off and call the sweep directly).</summary>
    public bool RunTimers { get; set; } = true;

    /// <summary>
    /// Crash tests only: how long a subscription commit with follow-ups waits before they are applied,
    /// so the test can kill the process in between (<see cref="HeldCommits"/>). Zero, the default, is off.
    /// </summary>
    public TimeSpan HoldAfterCommit { get; set; } = TimeSpan.Zero;
}
