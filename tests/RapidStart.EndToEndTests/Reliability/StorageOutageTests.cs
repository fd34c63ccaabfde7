using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>The local host over an Azurite of its own, on disk, that the test stops and starts again.</summary>
public sealed class StorageOutageHost : ReliabilityHost
{
    protected override bool OwnsPersistentAzurite => true;
}

/// <summary>Storage going away entirely and coming back: 503s while it is gone, nothing lost, and work resumes.</summary>
public sealed class StorageOutageTests(StorageOutageHost host, ITestOutputHelper output) : IClassFixture<StorageOutageHost>
{
    [Fact]
    public async Task Storage_down_answers_503_with_retry_after_and_everything_is_back_after_it_restarts()
    {
        var partner = await host.PartnerAsync();
        var before = await ReliabilityApi.SignedUpProspectAsync(partner, "before-outage@reliability.example");

        await host.Azurite!.StopAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            var health = await host.Http.GetAsync("/api/health");
            var healthTook = clock.Elapsed;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.True(health.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            Assert.True(healthTook < TimeSpan.FromSeconds(10), $"health took {healthTook.TotalSeconds:F1} s to answer 503");
            Assert.Equal("unavailable", (await HttpAssert.JsonAsync(health, HttpStatusCode.ServiceUnavailable)).GetProperty("status").GetString());
            output.WriteLine($"storage down: /api/health answered 503 in {healthTook.TotalMilliseconds:F0} ms");

            foreach (var request in new Func<Task<HttpResponseMessage>>[]
            {
                () => partner.GetAsync($"/api/customers/{before}"),
                () => partner.GetAsync("/api/customers"),
                () => partner.GetAsync($"/api/customers/{before}/services/rapidstart"),
                () => ReliabilityApi.CreateProspectAsync(partner, "during-outage@reliability.example"),
                () => ReliabilityApi.SendActivationAsync(partner, before),
            })
            {
                clock.Restart();
                var response = await request();
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{response.RequestMessage?.RequestUri} took {clock.Elapsed.TotalSeconds:F1} s");
                output.WriteLine($"storage down: {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {(int)response.StatusCode} in {clock.Elapsed.TotalMilliseconds:F0} ms");
                await HttpAssert.ProblemAsync(response, HttpStatusCode.ServiceUnavailable);
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"no Retry-After on {response.RequestMessage?.RequestUri}");
            }
        }
        finally
        {
            await host.Azurite.StartAgainAsync();
        }

        var back = Stopwatch.StartNew();
        await host.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"storage back: health 200 after {back.Elapsed.TotalSeconds:F1} s");
        var read = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{before}"), HttpStatusCode.OK);
        Assert.Equal(before, read.GetProperty("customerId").GetString());
        Assert.Contains(before, await ReliabilityApi.ListedCustomerIdsAsync(partner));

        // New work, including the orchestration engine's: a new customer, and an invitation mailed.
        var after = await ReliabilityApi.SignedUpProspectAsync(partner, "after-outage@reliability.example");
        Assert.NotEqual(before, after);
        await HttpAssert.JsonAsync(await ReliabilityApi.SendActivationAsync(partner, before), HttpStatusCode.Accepted);
        var token = (await Mailbox.ActivationTokensAsync(host.MailDirectory, before, 1, timeoutSeconds: 60)).Single();
        output.WriteLine($"storage back: an invitation mailed {back.Elapsed.TotalSeconds:F1} s after the restart");
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync($"/api/activate?token={Uri.EscapeDataString(token)}")).StatusCode);

        // The Send Activation refused during the outage left nothing behind: one send in the history.
        Assert.Equal(["Created", "InvitationSent"], await ReliabilityApi.HistoryTargetsAsync(partner, before));
    }
}
