using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Moq;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Subscriptions;
using RapidStart.Functions.Lifecycle;
using RapidStart.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace RapidStart.IntegrationTests.Orchestration;

/// <summary>
/// The invitation activity's retry policy (5 attempts, 2 s first interval, doubling) against an
/// email adapter that always fails: about 30 s of back-off, so this class has a collection of its own.
/// </summary>
[Collection(OrchestrationCollections.EmailFailure)]
public sealed class InvitationFailureTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string Outage = "The mail relay refused the message (simulated outage).";

    [Fact]
    public async Task When_every_send_fails_the_retries_run_out_the_error_is_recorded_and_the_subscription_stays_InvitationSent()
    {
        var email = new Mock<IEmailSender>();
        email.Setup(e => e.SendAsync(It.IsAny<EmailMessage>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException(Outage));
        await using var h = await OrchestrationHarness.StartAsync(azurite, output, configureServices: services =>
        {
            services.RemoveAll<IEmailSender>();
            services.AddSingleton(email.Object);
        });
        var customer = await h.CreateProspectAsync();
        var signedUp = await h.SignUpAsync(customer);
        var instanceId = ActivationLifecycle.InstanceIdFor(signedUp.Key);
        await h.SendActivationAsync(customer);

        var failed = await Eventually.UntilAsync(
            () => h.SubscriptionAsync(customer),
            s => s.Invitation?.LastError is not null,
            TimeSpan.FromSeconds(75),
            "the invitation failure to be recorded");

        Assert.Equal(SubscriptionStatus.InvitationSent, failed.Status);
        Assert.Null(failed.Invitation!.SentAt);
        Assert.Contains(Outage, failed.Invitation.LastError, StringComparison.Ordinal);
        email.Verify(e => e.SendAsync(It.Is<EmailMessage>(m => m.To == customer.Administrator!.ContactEmail), It.IsAny<CancellationToken>()), Times.Exactly(5));
        Assert.Empty(h.Emails());

        // The orchestration survives the failure and keeps waiting (a new Send Activation can retry).
        var instance = await h.Client.GetInstanceAsync(instanceId);
        Assert.Equal(OrchestrationRuntimeStatus.Running, instance!.RuntimeStatus);
        Assert.Equal(SubscriptionStatus.InvitationSent, (await h.SubscriptionAsync(customer)).Status);
    }
}
