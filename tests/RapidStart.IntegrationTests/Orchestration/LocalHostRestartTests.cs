using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using RapidStart.Domain.Notifications;
using RapidStart.IntegrationTests.Infrastructure;
using RapidStart.Testing;
using Xunit.Abstractions;

namespace RapidStart.IntegrationTests.Orchestration;

/// <summary>
/// The local host keeps its orchestrations in Azure Storage (Azurite): an instance waiting on its
/// deadline when the host stops is picked up by the next host on the same task hub, and the
/// subscription still becomes Inactive on time. Needs Azurite's blob, queue and table services.
/// </summary>
[Collection(OrchestrationCollections.LocalHost)]
public sealed class LocalHostRestartTests(ITestOutputHelper output)
{
    private const string PartnerId = "P-1001";
    private static readonly TimeSpan TrialPeriod = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The scenario as a user meets it: the host is stopped the ordinary way (StopAsync, DisposeAsync)
    /// while the instance waits on its deadline, and a new host takes over the task hub.
    /// </summary>
    [Fact]
    public Task An_instance_waiting_on_its_deadline_survives_a_host_restart_and_inactivates_the_subscription() =>
        RestartAsync(new Dictionary<string, string?>(), firstHostDownBeforeDeadline: false);

    /// <summary>
    /// The same restart with a short shutdown timeout, so the first host is fully down before the deadline:
    /// what is stored (history, timer message, table record) carries the instance over to the new host.
    /// </summary>
    [Fact]
    public Task An_instance_stored_in_the_task_hub_is_resumed_by_a_new_host_that_inactivates_the_subscription_at_its_deadline() =>
        RestartAsync(new Dictionary<string, string?> { ["shutdownTimeoutSeconds"] = "3" }, firstHostDownBeforeDeadline: true);

    private async Task RestartAsync(IDictionary<string, string?> hostSettings, bool firstHostDownBeforeDeadline)
    {
        var storage = FullAzuriteConnectionString();
        var unique = Guid.NewGuid().ToString("N")[..10];
        var mailDirectory = Path.Combine(Path.GetTempPath(), "rapidstart-restart-mail-" + unique);
        var shared = new Dictionary<string, string?>
        {
            ["RapidStart:LocalHost:TaskHubName"] = "restart" + unique,
            ["RapidStart:LocalHost:RunTimers"] = "false",
            ["RapidStart:Storage:ConnectionString"] = storage,
            ["RapidStart:Storage:TableName"] = "restart" + unique,
            ["RapidStart:Storage:VoiceTableName"] = "restartvoice" + unique,
            ["RapidStart:Email:PickupDirectory"] = mailDirectory,
            ["RapidStart:Lifecycle:TrialPeriod"] = TrialPeriod.ToString(),
            ["RapidStart:Lifecycle:RetentionPeriod"] = "01:00:00",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in hostSettings)
        {
            shared[key] = value;
        }

        // One local host on fresh loopback ports over the shared names, started and healthy.
        Task<InProcessLocalHost> StartHostAsync() =>
            InProcessLocalHost.StartAsync(storage, "restart", shared, healthTimeout: TimeSpan.FromSeconds(60), log: output.WriteLine);

        var clock = Stopwatch.StartNew();

        string customerId;
        string instanceId;
        DateTimeOffset trialEndsAt;
        await using (var first = await StartHostAsync())
        {
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: first host healthy");
            using var partner = await first.PartnerAsync(PartnerId);
            var created = await partner.PostAsJsonAsync("/api/customers", new
            {
                kind = "prospect",
                organization = new { name = "Restart Robotics GmbH", address = new { city = "Berlin", postalCode = "10115", countryRegion = "DE" } },
                administrator = new { name = "Rita Admin", microsoftAccountId = $"rita-{unique}@restart.example", contactEmail = $"it-{unique}@restart.example" },
            });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            customerId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customerId").GetString()!;

            var signedUp = await partner.PostAsJsonAsync($"/api/customers/{customerId}/services", new { serviceId = "rapidstart", countryRegion = "DE" });
            Assert.Equal(HttpStatusCode.Created, signedUp.StatusCode);
            var subscription = await signedUp.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("Created", subscription.GetProperty("status").GetString());
            trialEndsAt = subscription.GetProperty("trialEndsAt").GetDateTimeOffset();

            // The instance has started and sits on its durable timer when the host goes down.
            instanceId = $"lifecycle:{customerId}:rapidstart";
            var client = first.Services.GetRequiredService<DurableTaskClient>();
            await Eventually.UntilAsync(
                () => client.GetInstanceAsync(instanceId),
                i => i?.RuntimeStatus == OrchestrationRuntimeStatus.Running,
                TimeSpan.FromSeconds(15),
                $"orchestration {instanceId} to run");
            Assert.True(DateTimeOffset.UtcNow < trialEndsAt - TimeSpan.FromSeconds(3), "the first host was too slow: the deadline is already near");
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: instance running, deadline in {(trialEndsAt - DateTimeOffset.UtcNow).TotalSeconds:0.0} s; stopping the host");
        }

        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: first host stopped and disposed; deadline in {(trialEndsAt - DateTimeOffset.UtcNow).TotalSeconds:0.0} s");
        if (firstHostDownBeforeDeadline)
        {
            Assert.True(DateTimeOffset.UtcNow < trialEndsAt, "the first host took so long to stop that the deadline passed while it was going down");
        }

        await using var second = await StartHostAsync();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: second host healthy");
        using var partnerAgain = await second.PartnerAsync(PartnerId);
        var inactive = await Eventually.UntilAsync(
            async () => await partnerAgain.GetFromJsonAsync<JsonElement>($"/api/customers/{customerId}/services/rapidstart"),
            s => s.GetProperty("status").GetString() == "Inactive",
            TimeSpan.FromSeconds(60),
            "the subscription to become Inactive after the restart");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: Inactive");

        Assert.True(inactive.GetProperty("inactivatedAt").GetDateTimeOffset() >= trialEndsAt);
        var history = (await partnerAgain.GetFromJsonAsync<JsonElement>($"/api/customers/{customerId}/services/rapidstart/history")).GetProperty("items");
        var last = history[history.GetArrayLength() - 1];
        Assert.Equal("Created", last.GetProperty("from").GetString());
        Assert.Equal("Inactive", last.GetProperty("to").GetString());
        Assert.Equal("system:orchestration", last.GetProperty("actor").GetString());
        Assert.Contains(OrchestrationHarness.ReadMail(mailDirectory), m => m.Kind == NotificationKinds.Inactivated);

        var client2 = second.Services.GetRequiredService<DurableTaskClient>();
        var instance = await client2.GetInstanceAsync(instanceId);
        Assert.Equal(OrchestrationRuntimeStatus.Running, instance!.RuntimeStatus); // now waiting on the end of retention

        try
        {
            Directory.Delete(mailDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The Durable Azure Storage provider needs blob and queue endpoints, not only tables.</summary>
    private static string FullAzuriteConnectionString()
    {
        var configured = Environment.GetEnvironmentVariable(AzuriteFixture.EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(configured)
            || !configured.Contains("BlobEndpoint=", StringComparison.OrdinalIgnoreCase)
            || !configured.Contains("QueueEndpoint=", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(
                $"The local host restart test needs Azurite's blob, queue and table services: run it with './rapidstart test', " +
                $"or start a full Azurite (node_modules/.bin/azurite --inMemoryPersistence ...) and set {AzuriteFixture.EnvironmentVariable} " +
                "to a connection string with BlobEndpoint, QueueEndpoint and TableEndpoint.");
        }

        return configured!;
    }
}
