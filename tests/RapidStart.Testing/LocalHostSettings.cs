using System.Globalization;

namespace RapidStart.Testing;

/// <summary>
/// The settings of a local host that tests run: Development, on the given ports, with its local
/// identity provider on a port of its own (with this run's certificate and signing key), tables,
/// task hub and mail folder of its own so that hosts don't see each other's data, and no timers.
/// </summary>
public static class LocalHostSettings
{
    /// <summary>A suffix for names no other host uses (letters and digits).</summary>
    public static string NewUnique() => Guid.NewGuid().ToString("N")[..10];

    /// <summary>
    /// Keys in configuration form (<c>RapidStart:Storage:TableName</c>). Task hub and main table are
    /// <paramref name="prefix"/> + <paramref name="unique"/>, the VOICE table <paramref name="prefix"/> + "voice" + <paramref name="unique"/>.
    /// </summary>
    public static Dictionary<string, string?> Isolated(
        string storageConnectionString, string prefix, string unique, string baseUrl, int sidecarPort, string mailDirectory) => new Dictionary<string, string?>
    {
        ["RapidStart:LocalHost:Url"] = baseUrl,
        ["RapidStart:LocalHost:SidecarPort"] = sidecarPort.ToString(CultureInfo.InvariantCulture),
        ["RapidStart:LocalHost:TaskHubName"] = prefix + unique,
        ["RapidStart:LocalHost:RunTimers"] = "false",
        ["RapidStart:Storage:ConnectionString"] = storageConnectionString,
        ["RapidStart:Storage:TableName"] = prefix + unique,
        ["RapidStart:Storage:VoiceTableName"] = prefix + "voice" + unique,
        ["RapidStart:Email:PickupDirectory"] = mailDirectory,
        ["RapidStart:Lifecycle:PublicBaseUrl"] = baseUrl + "/",
    }.With(LocalIdentity());

    /// <summary>
    /// The local identity provider of a test host: a free port, this run's certificate and signing key
    /// (for hosts whose other settings a test writes itself).
    /// </summary>
    public static Dictionary<string, string?> LocalIdentity() => new()
    {
        ["RapidStart:LocalIdentity:Url"] = $"https://localhost:{LoopbackPorts.Free()}",
        ["RapidStart:LocalIdentity:CertificatePath"] = LocalIdentityTestKeys.CertificatePath,
        ["RapidStart:LocalIdentity:SigningKeyPath"] = LocalIdentityTestKeys.SigningKeyPath,
    };

    /// <summary>
    /// For programs that print a report to stdout (the bench, the soak): the host logs only warnings
    /// and errors, and all of its log to stderr.
    /// </summary>
    public static Dictionary<string, string?> WarningsToStandardError() => new()
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:Console:LogToStandardErrorThreshold"] = "Trace",
    };

    private static Dictionary<string, string?> With(this Dictionary<string, string?> settings, Dictionary<string, string?> more)
    {
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>The same settings as environment variables (<c>RapidStart__Storage__TableName</c>), for a host run as a process.</summary>
    public static Dictionary<string, string> AsEnvironment(IReadOnlyDictionary<string, string?> settings) =>
        settings.ToDictionary(p => p.Key.Replace(":", "__", StringComparison.Ordinal), p => p.Value ?? "");
}
