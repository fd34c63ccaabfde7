using Microsoft.Extensions.DependencyInjection;

namespace RapidStart.EndToEndTests;

/// <summary>
/// A local host whose lives last a minute and a half: trial 80 s, reminders 50 s and 25 s before the
/// deadline (a reminder the busy engine runs after the deadline is dropped, so the last one has 25 s
/// of slack), retention 20 s (<see cref="ConcurrentLivesTests.Plan"/>). Logs warnings only: hundreds
/// of lives log thousands of lines.
/// </summary>
public sealed class ConcurrentLivesHostFixture : LocalHostFixture
{
    protected override string NamePrefix => "lives";

    /// <summary>Reminders the host dropped because the engine ran them after the deadline.</summary>
    public DroppedReminderLog Dropped { get; } = new();

    protected override void ConfigureHostServices(IServiceCollection services) => Dropped.AddTo(services);

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(ConcurrentLivesTests.Plan.HostSettings())
    {
        ["Logging:LogLevel:Default"] = "Warning",
    };
}

/// <summary>
/// Hundreds of subscriptions live whole lives at once on the real engine (the bench's whole-lives
/// section runs the same with 2,000): each ends as its story says, with exactly its mails, its
/// instance completed, and the Service List agreeing with the records (<see cref="ConcurrentLives"/>).
/// </summary>
public sealed class ConcurrentLivesTests(ConcurrentLivesHostFixture host) : IClassFixture<ConcurrentLivesHostFixture>
{
    public static readonly LivesPlan Plan = new(
        Count: 200,
        Trial: TimeSpan.FromSeconds(80),
        Retention: TimeSpan.FromSeconds(20),
        ReminderOffsets: [TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(25)]);

    [Fact]
    public async Task Hundreds_of_lives_at_once_each_end_as_their_story_says()
    {
        var partner = await host.PartnerAsync();
        var lives = new ConcurrentLives(host.Services, host.BaseUrl, host.MailDirectory, partner, "P-1001", host.Dropped);
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(10));

        var run = await lives.RunAsync(Plan, limit.Token);

        Assert.True(run.Problems.Count == 0, $"{run.Problems.Count} problem(s):\n" + string.Join("\n", run.Problems.Take(30)));
        Assert.Equal(Plan.Count, run.Lives.Count);
        Assert.All(run.Lives, life => Assert.NotNull(life.CompletedAt));
        Assert.Equal(Plan.Count, run.ServiceListLines);
        Assert.Equal(Plan.Count, run.InstancesByStatus["Completed"]);
    }
}
