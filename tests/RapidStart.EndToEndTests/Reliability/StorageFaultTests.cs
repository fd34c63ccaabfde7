using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>The local host with a fault-injecting policy in its table clients (default settings).</summary>
public sealed class StorageFaultHost : ReliabilityHost;

/// <summary>
/// One storage write failing in the middle of a multi-write operation: the caller gets a 503 with
/// Retry-After, readers never see a half-made record, and a retry of the same request finishes it.
/// </summary>
public sealed partial class StorageFaultTests(StorageFaultHost host) : IClassFixture<StorageFaultHost>
{
    [Fact]
    public async Task Create_customer_whose_listing_write_fails_answers_503_and_its_retry_finishes_the_same_customer()
    {
        var partner = await host.PartnerAsync();
        const string admin = "tailspin-admin@reliability.example";

        // V-100204 (Tailspin Toys, AU): claim, record, then the listing write fails.
        host.Faults.Arm(FaultInjectionPolicy.WritesTo("|partner|P-1001"));
        var failed = await ReliabilityApi.CreateExistingAsync(partner, "V-100204", admin);
        host.Faults.Disarm();
        await HttpAssert.ProblemAsync(failed, HttpStatusCode.ServiceUnavailable);
        Assert.True(failed.Headers.RetryAfter?.Delta > TimeSpan.Zero, "503 without Retry-After");
        var halfMade = ListingRowKey().Match(Assert.Single(host.Faults.Log)).Groups[1].Value;

        // Not visible: the listing is what makes a customer appear in the partner's list.
        Assert.DoesNotContain(halfMade, await ReliabilityApi.ListedCustomerIdsAsync(partner));

        // The retry of the same POST finishes the half-created customer (found through the VOICE claim).
        var retried = await partner.PostAsync("/api/customers", JsonContent(new
        {
            kind = "existing", voiceAccountNumber = "V-100204", fillFromVoice = true,
            administrator = new { name = "Admin", microsoftAccountId = admin, contactEmail = admin },
        }));
        var created = await HttpAssert.JsonAsync(retried, HttpStatusCode.Created);
        Assert.Equal(halfMade, created.GetProperty("customerId").GetString());
        Assert.Equal($"/api/customers/{halfMade}", retried.Headers.Location?.OriginalString);
        Assert.Equal(1, (await ReliabilityApi.ListedCustomerIdsAsync(partner)).Count(id => id == halfMade));
        var read = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{halfMade}"), HttpStatusCode.OK);
        Assert.Equal("V-100204", read.GetProperty("voiceAccountNumber").GetString());

        // And a third POST is the ordinary duplicate: 409, still listed once.
        await HttpAssert.ProblemAsync(await ReliabilityApi.CreateExistingAsync(partner, "V-100204", admin), HttpStatusCode.Conflict);
        Assert.Equal(1, (await ReliabilityApi.ListedCustomerIdsAsync(partner)).Count(id => id == halfMade));
    }

