using System.Runtime.CompilerServices;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.History;
using Grpc.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.Options;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using P = Microsoft.DurableTask.Protobuf;

namespace RapidStart.LocalHost;

/// <summary>
/// The local host's sidecar: the in-process test host's gRPC server, plus the one call it leaves
/// out. It streams an instance's history only to the worker, for a work item in flight; a client
/// asking for the history of a waiting instance (Support's orchestration view, as the Functions host
/// serves it in Azure) gets it here, read from the Azure Storage provider's history table.
/// </summary>
public sealed class HistoryServingTaskHubServer(
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory,
    IOrchestrationService service,
    IOrchestrationServiceClient client,
    IOptions<TaskHubGrpcServerOptions> options,
    AzureStorageOrchestrationService storage)
    : TaskHubGrpcServer(lifetime, loggerFactory, service, client, options)
{
    /// <summary>Events per chunk: far below gRPC's 4 MB message limit for this app's small events.</summary>
    private const int EventsPerChunk = 200;

    public override async Task StreamInstanceHistory(P.StreamInstanceHistoryRequest request, IServerStreamWriter<P.HistoryChunk> responseStream, ServerCallContext context)
    {
        if (request.ForWorkItemProcessing)
        {
            await base.StreamInstanceHistory(request, responseStream, context);
            return;
        }

        var serialized = await storage.GetOrchestrationHistoryAsync(request.InstanceId, request.ExecutionId);
        foreach (var chunk in StoredHistory.Parse(serialized).Select(ProtobufUtils.ToHistoryEventProto).Chunk(EventsPerChunk))
        {
            var message = new P.HistoryChunk();
            message.Events.AddRange(chunk);
            await responseStream.WriteAsync(message, context.CancellationToken);
        }
    }
}

/// <summary>
/// Reads the history the Azure Storage provider returns as JSON. It serializes the events without
/// type names, so each one's <see cref="EventType"/> picks the class to read it as.
/// </summary>
public static class StoredHistory
{
    private static readonly Dictionary<EventType, Type> EventClasses = typeof(HistoryEvent).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(HistoryEvent)) && !t.IsAbstract)
        .Select(t => (Type: t, Event: (HistoryEvent)RuntimeHelpers.GetUninitializedObject(t)))
        .GroupBy(x => x.Event.EventType)
        .ToDictionary(g => g.Key, g => g.First().Type);

    private static readonly JsonSerializer Serializer = JsonSerializer.Create(new JsonSerializerSettings
    {
        ConstructorHandling = ConstructorHandling.AllowNonPublicDefaultConstructor,
        DateTimeZoneHandling = DateTimeZoneHandling.Utc,
    });

    public static IReadOnlyList<HistoryEvent> Parse(string? serialized)
    {
        if (string.IsNullOrWhiteSpace(serialized))
        {
            return [];
        }

        return JArray.Parse(serialized)
            .OfType<JObject>()
            .Select(e => (HistoryEvent)e.ToObject(EventClasses[e["EventType"]!.ToObject<EventType>()], Serializer)!)
            .ToList();
    }
}
