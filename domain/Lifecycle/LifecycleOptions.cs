namespace RapidStart.Domain.Lifecycle;

/// <summary>
/// The lengths of a subscription's life (section <c>RapidStart:Lifecycle</c>). Short values let tests
/// and demos run a whole life in seconds; orchestrations take them from their input, so a change
/// applies to new instances only.
/// </summary>
public sealed class LifecycleOptions
{
    public const string SectionName = "RapidStart:Lifecycle";

    public TimeSpan TrialPeriod { get; set; } = TimeSpan.FromDays(90);
    public TimeSpan RetentionPeriod { get; set; } = TimeSpan.FromDays(30);
    public TimeSpan InvitationLifetime { get; set; } = TimeSpan.FromDays(30);

    public static readonly IReadOnlyList<TimeSpan> DefaultReminderOffsets = [TimeSpan.FromDays(14), TimeSpan.FromDays(3)];

    /// <summary>
    /// How long before the trial deadline each reminder goes out; null means the defaults. (Not
    /// pre-filled: the configuration binder appends to a list, so defaults could never be replaced.)
    /// </summary>
    public List<TimeSpan>? ReminderOffsets { get; set; }

    public IReadOnlyList<TimeSpan> EffectiveReminderOffsets => ReminderOffsets is { Count: > 0 } configured ? configured : DefaultReminderOffsets;

    public int MaxSendsPerHour { get; set; } = 5;

    public string AgreementVersion { get; set; } = "2026-01";
    public string PrivacyStatementVersion { get; set; } = "2026-01";

    /// <summary>Public base URL that activation links point at (the app's own origin).</summary>
    public Uri PublicBaseUrl { get; set; } = new("http://127.0.0.1:7071/");
}
