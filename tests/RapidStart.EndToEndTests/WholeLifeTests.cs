using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace RapidStart.EndToEndTests;

/// <summary>
/// A local host whose lives last seconds: trial 14 s, retention 8 s, reminders 10 s and 5 s before the
/// deadline (5 s of slack: a reminder the busy engine runs after the deadline is dropped, not sent).
/// </summary>
public sealed class ShortLifeHostFixture : LocalHostFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RapidStart:Lifecycle:TrialPeriod"] = "00:00:14",
        ["RapidStart:Lifecycle:RetentionPeriod"] = "00:00:08",
        ["RapidStart:Lifecycle:ReminderOffsets:0"] = "00:00:10",
        ["RapidStart:Lifecycle:ReminderOffsets:1"] = "00:00:05",
    };
}

/// <summary>Whole lives over HTTP, driven only by the orchestration's durable timers.</summary>
public sealed class WholeLifeTests(ShortLifeHostFixture host) : IClassFixture<ShortLifeHostFixture>
{
    [Fact]
    public async Task Three_customers_live_their_whole_lives_over_http()
    {
        var partner = await host.PartnerAsync();
        var support = await host.ClientAsAsync("help@rapidstart.example", ["support"]);

        // Accepted, then inactivated at the deadline, then reactivated by Support.
        var accepted = await SignUpAsync(partner, "accepted@life.example");
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{accepted}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        await Mailbox.ActivationTokensAsync(host.MailDirectory, accepted, 1);
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{accepted}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        var tokens = await Mailbox.ActivationTokensAsync(host.MailDirectory, accepted, 2);
        var administrator = await host.ClientAsAsync("accepted@life.example");
        await HttpAssert.ProblemAsync(await Accept(administrator, tokens[0]), HttpStatusCode.Gone);
        await HttpAssert.JsonAsync(await Accept(administrator, tokens[^1]), HttpStatusCode.OK);

        // Never accepted: inactivated, then purged.
        var abandoned = await SignUpAsync(partner, "abandoned@life.example");

        // Given its VOICE number in time: stays.
        var kept = await SignUpAsync(partner, "kept@life.example");
        await HttpAssert.JsonAsync(await partner.PutAsJsonAsync($"/api/customers/{kept}/voice-account", new { voiceAccountNumber = "V-100201" }), HttpStatusCode.OK);

        await WaitForStatusAsync(partner, accepted, "Inactive", TimeSpan.FromSeconds(40));
        await HttpAssert.ProblemAsync(await administrator.GetAsync($"/api/portal/customers/{accepted}/users"), HttpStatusCode.Forbidden);
        var reactivated = await HttpAssert.JsonAsync(
            await support.PostAsJsonAsync($"/api/support/customers/{accepted}/services/rapidstart/reactivate", new { voiceAccountNumber = "V-100204" }), HttpStatusCode.OK);
        Assert.Equal("Active", reactivated.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, reactivated.GetProperty("trialEndsAt").ValueKind);
        await HttpAssert.JsonAsync(await administrator.GetAsync($"/api/portal/customers/{accepted}/users"), HttpStatusCode.OK);

        await WaitForStatusAsync(partner, abandoned, "Inactive", TimeSpan.FromSeconds(40));
        await WaitForStatusAsync(partner, abandoned, "Purged", TimeSpan.FromSeconds(40));
        await HttpAssert.ProblemAsync(await partner.GetAsync($"/api/customers/{abandoned}"), HttpStatusCode.Gone);
        var tombstone = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{abandoned}/services/rapidstart"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, tombstone.GetProperty("invitation").ValueKind);
        var purgedList = await HttpAssert.JsonAsync(await partner.GetAsync("/api/services?status=Purged"), HttpStatusCode.OK);
        Assert.Contains(purgedList.GetProperty("items").EnumerateArray(), s => s.GetProperty("customerId").GetString() == abandoned);
        await HttpAssert.ProblemAsync(await support.PostAsJsonAsync($"/api/support/customers/{abandoned}/services/rapidstart/reactivate", new { voiceAccountNumber = "V-100205" }), HttpStatusCode.Gone);

        var history = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{abandoned}/services/rapidstart/history"), HttpStatusCode.OK);
        Assert.Equal(["Created", "Inactive", "Purged"], history.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("to").GetString()!).ToArray());

        var stayed = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{kept}/services/rapidstart"), HttpStatusCode.OK);
        Assert.Equal("Created", stayed.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, stayed.GetProperty("trialEndsAt").ValueKind);

        var subjects = Mailbox.SubjectsTo(host.MailDirectory, "abandoned@life.example");
        Assert.Equal(2, subjects.Count(s => s.Contains("trial ends", StringComparison.Ordinal)));
        Assert.Contains(subjects, s => s.Contains("is inactive", StringComparison.Ordinal));
        Assert.Contains(subjects, s => s.Contains("has been deleted", StringComparison.Ordinal));
        Assert.DoesNotContain(Mailbox.SubjectsTo(host.MailDirectory, "kept@life.example"), s => s.Contains("is inactive", StringComparison.Ordinal));
    }

    private static Task<HttpResponseMessage> Accept(HttpClient administrator, string token) =>
        administrator.PostAsJsonAsync("/api/activate", new { token, acceptAgreement = true, acceptPrivacyStatement = true });

    private static async Task<string> SignUpAsync(HttpClient partner, string admin)
    {
        var created = await HttpAssert.JsonAsync(await partner.PostAsJsonAsync("/api/customers", new
        {
            kind = "prospect",
            organization = new { name = $"Org of {admin}", address = new { countryRegion = "IE" } },
            administrator = new { name = "Admin", microsoftAccountId = admin, contactEmail = admin },
        }), HttpStatusCode.Created);
        var id = created.GetProperty("customerId").GetString()!;
        await HttpAssert.JsonAsync(await partner.PostAsJsonAsync($"/api/customers/{id}/services", new { serviceId = "rapidstart", countryRegion = "IE" }), HttpStatusCode.Created);
        return id;
    }

    private static async Task WaitForStatusAsync(HttpClient partner, string customerId, string status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var body = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{customerId}/services/rapidstart"), HttpStatusCode.OK);
            last = body.GetProperty("status").GetString();
            if (last == status)
            {
                return;
            }

            await Task.Delay(500);
        }

        Assert.Fail($"{customerId} did not reach {status} within {timeout.TotalSeconds} s; it is {last}.");
    }
}
