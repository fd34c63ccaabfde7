using DurableTask.Core.History;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
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
/// row committed with the change is found by the next sweep and applied once, for a transition of the
/// sweep's own and for Send Activation over HTTP, whose follow-ups include the orchestration's signal.
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

    [Fact]
    public async Task Killing_the_host_between_a_send_activation_over_HTTP_and_its_signal_leaves_a_row_the_next_host_applies_once()
    {
        const string admin = "held-send@reliability.example";
        var settings = new HostProcessSettings(storage.ConnectionString);
        output.WriteLine($"host log: {settings.LogPath}");
        await using var domain = Domain(settings);
        var store = domain.GetRequiredService<ISubscriptionStore>();

        // 1. A host that holds every commit with follow-ups: Send Activation commits InvitationSent, then
        //    waits before the Service List line and the orchestration's signal; it is killed in the wait.
        string customerId;
        await using (var victim = HostProcess.Start(settings.With(("RapidStart__LocalHost__HoldAfterCommit", "00:10:00")), settings.LogPath))
        {
            await victim.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
            var partner = await victim.PartnerAsync();
            customerId = await ReliabilityApi.SignedUpProspectAsync(partner, admin);

            // The orchestration reads the record before its first timer: had it started only after the
            // commit, it would see InvitationSent and send the invitation itself, with no signal at all.
            await WaitForFirstTimerAsync(settings, $"lifecycle:{customerId}:rapidstart");
            var send = ReliabilityApi.SendActivationAsync(partner, customerId);
            await ReliabilityApi.EventuallyAsync(
                async () => (await ReliabilityApi.SubscriptionAsync(partner, customerId)).GetProperty("status").GetString(),
                status => status == "InvitationSent", TimeSpan.FromSeconds(60), "the commit to InvitationSent");
            victim.KillHard();
            var ended = await Record.ExceptionAsync(() => send);
            output.WriteLine($"the held Send Activation ended with {(ended is null ? "an answer" : ended.GetType().Name)}");
        }

        // The commit is there; nothing that follows it is: no invitation, the Service List still says Created.
        var subscription = (await store.ListAsync(Partner.PartnerId!, null, null, 1000, CancellationToken.None)).Items.Single(s => s.CustomerId == customerId);
        var key = subscription.Key;
        Assert.Equal(SubscriptionStatus.Created, subscription.Status);
        Assert.Equal(SubscriptionStatus.InvitationSent, (await store.GetAsync(key, CancellationToken.None))!.Value.Status);
        Assert.Empty(Mailbox.SubjectsTo(settings.MailDirectory, admin));
        var row = Assert.Single(await PendingAsync(domain, key));
        output.WriteLine($"killed with follow-up row {row.Id} pending");

        // 2. The next host's sweep (with its Durable client) applies the row once it is left over: the
        //    line is rewritten, the orchestration is told, and its activity mails the invitation.
        await using var survivor = HostProcess.Start(
            settings.With(("RapidStart__LocalHost__RunTimers", "true"), ("RapidStart__Sweep__Schedule", "* * * * * *")), settings.LogPath);
        await survivor.WaitUntilServingAsync(TimeSpan.FromSeconds(60));
        await ReliabilityApi.EventuallyAsync(
            () => PendingAsync(domain, key), rows => rows.Count == 0, TimeSpan.FromSeconds(90), "the follow-up row applied and cleared", pollMilliseconds: 500);
        var tokens = await Mailbox.ActivationTokensAsync(settings.MailDirectory, customerId, 1, timeoutSeconds: 60);
        await Task.Delay(3000); // a few more sweeps: they must change nothing

        Assert.Single(tokens);
        Assert.Single(Mailbox.SubjectsTo(settings.MailDirectory, admin));
        Assert.Equal(SubscriptionStatus.InvitationSent, (await ListedAsync(store, key)).Status);
        var partnerAgain = await survivor.PartnerAsync();
        Assert.Equal(["Created", "InvitationSent"], await ReliabilityApi.HistoryTargetsAsync(partnerAgain, customerId));
        Assert.Empty(await PendingAsync(domain, key));
    }

    private static async Task WaitForFirstTimerAsync(HostProcessSettings settings, string instanceId)
    {
        using var channel = GrpcChannel.ForAddress($"http://localhost:{settings.SidecarPort}");
        await using var durable = new GrpcDurableTaskClient("reliability", new GrpcDurableTaskClientOptions { Channel = channel }, NullLogger.Instance);
        await ReliabilityApi.EventuallyAsync(
            async () =>
            {
                try
                {
                    return await durable.GetOrchestrationHistoryAsync(instanceId);
                }
                catch (RpcException)
                {
                    return [];
                }
            },
            history => history.Any(e => e is TimerCreatedEvent), TimeSpan.FromSeconds(60), "the orchestration waiting on its first timer");
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
