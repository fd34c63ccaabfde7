using Microsoft.Extensions.DependencyInjection;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Subscriptions;
using RapidStart.Infrastructure.Storage;
using RapidStart.IntegrationTests.Infrastructure;
using Xunit.Abstractions;
using static RapidStart.IntegrationTests.Orchestration.OrchestrationHarness;

namespace RapidStart.IntegrationTests.Orchestration;

/// <summary>
/// A change whose process died right after its commit, on the real Durable engine: nothing that follows
/// the commit ran (no Service List line, no signal), and the sweep applies the follow-up row, once.
/// </summary>
[Collection(OrchestrationCollections.Engine)]
public sealed class FollowUpRecoveryTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task A_send_activation_that_died_after_its_commit_is_listed_and_signalled_once_by_the_sweep()
    {
        // Arrange: a subscription whose orchestration is running and waiting.
        var clock = new ShiftedClock();
        DyingStore? dying = null;
        await using var h = await StartAsync(azurite, output, configureServices: services =>
        {
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton<ISubscriptionStore>(sp => dying = new DyingStore(sp.GetRequiredService<TableSubscriptionStore>()));
        });
        var customer = await h.CreateProspectAsync();
        await h.SignUpAsync(customer);
        await h.WaitForInstanceAsync(
            Functions.Lifecycle.ActivationLifecycle.InstanceIdFor(new SubscriptionKey("eu-west", customer.CustomerId, ServiceId)),
            i => i.RuntimeStatus == Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Running, TimeSpan.FromSeconds(30), "orchestration running");

        // Act 1: Send Activation commits, and its process "dies" before the first follow-up.
        dying!.DieBeforeNextListing();
        await Assert.ThrowsAsync<ProcessDiedException>(() => h.SendActivationAsync(customer));

        // Assert 1: the record changed; the Service List and the orchestration did not hear of it.
        var key = (await h.SubscriptionAsync(customer)).Key;
        Assert.Equal(SubscriptionStatus.InvitationSent, (await h.SubscriptionAsync(customer)).Status);
        Assert.Equal(SubscriptionStatus.Created, (await ListedAsync(h, key)).Status);
        Assert.Single(await PendingAsync(h, key));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Empty(h.Invitations());

        // Act 2: a sweep right away leaves the row to its own request, which may still be applying it.
        await h.Sweep.RunAsync(h.Signals, CancellationToken.None);
        Assert.Single(await PendingAsync(h, key));

        // Act 3: once the row is left over, the sweep applies it, and later sweeps find nothing.
        clock.Shift(FollowUpDispatcher.LeftOverAfter + TimeSpan.FromSeconds(1));
        await h.Sweep.RunAsync(h.Signals, CancellationToken.None);
        await h.WaitForInvitationsAsync(1);
        await h.Sweep.RunAsync(h.Signals, CancellationToken.None);
        await h.Sweep.RunAsync(h.Signals, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(3));

        // Assert: listed once as it is, signalled once (one invitation mailed, one live link), row gone.
        Assert.Equal(SubscriptionStatus.InvitationSent, (await ListedAsync(h, key)).Status);
        Assert.Single(h.Invitations());
        Assert.Single(await h.LiveTokensAsync(key));
        Assert.Empty(await PendingAsync(h, key));
        Assert.Equal(1, dying.Listings(key)); // the InvitationSent line (before the mail) was written once, by the sweep
    }

    private static async Task<Subscription> ListedAsync(OrchestrationHarness h, SubscriptionKey key) =>
        (await h.Store.ListAsync(PartnerId, null, null, 1000, CancellationToken.None)).Items.Single(s => s.Key == key);

    private static Task<IReadOnlyList<PendingFollowUps>> PendingAsync(OrchestrationHarness h, SubscriptionKey key) =>
        h.Services.GetRequiredService<IFollowUpStore>().ListPendingAsync(key.Region, key.CustomerId, CancellationToken.None);

    private sealed class ProcessDiedException() : Exception("The process died here (simulated).");

    /// <summary>The system clock, moved forward on demand (the Durable engine keeps its own time).</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        private TimeSpan _offset;

        public void Shift(TimeSpan by) => _offset += by;

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + _offset;
    }

    /// <summary>The table store, whose next Service List write fails as if the process had died, counting the writes that land.</summary>
    private sealed class DyingStore(TableSubscriptionStore inner) : DelegatingSubscriptionStore(inner)
    {
        private readonly Dictionary<SubscriptionKey, int> _listings = [];
        private bool _dieBeforeNextListing;

        public void DieBeforeNextListing() => _dieBeforeNextListing = true;

        public int Listings(SubscriptionKey key)
        {
            lock (_listings)
            {
                return _listings.GetValueOrDefault(key);
            }
        }

        public override async Task UpsertListingAsync(Subscription subscription, CancellationToken cancellationToken)
        {
            if (_dieBeforeNextListing)
            {
                _dieBeforeNextListing = false;
                throw new ProcessDiedException();
            }

            await base.UpsertListingAsync(subscription, cancellationToken);
            if (subscription.Status == SubscriptionStatus.InvitationSent && subscription.Invitation?.SentAt is null)
            {
                lock (_listings)
                {
                    _listings[subscription.Key] = _listings.GetValueOrDefault(subscription.Key) + 1;
                }
            }
        }
    }
}
