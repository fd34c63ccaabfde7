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
    public async Task Support_sees_the_running_instance_of_a_new_subscription()
    {
        var (_, id) = await SignedUpAsync("orchestrated@trial.example");
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

        // The orchestrator picks the instance up and waits on the trial timer: Running.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var body = first;
        while (body.GetProperty("runtimeStatus").GetString() != "Running" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            body = await GetAsync(support, url);
        }

        Assert.Equal("Running", body.GetProperty("runtimeStatus").GetString());
        Assert.False(body.TryGetProperty("customStatus", out _), "The lifecycle sets no custom status, so none should be answered.");

        // History is there only where the Durable backend serves it; when it is, it is real events.
        if (body.TryGetProperty("history", out var history))
        {
            Assert.NotEmpty(history.EnumerateArray());
            Assert.Contains(history.EnumerateArray(), e => e.GetProperty("type").GetString() == "ExecutionStarted"
                && e.GetProperty("name").GetString() == "ActivationLifecycleOrchestrator");
        }

        OpenApi.AssertConforms(OpenApi.Document, OpenApi.ResponseSchema(OpenApi.Document, "/support/customers/{customerId}/services/{serviceId}/orchestration", "get", "200"), body, "GET orchestration");
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
