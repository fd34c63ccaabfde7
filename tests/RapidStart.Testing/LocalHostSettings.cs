using System.Globalization;

namespace RapidStart.Testing;

/// <summary>
/// The settings of a local host that tests run: Development with the development issuer and its
/// fixed key, on the given ports, with tables, task hub and mail folder of its own so that hosts
/// don't see each other's data, no timers and no console telemetry.
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
        string storageConnectionString, string prefix, string unique, string baseUrl, int sidecarPort, string mailDirectory) => new()
    {
        ["RapidStart:LocalHost:Url"] = baseUrl,
        ["RapidStart:LocalHost:SidecarPort"] = sidecarPort.ToString(CultureInfo.InvariantCulture),
        ["RapidStart:LocalHost:TaskHubName"] = prefix + unique,
        ["RapidStart:LocalHost:RunTimers"] = "false",
        ["RapidStart:Storage:ConnectionString"] = storageConnectionString,
        ["RapidStart:Storage:TableName"] = prefix + unique,
        ["RapidStart:Storage:VoiceTableName"] = prefix + "voice" + unique,
        ["RapidStart:Email:PickupDirectory"] = mailDirectory,
        ["RapidStart:Auth:ClientId"] = TestAuth.ClientId,
        ["RapidStart:Auth:DevelopmentIssuerEnabled"] = "true",
        ["RapidStart:Auth:DevelopmentSigningKey"] = Convert.ToBase64String(DevTokens.SigningKey),
        ["RapidStart:Telemetry:Console"] = "false",
        ["RapidStart:Lifecycle:PublicBaseUrl"] = baseUrl + "/",
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

    /// <summary>The same settings as environment variables (<c>RapidStart__Storage__TableName</c>), for a host run as a process.</summary>
    public static Dictionary<string, string> AsEnvironment(IReadOnlyDictionary<string, string?> settings) =>
        settings.ToDictionary(p => p.Key.Replace(":", "__", StringComparison.Ordinal), p => p.Value ?? "");
}
