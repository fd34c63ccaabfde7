using DurableTask.AzureStorage;
using Microsoft.DurableTask.Client;
using RapidStart.Functions.Http;

namespace RapidStart.LocalHost;

/// <summary>
/// Health says "ok" only once the Durable engine has run an orchestration end to end: right after
/// start the Azure Storage provider waits some seconds for its partition leases, and a test or a
/// user arriving before that would see the first activation stall.
/// </summary>
public sealed class EngineReadiness(AzureStorageOrchestrationService service, DurableTaskClient client, IHostApplicationLifetime lifetime, ILogger<EngineReadiness> logger)
    : BackgroundService, IEngineReadiness
{
    public const string ProbeOrchestration = "LocalHostReadinessProbe";

    private volatile bool _ready;

    public bool IsReady => _ready;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await service.CreateIfNotExistsAsync();
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var instanceId = await client.ScheduleNewOrchestrationInstanceAsync(ProbeOrchestration, "ready", stoppingToken);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(TimeSpan.FromMinutes(2));
                var result = await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: false, timeout.Token);
                await client.PurgeInstanceAsync(instanceId, cancellation: stoppingToken);
                if (result.RuntimeStatus == OrchestrationRuntimeStatus.Completed)
                {
                    _ready = true;
                    logger.LogInformation("Durable Task engine ready");
                    return;
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Durable Task engine not ready yet; retrying");
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }
}
