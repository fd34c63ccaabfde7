using System.Reflection;

namespace RapidStart.LocalHost;

/// <summary>
/// The standalone Aspire dashboard (NuGet <c>Aspire.Dashboard.Sdk.linux-x64</c>, downloaded into the NuGet
/// cache by this project's restore): a self-contained executable that takes OTLP and shows traces, logs
/// and metrics. <c>./rapidstart up</c> starts it beside the host; the dashboard test starts its own.
/// </summary>
public static class AspireDashboard
{
    /// <summary>Where restore put the executable (stamped on this assembly at build time).</summary>
    public static string ExecutablePath { get; } =
        typeof(AspireDashboard).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AspireDashboard").Value!;

    /// <summary>
    /// The environment that makes it listen on loopback only, the browser front end on
    /// <paramref name="url"/> and OTLP/gRPC on <paramref name="otlpUrl"/>, with no sign-in (local use).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Environment(string url, string otlpUrl) => new Dictionary<string, string>
    {
        ["ASPNETCORE_URLS"] = url,
        ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = otlpUrl,
        ["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true",
    };
}
