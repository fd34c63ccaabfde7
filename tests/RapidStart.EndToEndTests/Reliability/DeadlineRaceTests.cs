using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>Trials of 6 seconds, driven by the orchestrations alone (no sweep).</summary>
public sealed class DeadlineRaceHost : ReliabilityHost
{
    public static readonly TimeSpan Trial = TimeSpan.FromSeconds(6);

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RapidStart:Lifecycle:TrialPeriod"] = Trial.ToString("c"),
    };
}

/// <summary>
/// A VOICE number arriving at the moment the trial deadline fires. Either order is a correct
/// outcome; what must never happen is a mix of the two.
/// </summary>
public sealed class DeadlineRaceTests(DeadlineRaceHost host, ITestOutputHelper output) : IClassFixture<DeadlineRaceHost>
{
    [Fact]
    public async Task A_voice_number_added_as_the_deadline_fires_ends_in_one_consistent_state()
    {
        var partners = new Dictionary<string, HttpClient> { ["P-1001"] = await host.PartnerAsync("P-1001"), ["P-2002"] = await host.PartnerAsync("P-2002") };

        // Eight customers; each gets its number from 3 tasks in a tight loop, starting at an offset
        // around its deadline (the orchestration's timer fires within about a second after it).
        (int OffsetMs, string PartnerId, string Number)[] plan =
        [
            (-400, "P-1001", "V-100200"), (-100, "P-1001", "V-100201"), (0, "P-1001", "V-100205"), (50, "P-2002", "V-200300"),
            (100, "P-2002", "V-200301"), (200, "P-1001", "V-100202"), (500, "P-1001", "V-100203"), (900, "P-1001", "V-100204"),
        ];
        var customers = new List<(string Id, HttpClient Partner, int OffsetMs, string Number, DateTimeOffset Deadline)>();
        foreach (var (offset, partnerId, number) in plan)
        {
            var partner = partners[partnerId];
            var created = await HttpAssert.JsonAsync(await ReliabilityApi.CreateProspectAsync(partner, $"race{offset + 1000}@deadline.example"), HttpStatusCode.Created);
            var id = created.GetProperty("customerId").GetString()!;
            var subscription = await ReliabilityApi.SignUpAsync(partner, id);
            customers.Add((id, partner, offset, number, subscription.GetProperty("trialEndsAt").GetDateTimeOffset()));
        }

        var races = customers.Select(async customer =>
        {
            var startAt = customer.Deadline + TimeSpan.FromMilliseconds(customer.OffsetMs);
            var wait = startAt - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var attempts = Enumerable.Range(0, 3).Select(async _ =>
            {
                var statuses = new List<HttpStatusCode>();
                var until = DateTimeOffset.UtcNow.AddMilliseconds(500);
                while (DateTimeOffset.UtcNow < until)
                {
                    var response = await customer.Partner.PutAsJsonAsync($"/api/customers/{customer.Id}/voice-account", new { voiceAccountNumber = customer.Number });
                    statuses.Add(response.StatusCode);
                }

                return statuses;
            });
            return (customer, Statuses: (await Task.WhenAll(attempts)).SelectMany(s => s).ToList());
        }).ToArray();
        var outcomes = await Task.WhenAll(races);

        // Let the orchestrations finish deciding: each ends Inactive or permanent.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var inactiveCount = 0;
        foreach (var (customer, statuses) in outcomes)
        {
            var partner = customer.Partner;
            Assert.DoesNotContain(statuses, s => (int)s >= 500);
            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));

            var subscription = await ReliabilityApi.EventuallyAsync(
                () => ReliabilityApi.SubscriptionAsync(partner, customer.Id),
                s => s.GetProperty("status").GetString() == "Inactive" || s.GetProperty("trialEndsAt").ValueKind == JsonValueKind.Null,
                TimeSpan.FromSeconds(20), $"{customer.Id} settled");
            var owner = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{customer.Id}"), HttpStatusCode.OK);
            var history = await ReliabilityApi.HistoryAsync(partner, customer.Id);
            var status = subscription.GetProperty("status").GetString();
            var toInactive = history.Count(h => h.GetProperty("to").GetString() == "Inactive");
            var lines = string.Join(" | ", history.Select(h => $"{h.GetProperty("from")}->{h.GetProperty("to")} by {h.GetProperty("actor")}: {h.GetProperty("reason")}"));
            output.WriteLine($"offset {customer.OffsetMs,5} ms: {status}, trialEndsAt {subscription.GetProperty("trialEndsAt")}, {statuses.Count} PUTs; history: {lines}");

            // The number always reaches the customer: PUT voice-account answered 200.
            Assert.Equal(customer.Number, owner.GetProperty("voiceAccountNumber").GetString());
            Assert.Equal("existing", owner.GetProperty("kind").GetString());
            if (status == "Inactive")
            {
                // The deadline won: inactivated exactly once, still on its trial dates, never made permanent after.
                inactiveCount++;
                Assert.Equal(1, toInactive);
                Assert.NotEqual(JsonValueKind.Null, subscription.GetProperty("trialEndsAt").ValueKind);
                Assert.NotEqual(JsonValueKind.Null, subscription.GetProperty("retentionEndsAt").ValueKind);
                var inactivatedAt = Array.FindIndex(history, h => h.GetProperty("to").GetString() == "Inactive");
                Assert.Equal(history.Length - 1, inactivatedAt);
            }
            else
            {
                // The number won: permanent, never inactivated.
                Assert.Equal("Created", status);
                Assert.Equal(JsonValueKind.Null, subscription.GetProperty("trialEndsAt").ValueKind);
                Assert.Equal(0, toInactive);
                Assert.Equal(JsonValueKind.Null, subscription.GetProperty("inactivatedAt").ValueKind);
            }
        }

        output.WriteLine($"{inactiveCount} of {outcomes.Length} ended Inactive (deadline first), {outcomes.Length - inactiveCount} permanent (number first).");
    }
}
