using System.Net;

namespace RapidStart.EndToEndTests;

public sealed class ThrottledActivationHostFixture : LocalHostFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RapidStart:Activation:MaxFailedAttempts"] = "3",
    };
}

/// <summary>A client that keeps trying dead or unknown activation links is slowed down with 429.</summary>
public sealed class ActivationThrottleTests(ThrottledActivationHostFixture host) : IClassFixture<ThrottledActivationHostFixture>
{
    [Fact]
    public async Task Repeated_unknown_links_from_one_client_answer_429_with_retry_after()
    {
        for (var i = 0; i < 3; i++)
        {
            var miss = await host.Http.GetAsync($"/api/activate?token=eu-west-01m8aaaaaaaaaaaaaaaaaaaaaa.rapidstart.guess{i:D20}xxxxxxx");
            Assert.Equal(HttpStatusCode.NotFound, miss.StatusCode);
        }

        var page = await host.Http.GetAsync("/api/activate?token=eu-west-01m8aaaaaaaaaaaaaaaaaaaaaa.rapidstart.guess99999999999999999xxxxxxx");
        Assert.Equal(HttpStatusCode.TooManyRequests, page.StatusCode);
        Assert.True(page.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("Too many attempts", await page.Content.ReadAsStringAsync());

        var administrator = await host.ClientAsAsync("guesser@trial.example");
        var accept = await administrator.PostAsync("/api/activate", System.Net.Http.Json.JsonContent.Create(new { token = "x.y.zzzzzzzzzzzzzzzzzzzzzzzzzzzz", acceptAgreement = true, acceptPrivacyStatement = true }));
        await HttpAssert.ProblemAsync(accept, HttpStatusCode.TooManyRequests);
    }
}