    [Fact]
    public async Task Create_prospect_whose_listing_write_fails_leaves_nothing_visible()
    {
        var partner = await host.PartnerAsync();
        var before = await ReliabilityApi.ListedCustomerIdsAsync(partner);

        host.Faults.Arm(FaultInjectionPolicy.WritesTo("|partner|P-1001"));
        var failed = await ReliabilityApi.CreateProspectAsync(partner, "ghost@reliability.example");
        host.Faults.Disarm();
        await HttpAssert.ProblemAsync(failed, HttpStatusCode.ServiceUnavailable);
        Assert.True(failed.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        var ghost = ListingRowKey().Match(Assert.Single(host.Faults.Log)).Groups[1].Value;

        var after = await ReliabilityApi.ListedCustomerIdsAsync(partner);
        Assert.DoesNotContain(ghost, after);
        Assert.Equal(before.Order(), after.Order());
    }

    [Fact]
    public Task A_storage_connection_reset_on_every_attempt_answers_503() => ConnectionLostAsync(FaultKind.ConnectionReset);

    /// <summary>
    /// The connection closing while a response is read surfaces from HttpClient as an IOException
    /// (HttpIOException "response ended prematurely"); Azure.Core retries it and, when every attempt
    /// fails, throws an AggregateException of IOExceptions, which StorageFaults does not recognise.
    /// </summary>
    [Fact]
    public Task A_storage_connection_dropped_on_every_attempt_answers_503_not_500() => ConnectionLostAsync(FaultKind.ConnectionDropped);

    private async Task ConnectionLostAsync(FaultKind kind)
    {
        var partner = await host.PartnerAsync();

        // Every attempt Azure.Core makes (the first and its 3 retries) loses the connection.
        host.Faults.Arm(FaultInjectionPolicy.WritesTo("|partner|P-1001"), kind, times: 4);
        var failed = await ReliabilityApi.CreateProspectAsync(partner, $"dropped-{kind}@reliability.example".ToLowerInvariant());
        host.Faults.Disarm();
        Assert.Equal(4, host.Faults.Log.Count);

        // The health probe's point read, the same way.
        host.Faults.Arm(r => r.Url.Contains("~health", StringComparison.Ordinal), kind, times: 4);
        var health = await host.Http.GetAsync("/api/health");
        host.Faults.Disarm();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.True(health.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        await HttpAssert.ProblemAsync(failed, HttpStatusCode.ServiceUnavailable);
        Assert.True(failed.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    /// <summary>
    /// The answer to a write is lost after storage applied it (a network timeout, a reset): Azure.Core
    /// sends the write again, and the store must recognise its own write rather than a rival's.
    /// </summary>
    [Fact]
    public async Task A_sign_up_whose_transaction_answer_is_lost_still_succeeds()
    {
        var partner = await host.PartnerAsync();
        var created = await HttpAssert.JsonAsync(await ReliabilityApi.CreateProspectAsync(partner, "lost-batch@reliability.example"), HttpStatusCode.Created);
        var id = created.GetProperty("customerId").GetString()!;

        host.Faults.Arm(r => r.IsBatch && r.Mentions(id) && r.Mentions("subscription|rapidstart"), FaultKind.ResponseLost);
        var response = await partner.PostAsync($"/api/customers/{id}/services", JsonContent(new { serviceId = "rapidstart", countryRegion = "IE" }));
        host.Faults.Disarm();
        Assert.Single(host.Faults.Log);

        await HttpAssert.JsonAsync(response, HttpStatusCode.Created);
        Assert.Equal(["Created"], await ReliabilityApi.HistoryTargetsAsync(partner, id));
    }

    [Fact]
    public async Task A_create_whose_insert_answer_is_lost_is_not_refused_as_a_duplicate()
    {
        var partner = await host.PartnerAsync();

        // A new customer's record is one insert (it has no follow-up row: docs/storage.md).
        host.Faults.Arm(r => r.Method == "POST" && !r.IsBatch && r.Body.Contains("\"RowKey\":\"customer\"", StringComparison.Ordinal), FaultKind.ResponseLost);
        var response = await ReliabilityApi.CreateProspectAsync(partner, "lost-insert@reliability.example");
        host.Faults.Disarm();
        Assert.Single(host.Faults.Log);

        var created = await HttpAssert.JsonAsync(response, HttpStatusCode.Created);
        Assert.Contains(created.GetProperty("customerId").GetString()!, await ReliabilityApi.ListedCustomerIdsAsync(partner));
    }

    [Fact]
    public async Task A_sign_up_whose_customer_update_answer_is_lost_is_not_refused_as_a_duplicate()
    {
        var partner = await host.PartnerAsync();
        var created = await HttpAssert.JsonAsync(await ReliabilityApi.CreateProspectAsync(partner, "lost-update@reliability.example"), HttpStatusCode.Created);
        var id = created.GetProperty("customerId").GetString()!;

        // The customer record's update and its follow-up row are one transaction; the subscription's is another.
        host.Faults.Arm(r => r.IsBatch && r.Mentions(id) && !r.Mentions("subscription|rapidstart"), FaultKind.ResponseLost);
        var response = await partner.PostAsync($"/api/customers/{id}/services", JsonContent(new { serviceId = "rapidstart", countryRegion = "IE" }));
        host.Faults.Disarm();
        Assert.Single(host.Faults.Log);

        await HttpAssert.JsonAsync(response, HttpStatusCode.Created);
        var listed = await HttpAssert.JsonAsync(await partner.GetAsync("/api/services?status=Created"), HttpStatusCode.OK);
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), s => s.GetProperty("customerId").GetString() == id);
    }

    [Fact]
    public async Task Send_activation_failing_between_its_writes_answers_503_and_its_retry_leaves_one_live_link()
    {
        var partner = await host.PartnerAsync();
        const string admin = "between@reliability.example";
        var id = await ReliabilityApi.SignedUpProspectAsync(partner, admin);

        // The transition commits (subscription partition), then the Service List line fails.
        host.Faults.Arm(r => r.IsWrite && r.Mentions("|services|P-1001") && r.Mentions(id));
        var failed = await ReliabilityApi.SendActivationAsync(partner, id);
        host.Faults.Disarm();
        await HttpAssert.ProblemAsync(failed, HttpStatusCode.ServiceUnavailable);
        Assert.True(failed.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        // The record (the source of truth for reads) already says InvitationSent.
        Assert.Equal("InvitationSent", (await ReliabilityApi.SubscriptionAsync(partner, id)).GetProperty("status").GetString());

        await HttpAssert.JsonAsync(await ReliabilityApi.SendActivationAsync(partner, id), HttpStatusCode.Accepted);
        var tokens = await Mailbox.ActivationTokensAsync(host.MailDirectory, id, 1);
        await ReliabilityApi.EventuallyAsync(
            () => ReliabilityApi.SubscriptionAsync(partner, id),
            s => s.GetProperty("invitation").GetProperty("sentAt").ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(30), "invitation marked sent");
        await Task.Delay(1000); // nothing else is on its way
        tokens = await Mailbox.ActivationTokensAsync(host.MailDirectory, id, 1);

        var statuses = await ReliabilityApi.LinkStatusesAsync(host.Http, tokens);
        Assert.Equal(HttpStatusCode.OK, statuses[^1]);
        Assert.All(statuses[..^1], s => Assert.Equal(HttpStatusCode.Gone, s));
        Assert.Single(statuses, HttpStatusCode.OK);
        Assert.Equal(1, await host.LiveTokensAsync("eu-west", id));

        // The Service List (the copy that failed) is repaired by the retry.
        var list = await HttpAssert.JsonAsync(await partner.GetAsync("/api/services?status=InvitationSent"), HttpStatusCode.OK);
        Assert.Contains(list.GetProperty("items").EnumerateArray(), s => s.GetProperty("customerId").GetString() == id);
    }

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    /// <summary>The row key (customer ID) of the partner-listing URL the fault hit.</summary>
    [GeneratedRegex(@"\|partner\|P-1001',RowKey='([^']+)'")]
    private static partial Regex ListingRowKey();
}
