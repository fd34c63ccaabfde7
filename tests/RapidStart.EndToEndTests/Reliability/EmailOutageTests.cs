using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Notifications;
using RapidStart.Infrastructure.Email;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>The local host with a switchable email port in front of its pickup folder.</summary>
public class EmailOutageHost : ReliabilityHost
{
    public SwitchableEmailSender Email { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<IEmailSender>(provider =>
        {
            Email.Inner = provider.GetRequiredService<PickupDirectoryEmailSender>();
            return Email;
        });
}

/// <summary>The same, with trials of a few seconds, for the inactivation notice.</summary>
public sealed class ShortTrialEmailOutageHost : EmailOutageHost
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RapidStart:Lifecycle:TrialPeriod"] = "00:00:03",
    };
}

/// <summary>The email provider failing for longer than the orchestration's retries, seen over HTTP.</summary>
public sealed class EmailOutageTests(EmailOutageHost host) : IClassFixture<EmailOutageHost>
{
    [Fact]
    public async Task An_invitation_that_cannot_be_mailed_shows_last_error_and_a_later_send_activation_delivers()
    {
        var partner = await host.PartnerAsync();
        const string admin = "outage@reliability.example";
        var id = await ReliabilityApi.SignedUpProspectAsync(partner, admin);

        host.Email.FailAll();
        var clock = Stopwatch.StartNew();
        await HttpAssert.JsonAsync(await ReliabilityApi.SendActivationAsync(partner, id), HttpStatusCode.Accepted);

        // 5 attempts: 2 s, 4 s, 8 s, 16 s between them (about 30 s; Durable's retry timers count from the
        // orchestration's replay time, so a little less), then RecordInvitationFailure.
        var failed = await ReliabilityApi.EventuallyAsync(
            () => ReliabilityApi.SubscriptionAsync(partner, id),
            s => s.GetProperty("invitation").GetProperty("lastError").ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(75), "invitation.lastError set", pollMilliseconds: 500);
        var tookToGiveUp = clock.Elapsed;
        Assert.Equal("InvitationSent", failed.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("invitation").GetProperty("sentAt").ValueKind);
        Assert.Contains("Injected email outage", failed.GetProperty("invitation").GetProperty("lastError").GetString());
        Assert.Equal(5, host.Email.Failures);
        Assert.True(tookToGiveUp > TimeSpan.FromSeconds(24), $"gave up after {tookToGiveUp.TotalSeconds:F0} s, before the retries ran out");
        Assert.Empty(Mailbox.SubjectsTo(host.MailDirectory, admin));

        host.Email.Heal();
        await HttpAssert.JsonAsync(await ReliabilityApi.SendActivationAsync(partner, id), HttpStatusCode.Accepted);
        var token = (await Mailbox.ActivationTokensAsync(host.MailDirectory, id, 1)).Single();
        var sent = await ReliabilityApi.EventuallyAsync(
            () => ReliabilityApi.SubscriptionAsync(partner, id),
            s => s.GetProperty("invitation").GetProperty("sentAt").ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(20), "invitation marked sent");
        Assert.Equal(JsonValueKind.Null, sent.GetProperty("invitation").GetProperty("lastError").ValueKind);
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync($"/api/activate?token={Uri.EscapeDataString(token)}")).StatusCode);

        // Each failed attempt issued a link before its send failed; all of them are dead now.
        Assert.Equal(1, await host.LiveTokensAsync("eu-west", id));
    }
}

