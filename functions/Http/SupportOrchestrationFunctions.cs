using System.Text.Json;
using System.Text.Json.Serialization;
using DurableTask.Core.History;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using RapidStart.Domain.Subscriptions;
using RapidStart.Functions.Lifecycle;

namespace RapidStart.Functions.Http;

/// <summary>
/// The lifecycle orchestration of one subscription as Support sees it (an extension beyond api.md).
/// <see cref="RuntimeStatus"/> is a Durable Task runtime status name, or <c>NotFound</c> when no
/// instance exists; <see cref="History"/> is absent when there is no instance, no event yet, or the
/// backend does not serve an instance's history.
/// </summary>
public sealed record OrchestrationResponse(
    string InstanceId,
    string RuntimeStatus,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? LastUpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? CustomStatus,
    JsonElement? Input,
    JsonElement? Output,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] OrchestrationFailureResponse? FailureDetails,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<OrchestrationEventResponse>? History)
{
    public const string NotFound = "NotFound";
}

public sealed record OrchestrationFailureResponse(string ErrorType, string ErrorMessage);

/// <summary>One event of an instance's history: its type, when it was recorded, and the activity, event or orchestrator name where it has one.</summary>
public sealed record OrchestrationEventResponse(
    string Type,
    DateTimeOffset Timestamp,
    string? Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? FireAt);

/// <summary>
/// Support's read-only view of the Durable Task instance behind a subscription, through the
/// Durable client: never the Durable HTTP management webhooks, whose URLs carry the system key.
/// </summary>
public sealed class SupportOrchestrationFunctions(HttpApi api, SubscriptionService subscriptions)
{
    [Function(nameof(SupportGetOrchestration))]
    public Task<IActionResult> SupportGetOrchestration(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "support/customers/{customerId}/services/{serviceId}/orchestration")] HttpRequest request,
        string customerId,
        string serviceId,
        [DurableClient] DurableTaskClient durable) =>
        api.RunAsync(request, Access.Support, async caller =>
        {
            var cancellationToken = request.HttpContext.RequestAborted;
            var subscription = await subscriptions.GetAsync(caller, customerId, serviceId, cancellationToken);
            var instanceId = ActivationLifecycle.InstanceIdFor(subscription.Value.Key);
            var instance = await durable.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
            if (instance is null)
            {
                return ApiResult.Ok(new OrchestrationResponse(instanceId, OrchestrationResponse.NotFound, null, null, null, null, null, null, null));
            }

            return ApiResult.Ok(new OrchestrationResponse(
                instanceId,
                instance.RuntimeStatus.ToString(),
                instance.CreatedAt,
                instance.LastUpdatedAt,
                ParseJson(instance.SerializedCustomStatus),
                ParseJson(instance.SerializedInput),
                ParseJson(instance.SerializedOutput),
                instance.FailureDetails is { } failure ? new OrchestrationFailureResponse(failure.ErrorType, failure.ErrorMessage) : null,
                await ReadHistoryAsync(durable, instanceId, cancellationToken)));
        });

    private static async Task<IReadOnlyList<OrchestrationEventResponse>?> ReadHistoryAsync(DurableTaskClient durable, string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            // The Functions host and the local host's sidecar both serve it (docs/orchestration.md); a
            // backend that answers no events, or refuses the call, leaves the history out.
            var events = await durable.GetOrchestrationHistoryAsync(instanceId, cancellationToken);
            return events.Count == 0 ? null : events.Select(Describe).ToArray();
        }
        catch (Exception e) when (e is NotSupportedException or RpcException { StatusCode: StatusCode.Unimplemented })
        {
            return null;
        }
    }

    private static OrchestrationEventResponse Describe(HistoryEvent e)
    {
        var (name, fireAt) = e switch
        {
            ExecutionStartedEvent started => (started.Name, (DateTime?)null),
            TaskScheduledEvent scheduled => (scheduled.Name, null),
            EventRaisedEvent raised => (raised.Name, null),
            EventSentEvent sent => (sent.Name, null),
            SubOrchestrationInstanceCreatedEvent created => (created.Name, null),
            TimerCreatedEvent timer => (null, timer.FireAt),
            TimerFiredEvent fired => (null, fired.FireAt),
            _ => ((string?)null, (DateTime?)null),
        };
        return new OrchestrationEventResponse(e.EventType.ToString(), AsUtc(e.Timestamp), name, fireAt is { } at ? AsUtc(at) : null);
    }

    private static DateTimeOffset AsUtc(DateTime value) =>
        new(DateTime.SpecifyKind(value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value, DateTimeKind.Utc));

    /// <summary>Inputs, outputs and custom status are stored as JSON text: answer them as JSON, or as a string if they are not.</summary>
    private static JsonElement? ParseJson(string? serialized)
    {
        if (string.IsNullOrEmpty(serialized))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(serialized);
            return document.RootElement.ValueKind == JsonValueKind.Null ? null : document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(serialized);
        }
    }
}
