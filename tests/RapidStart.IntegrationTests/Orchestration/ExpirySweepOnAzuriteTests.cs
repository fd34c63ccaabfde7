using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;
using RapidStart.Domain.Voice;
using RapidStart.Functions.Composition;
using RapidStart.Functions.Lifecycle;
using RapidStart.Infrastructure.Storage;
using RapidStart.IntegrationTests.Infrastructure;
using Xunit.Abstractions;
using static RapidStart.IntegrationTests.Orchestration.OrchestrationHarness;

namespace RapidStart.IntegrationTests.Orchestration;

/// <summary>The expiry sweep: the safety net that repairs what a lost orchestration would have done.</summary>
[Collection(OrchestrationCollections.Engine)]
public sealed class ExpirySweepOnAzuriteTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_subscription_whose_orchestration_was_lost_is_inactivated_and_later_purged_by_the_sweep()
    {
        await using var h = await StartAsync(azurite, output, new Dictionary<string, string?>
        {
            ["RapidStart:Lifecycle:TrialPeriod"] = "00:00:03",
            ["RapidStart:Lifecycle:RetentionPeriod"] = "00:00:03",
        });
        var customer = await h.CreateProspectAsync();
        var signedUp = await h.SignUpAsync(customer);
        var instanceId = ActivationLifecycle.InstanceIdFor(signedUp.Key);

        // Lose the orchestration: terminated, and its history purged.
        await h.WaitForInstanceAsync(instanceId, i => i.RuntimeStatus == OrchestrationRuntimeStatus.Running, TimeSpan.FromSeconds(10), "the orchestration to run");
        await h.Client.TerminateInstanceAsync(instanceId, "simulated loss");
        await h.WaitForInstanceAsync(instanceId, i => i.RuntimeStatus == OrchestrationRuntimeStatus.Terminated, TimeSpan.FromSeconds(10), "the orchestration to terminate");

        // Purged once the timer it had scheduled has fired into the terminated instance: the in-process
        // test engine spins on a timer message for an instance it no longer knows (a test-host quirk).
        await Eventually.PastAsync(signedUp.TrialEndsAt!.Value);
        var purge = await h.Client.PurgeInstanceAsync(instanceId);
        Assert.Equal(1, purge.PurgedInstanceCount);
        Assert.Null(await h.Client.GetInstanceAsync(instanceId));
        Assert.Equal(SubscriptionStatus.Created, (await h.SubscriptionAsync(customer)).Status);

        var first = await h.Sweep.RunAsync(None);
        Assert.Equal(new SweepResult(Examined: 1, Inactivated: 1, Purged: 0), first);
        var inactive = await h.SubscriptionAsync(customer);
        Assert.Equal(SubscriptionStatus.Inactive, inactive.Status);
        var inactivation = (await h.HistoryAsync(customer))[^1];
        Assert.Equal((SubscriptionStatus.Created, SubscriptionStatus.Inactive), (inactivation.From!.Value, inactivation.To));
        Assert.Equal(LifecycleTransitions.SweepActor, inactivation.Actor);
        Assert.Single(h.Emails(), m => m.Kind == NotificationKinds.Inactivated);

        await Eventually.PastAsync(inactive.RetentionEndsAt!.Value);
        var second = await h.Sweep.RunAsync(None);
        Assert.Equal(new SweepResult(Examined: 1, Inactivated: 0, Purged: 1), second);
        var purged = await h.SubscriptionAsync(customer);
        Assert.Equal(SubscriptionStatus.Purged, purged.Status);
        var purge2 = (await h.HistoryAsync(customer))[^1];
        Assert.Equal((SubscriptionStatus.Inactive, SubscriptionStatus.Purged), (purge2.From!.Value, purge2.To));
        Assert.Equal(LifecycleTransitions.SweepActor, purge2.Actor);
        var read = await Assert.ThrowsAsync<ProblemException>(() => h.Customers.GetAsync(Partner, customer.CustomerId, None));
        Assert.Equal(ProblemKind.Gone, read.Kind);
        Assert.Single(h.Emails(), m => m.Kind == NotificationKinds.Purged);

        // Nothing left to do: the sweep removed what it handled.
        Assert.Equal(new SweepResult(0, 0, 0), await h.Sweep.RunAsync(None));
    }

    [Fact]
    public async Task The_sweep_examines_only_due_items_not_every_subscription()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tableName = AzuriteFixture.UniqueTableName("sweep");
        var mail = Path.Combine(Path.GetTempPath(), "rapidstart-sweep-mail-" + Guid.NewGuid().ToString("N")[..12]);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(Settings(azurite.ConnectionString, tableName, mail, new Dictionary<string, string?> { ["RapidStart:Lifecycle:TrialPeriod"] = "01:00:00" }))
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(clock)
            .AddLogging(logging => logging.AddProvider(new NullProvider()));
        services.AddRapidStart(configuration);
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<TableRouter>().EnsureTablesAsync(None);
        var customers = provider.GetRequiredService<CustomerService>();
        var subscriptions = provider.GetRequiredService<SubscriptionService>();

        // 30 permanent subscriptions: customers with a VOICE account have no deadline.
        var numbers = Enumerable.Range(0, 30).Select(i => $"V-7{i:D5}").ToArray();
        await provider.GetRequiredService<TableVoiceDirectory>().SeedAsync(
            numbers.Select(n => new VoiceAccount(n, PartnerId, $"Permanent {n}", new Address("Hauptstraße 5", "München", null, "80331", Country))));
        await Parallel.ForEachAsync(numbers, new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (number, ct) =>
        {
            var draft = ProspectDraft(NewAdministratorAccount()) with { Kind = CustomerKinds.Existing, VoiceAccountNumber = number };
            var customer = await customers.CreateAsync(Partner, draft, ct);
            var subscription = await subscriptions.SignUpAsync(Partner, customer.CustomerId, ServiceId, Country, NoLifecycleSignals.Instance, ct);
            Assert.True(subscription.IsPermanent);
        });

        // Two prospects due by the time the sweep runs, and one whose deadline is still ahead.
        var due = new List<Customer>();
        for (var i = 0; i < 2; i++)
        {
            var customer = await customers.CreateAsync(Partner, ProspectDraft(NewAdministratorAccount()), None);
            await subscriptions.SignUpAsync(Partner, customer.CustomerId, ServiceId, Country, NoLifecycleSignals.Instance, None);
            due.Add(customer);
        }

        clock.Advance(TimeSpan.FromMinutes(30));
        var notYet = await customers.CreateAsync(Partner, ProspectDraft(NewAdministratorAccount()), None);
        await subscriptions.SignUpAsync(Partner, notYet.CustomerId, ServiceId, Country, NoLifecycleSignals.Instance, None);
        clock.Advance(TimeSpan.FromMinutes(31));

        var result = await provider.GetRequiredService<ExpirySweep>().RunAsync(None);

        Assert.Equal(new SweepResult(Examined: 2, Inactivated: 2, Purged: 0), result);
        foreach (var customer in due)
        {
            Assert.Equal(SubscriptionStatus.Inactive, (await subscriptions.GetAsync(Partner, customer.CustomerId, ServiceId, None)).Value.Status);
        }

        Assert.Equal(SubscriptionStatus.Created, (await subscriptions.GetAsync(Partner, notYet.CustomerId, ServiceId, None)).Value.Status);
        var page = await subscriptions.ListAsync(Partner, nameof(SubscriptionStatus.Created), null, 1000, None);
        Assert.Equal(31, page.Items.Count);
        output.WriteLine($"Sweep over 33 subscriptions: {result}");
        TryDelete(mail);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    private sealed class NullProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public void Dispose()
        {
        }
    }
}