/// <summary>
/// What follows the Inactive commit at the deadline (the Service List line, the inactivation
/// notice) when it fails once. The activity is retried and the sweep runs again, and the notice has
/// an idempotency key made for exactly that retry (<c>{subscription}:inactivated:{inactivatedAt}</c>),
/// so both should still happen.
/// </summary>
public sealed class DeadlineSideEffectTests(ShortTrialEmailOutageHost host) : IClassFixture<ShortTrialEmailOutageHost>
{
    [Fact]
    public async Task The_inactivation_notice_arrives_even_if_the_first_send_fails()
    {
        var partner = await host.PartnerAsync();
        const string admin = "notice@reliability.example";
        host.Email.FailWhen(m => m.To == admin && m.Subject.Contains("is inactive", StringComparison.Ordinal) && host.Email.Failures == 0);
        var id = await ReliabilityApi.SignedUpProspectAsync(partner, admin);

        await ReliabilityApi.EventuallyAsync(
            () => ReliabilityApi.SubscriptionAsync(partner, id),
            s => s.GetProperty("status").GetString() == "Inactive",
            TimeSpan.FromSeconds(30), "Inactive");
        Assert.Equal(1, (await ReliabilityApi.HistoryTargetsAsync(partner, id)).Count(t => t == "Inactive"));

        // The activity's first retry comes 2 s after the failure.
        await ReliabilityApi.EventuallyAsync(
            () => Task.FromResult(Mailbox.SubjectsTo(host.MailDirectory, admin)),
            subjects => subjects.Any(s => s.Contains("is inactive", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the inactivation notice");
        Assert.Equal(1, host.Email.Failures);
    }

    /// <summary>The same failure taken by the sweep: a lost orchestration leaves the sweep to send the notice.</summary>
    [Fact]
    public async Task The_sweep_sends_the_inactivation_notice_it_failed_to_send_before()
    {
        var partner = await host.PartnerAsync();
        const string admin = "swept-notice@reliability.example";
        var id = await SignedUpWithoutOrchestrationAsync(partner, admin);

        var sweep = host.Services.GetRequiredService<ExpirySweep>();
        host.Email.FailWhen(m => m.To == admin);
        await Assert.ThrowsAnyAsync<Exception>(() => sweep.RunAsync(CancellationToken.None));
        host.Email.Heal();
        Assert.Equal("Inactive", (await ReliabilityApi.SubscriptionAsync(partner, id)).GetProperty("status").GetString());

        await sweep.RunAsync(CancellationToken.None);
        Assert.Contains(Mailbox.SubjectsTo(host.MailDirectory, admin), s => s.Contains("is inactive", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_sweep_repairs_a_service_list_line_it_failed_to_write()
    {
        var partner = await host.PartnerAsync();
        var id = await SignedUpWithoutOrchestrationAsync(partner, "swept-listing@reliability.example");
        var sweep = host.Services.GetRequiredService<ExpirySweep>();

        host.Faults.Arm(r => r.IsWrite && r.Mentions("|services|P-1001") && r.Mentions(id));
        await Assert.ThrowsAnyAsync<Exception>(() => sweep.RunAsync(CancellationToken.None));
        host.Faults.Disarm();
        Assert.Equal("Inactive", (await ReliabilityApi.SubscriptionAsync(partner, id)).GetProperty("status").GetString());

        await sweep.RunAsync(CancellationToken.None);
        var listed = await HttpAssert.JsonAsync(await partner.GetAsync("/api/services?status=Inactive"), HttpStatusCode.OK);
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), s => s.GetProperty("customerId").GetString() == id);
    }

    /// <summary>A prospect signed up, its orchestration terminated (only the sweep may move it), and its 3-second trial over.</summary>
    private async Task<string> SignedUpWithoutOrchestrationAsync(HttpClient partner, string admin)
    {
        var id = await ReliabilityApi.SignedUpProspectAsync(partner, admin);
        var durable = host.Services.GetRequiredService<DurableTaskClient>();
        await durable.TerminateInstanceAsync($"lifecycle:{id}:rapidstart", "only the sweep may move it");
        await ReliabilityApi.EventuallyAsync(
            async () => (await durable.GetInstanceAsync($"lifecycle:{id}:rapidstart"))?.RuntimeStatus,
            s => s == OrchestrationRuntimeStatus.Terminated, TimeSpan.FromSeconds(20), "orchestration terminated");
        var deadline = (await ReliabilityApi.SubscriptionAsync(partner, id)).GetProperty("trialEndsAt").GetDateTimeOffset();
        var wait = deadline - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        return id;
    }
}
