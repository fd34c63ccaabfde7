using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace RapidStart.EndToEndTests;

/// <summary>GET /api/support/customers/{customerId}/services/{serviceId}/orchestration: Support's read of the Durable instance, never the webhooks.</summary>
public sealed class SupportOrchestrationTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    private async Task<(HttpClient Partner, string CustomerId)> SignedUpAsync(string admin)
    {
        var partner = await host.PartnerAsync();
        var created = await HttpAssert.JsonAsync(await partner.PostAsJsonAsync("/api/customers", new
        {
            kind = "prospect",
            organization = new { name = "Orchestrated Co", address = new { countryRegion = "DE" } },
            administrator = new { name = "Dana Admin", microsoftAccountId = admin, contactEmail = admin },
        }), HttpStatusCode.Created);
        var id = created.GetProperty("customerId").GetString()!;
        await HttpAssert.JsonAsync(await partner.PostAsJsonAsync($"/api/customers/{id}/services", new { serviceId = "rapidstart", countryRegion = "DE" }), HttpStatusCode.Created);
        return (partner, id);
    }

    private Task<HttpClient> SupportAsync() => host.ClientAsAsync("help@rapidstart.example", ["support"]);

    [Fact]
    public async Task Support_sees_the_running_instance_of_a_new_subscription_and_its_history()
    {
        var (partner, id) = await SignedUpAsync("orchestrated@trial.example");
        var support = await SupportAsync();
        var url = $"/api/support/customers/{id}/services/rapidstart/orchestration";

        var first = await GetAsync(support, url);
        Assert.Equal($"lifecycle:{id}:rapidstart", first.GetProperty("instanceId").GetString());
        Assert.Contains(first.GetProperty("runtimeStatus").GetString(), new[] { "Running", "Pending" });
        Assert.NotEqual(JsonValueKind.Null, first.GetProperty("createdAt").ValueKind);
        var input = first.GetProperty("input");
        Assert.Equal(JsonValueKind.Object, input.ValueKind);
        Assert.Contains(id, input.GetRawText());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("output").ValueKind);

        // The orchestrator reads the record, then waits on its first timer (a trial reminder): Running.
        var waiting = await UntilAsync(support, url, body => body.GetProperty("runtimeStatus").GetString() == "Running"
            && Events(body).Any(e => e.Type == "TimerCreated"));
        Assert.False(waiting.TryGetProperty("customStatus", out _), "The lifecycle sets no custom status, so none should be answered.");
        var history = Events(waiting);
        Assert.Equal("OrchestratorStarted", history[0].Type);
        Assert.Contains(("ExecutionStarted", "ActivationLifecycleOrchestrator"), history);
        Assert.Contains(history, e => e.Type == "TaskScheduled" && e.Name == "ReadLifecycle");
        var timer = waiting.GetProperty("history").EnumerateArray().Single(e => e.GetProperty("type").GetString() == "TimerCreated");
        var trialEndsAt = (await GetAsync(partner, $"/api/customers/{id}/services/rapidstart")).GetProperty("trialEndsAt").GetDateTimeOffset();
        // The SDK splits timers longer than 3 days into a chain, so the first fires at most at the first reminder.
        Assert.InRange(timer.GetProperty("fireAt").GetDateTimeOffset(), DateTimeOffset.UtcNow, trialEndsAt - TimeSpan.FromDays(14));
        OpenApi.AssertConforms(OpenApi.Document, OpenApi.ResponseSchema(OpenApi.Document, "/support/customers/{customerId}/services/{serviceId}/orchestration", "get", "200"), waiting, "GET orchestration");

        // Send Activation: the signal, and the invitation activity it led to, join the history.
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{id}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        var signalled = Events(await UntilAsync(support, url, body => Events(body).Any(e => e.Type == "TaskScheduled" && e.Name == "SendInvitation")));
        Assert.Contains(signalled, e => e.Type == "EventRaised" && e.Name == "LifecycleSignal");
        Assert.True(signalled.Count > history.Count);
    }

    private static List<(string Type, string? Name)> Events(JsonElement body) =>
        body.TryGetProperty("history", out var history)
            ? history.EnumerateArray().Select(e => (e.GetProperty("type").GetString()!, e.TryGetProperty("name", out var name) ? name.GetString() : null)).ToList()
            : [];

    private static async Task<JsonElement> UntilAsync(HttpClient support, string url, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var body = await GetAsync(support, url);
        while (!done(body) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            body = await GetAsync(support, url);
        }

        Assert.True(done(body), $"Gave up waiting on the orchestration; last answer: {body.GetRawText()}");
        return body;
    }

    [Fact]
    public async Task Partners_are_forbidden_even_for_their_own_customer()
    {
        var (partner, id) = await SignedUpAsync("forbidden@trial.example");
        await HttpAssert.ProblemAsync(await partner.GetAsync($"/api/support/customers/{id}/services/rapidstart/orchestration"), HttpStatusCode.Forbidden);
        var customerUser = await host.ClientAsAsync("forbidden@trial.example");
        await HttpAssert.ProblemAsync(await customerUser.GetAsync($"/api/support/customers/{id}/services/rapidstart/orchestration"), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await host.Http.GetAsync($"/api/support/customers/{id}/services/rapidstart/orchestration"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Unknown_customers_and_services_are_404()
    {
        var (_, id) = await SignedUpAsync("unknown@trial.example");
        var support = await SupportAsync();
        await HttpAssert.ProblemAsync(await support.GetAsync("/api/support/customers/eu-west-01jd0000000000000000000000/services/rapidstart/orchestration"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await support.GetAsync("/api/support/customers/nope/services/rapidstart/orchestration"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await support.GetAsync($"/api/support/customers/{id}/services/other/orchestration"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_answer_never_exposes_the_durable_management_webhooks()
    {
        var (_, id) = await SignedUpAsync("webhooks@trial.example");
        var support = await SupportAsync();
        var response = await support.GetAsync($"/api/support/customers/{id}/services/rapidstart/orchestration");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("runtime/webhooks", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("statusQueryGetUri", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("code=", text, StringComparison.Ordinal);
        Assert.DoesNotContain(response.Headers, h => h.Key.Equals("Location", StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<JsonElement> GetAsync(HttpClient client, string url) =>
        await HttpAssert.JsonAsync(await client.GetAsync(url), HttpStatusCode.OK);

}
