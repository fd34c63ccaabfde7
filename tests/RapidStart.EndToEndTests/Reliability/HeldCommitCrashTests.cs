using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RapidStart.Domain.Callers;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Subscriptions;
using RapidStart.Functions.Composition;
using Xunit.Abstractions;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>
/// The local host killed with SIGKILL after a commit and before its follow-ups (held there by
/// <c>RapidStart:LocalHost:HoldAfterCommit</c>), then another host on the same storage: the follow-up
/// row committed with the change is found by the next sweep and applied once.
/// </summary>
public sealed class HeldCommitCrashTests(HostCrashStorage storage, ITestOutputHelper output) : IClassFixture<HostCrashStorage>
{
    private static readonly Caller Partner = new(new AccountIdentity("7d0c7e57-2a4e-4c0e-9d8e-5a7d3f1c2b10", "agent"), "agent@p-1001.example", "agent@p-1001.example", "P-1001", IsSupport: false);

    [Fact]
    public async Task Killing_the_host_between_an_inactivation_and_its_follow_ups_leaves_a_row_the_next_host_applies_once()
    {
        const string admin = "held-commit@reliability.example";
        var settings = new HostProcessSettings(storage.ConnectionString);
        settings.Values["RapidStart__Lifecycle__TrialPeriod"] = "00:00:03";
        output.WriteLine($"host log: {settings.LogPath}");
        (string, string)[] sweeping = [("RapidStart__LocalHost__RunTimers", "true"), ("RapidStart__Sweep__Schedule", "* * * * * *")];

        // 1. Seed, in this process, a prospect signed up with no orchestration at all: only a sweep moves it.
        await using var domain = Domain(settings);
        var store = domain.GetRequiredService<ISubscriptionStore>();
        var customer = await domain.GetRequiredService<CustomerService>().CreateAsync(Partner, new CustomerDraft(
            CustomerKinds.Prospect, null, false,
            new OrganizationDraft("Held Commit Ltd", new AddressDraft("1 Quay", "Dublin", null, "D01", "IE")),
            new AdministratorDraft("Hal Admin", admin, admin)), CancellationToken.None);
        var subscription = await domain.GetRequiredService<SubscriptionService>().SignUpAsync(
            Partner, customer.CustomerId, "rapidstart", "IE", NoOrchestration.Instance, CancellationToken.None);
        var key = subscription.Key;
        var wait = subscription.TrialEndsAt!.Value - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(300);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        // 2. A host whose sweep inactivates it and then holds before the follow-ups: killed in the hold.
        await using (var victim = HostProcess.Start(settings.With([.. sweeping, ("RapidStart__LocalHost__HoldAfterCommit", "00:10:00")]), settings.LogPath))
        {
            await ReliabilityApi.EventuallyAsync(
                async () => (await store.GetAsync(key, CancellationToken.None))!.Value.Status,
                s => s == SubscriptionStatus.Inactive || victim.HasExited, TimeSpan.FromSeconds(90), "the commit to Inactive");
            victim.KillHard();
        }

        // The commit is there; nothing that follows it is.
        Assert.Equal(SubscriptionStatus.Inactive, (await store.GetAsync(key, CancellationToken.None))!.Value.Status);
        Assert.Equal(SubscriptionStatus.Created, (await ListedAsync(store, key)).Status);
        Assert.Empty(Notices(settings, admin));
        var row = Assert.Single(await PendingAsync(domain, key));
        output.WriteLine($"killed with follow-up row {row.Id} pending");

        // 3. The next host's sweep applies the row once it is left over (30 s after its commit).
        await using var survivor = HostProcess.Start(settings.With(sweeping), settings.LogPath);
        await survivor.WaitUntilServingAsync(TimeSpan.FromSeconds(60));
        await ReliabilityApi.EventuallyAsync(
            () => PendingAsync(domain, key), rows => rows.Count == 0, TimeSpan.FromSeconds(90), "the follow-up row applied and cleared", pollMilliseconds: 500);
        await Task.Delay(3000); // a few more sweeps: they must change nothing

        Assert.Equal(SubscriptionStatus.Inactive, (await ListedAsync(store, key)).Status);
        Assert.Single(Notices(settings, admin));
        var history = await store.GetHistoryAsync(key, CancellationToken.None);
        Assert.Equal([SubscriptionStatus.Created, SubscriptionStatus.Inactive], history.Select(h => h.To).ToArray());
        Assert.Empty(await PendingAsync(domain, key));
    }

    /// <summary>The app's composition root in this process, over the hosts' storage and tables.</summary>
    private static ServiceProvider Domain(HostProcessSettings settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Values.Select(v => KeyValuePair.Create(v.Key.Replace("__", ":", StringComparison.Ordinal), (string?)v.Value)))
            .Build();
        return new ServiceCollection().AddLogging().AddRapidStart(configuration).BuildServiceProvider();
    }

    private static async Task<Subscription> ListedAsync(ISubscriptionStore store, SubscriptionKey key) =>
        (await store.ListAsync(Partner.PartnerId!, null, null, 1000, CancellationToken.None)).Items.Single(s => s.Key == key);

    private static Task<IReadOnlyList<PendingFollowUps>> PendingAsync(IServiceProvider domain, SubscriptionKey key) =>
        domain.GetRequiredService<IFollowUpStore>().ListPendingAsync(key.Region, key.CustomerId, CancellationToken.None);

    private static string[] Notices(HostProcessSettings settings, string admin) =>
        Mailbox.SubjectsTo(settings.MailDirectory, admin).Where(s => s.Contains("is inactive", StringComparison.Ordinal)).ToArray();

    private sealed class NoOrchestration : ILifecycleSignals
    {
        public static readonly NoOrchestration Instance = new();

        public Task SignalAsync(Subscription subscription, LifecycleSignal? signal, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
