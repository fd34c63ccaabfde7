using DurableTask.Core;
using DurableTask.Core.History;
using Newtonsoft.Json;
using RapidStart.LocalHost;

namespace RapidStart.IntegrationTests.LocalHost;

/// <summary>The history JSON of the Azure Storage provider (events serialized without type names) read back as typed events.</summary>
public class StoredHistoryTests
{
    [Fact]
    public void Parse_events_serialized_as_the_provider_does_comes_back_with_their_types_and_fields()
    {
        // Arrange: what AzureStorageOrchestrationService.GetOrchestrationHistoryAsync returns.
        var fireAt = new DateTime(2026, 12, 1, 8, 30, 0, DateTimeKind.Utc);
        HistoryEvent[] events =
        [
            new OrchestratorStartedEvent(-1),
            new ExecutionStartedEvent(-1, "{\"key\":1}") { Name = "ActivationLifecycleOrchestrator", OrchestrationInstance = new OrchestrationInstance { InstanceId = "lifecycle:c1:rapidstart", ExecutionId = "e1" } },
            new TaskScheduledEvent(0, "ReadLifecycle"),
            new TaskCompletedEvent(-1, 0, "{\"status\":\"Created\"}"),
            new TimerCreatedEvent(1, fireAt),
            new EventRaisedEvent(-1, "{\"kind\":\"InvitationRequested\"}") { Name = "LifecycleSignal" },
            new TimerFiredEvent(-1, fireAt) { TimerId = 1 },
        ];
        var serialized = JsonConvert.SerializeObject(events);

        // Act
        var parsed = StoredHistory.Parse(serialized);

        // Assert
        Assert.Equal(events.Select(e => e.GetType()), parsed.Select(e => e.GetType()));
        Assert.Equal("ActivationLifecycleOrchestrator", ((ExecutionStartedEvent)parsed[1]).Name);
        Assert.Equal("lifecycle:c1:rapidstart", ((ExecutionStartedEvent)parsed[1]).OrchestrationInstance.InstanceId);
        Assert.Equal("ReadLifecycle", ((TaskScheduledEvent)parsed[2]).Name);
        Assert.Equal(0, ((TaskCompletedEvent)parsed[3]).TaskScheduledId);
        Assert.Equal(fireAt, ((TimerCreatedEvent)parsed[4]).FireAt);
        Assert.Equal(DateTimeKind.Utc, ((TimerCreatedEvent)parsed[4]).FireAt.Kind);
        Assert.Equal("LifecycleSignal", ((EventRaisedEvent)parsed[5]).Name);
        Assert.Equal(1, ((TimerFiredEvent)parsed[6]).TimerId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("[]")]
    public void Parse_no_history_is_empty(string? serialized) =>
        Assert.Empty(StoredHistory.Parse(serialized));
}
