using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RapidStart.Domain.Telemetry;

namespace RapidStart.Infrastructure.Telemetry;

/// <summary>
/// OpenTelemetry traces, metrics and logs: each request with its table calls, each orchestration with its
/// activities. In Azure they go to Azure Monitor (<c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>); locally
/// over OTLP to the endpoint in <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, the Aspire dashboard that
/// <c>./rapidstart up</c> starts. The console keeps the readable log lines only: no telemetry is dumped there.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>The standard OpenTelemetry setting for where OTLP goes (gRPC).</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public const string ServiceName = "rapidstart";

    public static IServiceCollection AddRapidStartTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var azureMonitor = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var otlp = configuration[OtlpEndpointSetting] is { Length: > 0 } endpoint ? new Uri(endpoint) : null;
        if (string.IsNullOrEmpty(azureMonitor) && otlp is null)
        {
            return services;
        }

        void Otlp(OtlpExporterOptions options)
        {
            options.Endpoint = otlp!;
            options.Protocol = OtlpExportProtocol.Grpc;
        }

        // The Azure SDK emits spans for every storage call only when asked to.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(RapidStartTelemetry.Name, "Azure.Data.Tables.*", "Microsoft.DurableTask*")
                    .AddAspNetCoreInstrumentation(o => o.Filter = IsApiRequest)
                    .AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = IsPartOfAnOperation);
                if (!string.IsNullOrEmpty(azureMonitor))
                {
                    tracing.AddAzureMonitorTraceExporter(o => o.ConnectionString = azureMonitor);
                }

                if (otlp is not null)
                {
                    tracing.AddOtlpExporter(Otlp);
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(RapidStartTelemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                if (!string.IsNullOrEmpty(azureMonitor))
                {
                    metrics.AddAzureMonitorMetricExporter(o => o.ConnectionString = azureMonitor);
                }

                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(Otlp);
                }
            })
            .WithLogging(logging =>
            {
                if (!string.IsNullOrEmpty(azureMonitor))
                {
                    logging.AddAzureMonitorLogExporter(o => o.ConnectionString = azureMonitor);
                }

                if (otlp is not null)
                {
                    logging.AddOtlpExporter(Otlp);
                }
            });
        return services;
    }

    /// <summary>
    /// A request to the API, not a health probe (polled every few seconds, by the platform too) nor the
    /// local Durable sidecar's gRPC: those would bury the requests that do something.
    /// </summary>
    private static bool IsApiRequest(Microsoft.AspNetCore.Http.HttpContext context) =>
        context.Request.Path.StartsWithSegments("/api") && !context.Request.Path.StartsWithSegments("/api/health");

    /// <summary>
    /// An outgoing HTTP call inside a traced operation (a table call, an email). Calls that start a trace
    /// of their own are the Durable provider's queue polling, one a second, and the Durable sidecar's gRPC:
    /// traced, they would bury the requests and orchestrations.
    /// </summary>
    private static bool IsPartOfAnOperation(HttpRequestMessage request) =>
        System.Diagnostics.Activity.Current is { ParentSpanId: var parent } && parent != default
        && request.RequestUri?.AbsolutePath.StartsWith("/TaskHubSidecarService/", StringComparison.Ordinal) != true;
}
