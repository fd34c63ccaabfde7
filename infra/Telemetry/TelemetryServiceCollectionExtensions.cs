using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RapidStart.Domain.Telemetry;

namespace RapidStart.Infrastructure.Telemetry;

/// <summary>
/// OpenTelemetry traces, metrics and logs: to Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>
/// is set; metrics to the console every minute when <c>RapidStart:Telemetry:Console</c> is true (the local
/// host's default), and spans too with <c>RapidStart:Telemetry:ConsoleTraces</c> (verbose). Logs go to the console anyway.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    public static IServiceCollection AddRapidStartTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var azureMonitor = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var console = configuration.GetValue("RapidStart:Telemetry:Console", false);
        if (string.IsNullOrEmpty(azureMonitor) && !console)
        {
            return services;
        }

        // The Azure SDK emits spans for every storage call only when asked to.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("rapidstart"))
            .WithTracing(tracing =>
            {
                tracing.AddSource(RapidStartTelemetry.Name, "Azure.Data.Tables.*", "Microsoft.DurableTask*")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                if (!string.IsNullOrEmpty(azureMonitor))
                {
                    tracing.AddAzureMonitorTraceExporter(o => o.ConnectionString = azureMonitor);
                }

                if (configuration.GetValue("RapidStart:Telemetry:ConsoleTraces", false))
                {
                    tracing.AddConsoleExporter();
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

                if (console)
                {
                    metrics.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 60_000);
                }
            })
            .WithLogging(logging =>
            {
                if (!string.IsNullOrEmpty(azureMonitor))
                {
                    logging.AddAzureMonitorLogExporter(o => o.ConnectionString = azureMonitor);
                }
            });
        return services;
    }
}
