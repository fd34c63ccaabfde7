using System.Reflection;
using System.Text.Json;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Options;
using RapidStart.Functions;
using RapidStart.Functions.Lifecycle;
using RapidStart.Infrastructure.Storage;

namespace RapidStart.LocalHost;

/// <summary>
/// The Durable Task engine of the local host: the Azure Storage provider (on Azurite) behind an
/// in-process gRPC sidecar, with a worker that runs the Functions app's own orchestrator and
/// activity methods. Instances live in storage, so they survive a restart like they would in Azure.
/// </summary>
public static class DurableSidecar
{
    public static WebApplicationBuilder AddDurableSidecar(this WebApplicationBuilder builder, LocalHostOptions options)
    {
        var storage = builder.Configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        builder.Services.AddSingleton(services => new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(storage.ConnectionString),
            TaskHubName = options.TaskHubName,
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            ControlQueueVisibilityTimeout = options.MessageVisibilityTimeout,
            WorkItemQueueVisibilityTimeout = options.MessageVisibilityTimeout,
            PartitionCount = 1,
            LoggerFactory = services.GetRequiredService<ILoggerFactory>(),
        }));

        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.ListenLocalhost(options.SidecarPort, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<IOrchestrationService>(services => services.GetRequiredService<AzureStorageOrchestrationService>());
        builder.Services.AddSingleton<IOrchestrationServiceClient>(services => services.GetRequiredService<AzureStorageOrchestrationService>());
        builder.Services.AddSingleton<HistoryServingTaskHubServer>();
        builder.Services.AddHostedService<StorageProviderShutdown>();

        var channel = GrpcChannel.ForAddress($"http://localhost:{options.SidecarPort}");
        builder.Services.AddDurableTaskWorker(worker =>
        {
            worker.UseGrpc(channel);
            worker.AddTasks(RegisterFunctions);
            worker.AddTasks(registry => registry.AddOrchestratorFunc<string, string>(EngineReadiness.ProbeOrchestration, (_, input) => Task.FromResult(input)));
        });
        builder.Services.AddDurableTaskClient(client =>
        {
            client.UseGrpc(channel);
            client.RegisterDirectly();
        });
        return builder;
    }

    public static void MapDurableSidecar(this WebApplication app, LocalHostOptions options) =>
        app.MapGrpcService<HistoryServingTaskHubServer>().RequireHost($"*:{options.SidecarPort}");

    /// <summary>
    /// Registers every <c>[OrchestrationTrigger]</c> and <c>[ActivityTrigger]</c> function of the
    /// app under its function name, so the worker runs exactly what Azure would.
    /// </summary>
    public static void RegisterFunctions(DurableTaskRegistry registry)
    {
        foreach (var (function, _) in FunctionCatalog.Triggered<OrchestrationTriggerAttribute>())
        {
            var method = function.Method;
            var inputType = method.GetParameters().Single(p => p != function.TriggerParameter).ParameterType;
            registry.AddOrchestratorFunc<JsonElement?, object?>(function.Name, async (context, input) =>
                await AwaitResult(method.Invoke(null, [context, Convert(input, inputType)])));
        }

        foreach (var (function, _) in FunctionCatalog.Triggered<ActivityTriggerAttribute>())
        {
            registry.AddActivity(function.Name, services => new FunctionActivity(function, services));
        }
    }

    /// <summary>An activity function run by the Durable Task worker, its class built from the application's services.</summary>
    private sealed class FunctionActivity(FunctionMethod function, IServiceProvider services) : Microsoft.DurableTask.TaskActivity<JsonElement?, object?>
    {
        public override async Task<object?> RunAsync(TaskActivityContext context, JsonElement? input)
        {
            var method = function.Method;
            var target = method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, method.DeclaringType!);
            var arguments = method.GetParameters().Select(p =>
                p == function.TriggerParameter ? Convert(input, p.ParameterType)
                : p.ParameterType == typeof(CancellationToken) ? CancellationToken.None
                : throw new InvalidOperationException($"The local host can't bind parameter '{p.Name}' of activity {function.Name}.")).ToArray();
            return await AwaitResult(method.Invoke(target, arguments));
        }
    }

    private static object? Convert(JsonElement? input, Type type) =>
        input is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } element
            ? element.Deserialize(type, JsonSerializerOptions.Web)
            : null;

    private static async Task<object?> AwaitResult(object? returned)
    {
        if (returned is not Task task)
        {
            return returned;
        }

        await task;
        var type = task.GetType();
        return type.IsGenericType && type.GetProperty("Result") is { } result && result.PropertyType.Name != "VoidTaskResult"
            ? result.GetValue(task)
            : null;
    }
}

/// <summary>
/// Stops the Azure Storage provider (its partition-lease loop and queue listeners) as part of the
/// host's stop. The sidecar starts and stops it from fire-and-forget lifetime callbacks, so without
/// this a stopped host left them running in the process, still polling storage.
/// </summary>
internal sealed class StorageProviderShutdown(AzureStorageOrchestrationService service) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => service.StopAsync(isForced: true).WaitAsync(cancellationToken);
}
