using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>The local host with default lifecycle settings (90-day trials), for contention tests.</summary>
public sealed class ConcurrencyHost : ReliabilityHost;

/// <summary>Many requests on one record at once: ETags serialize them, and nobody gets a 5xx.</summary>
public sealed class ConcurrencyTests(ConcurrencyHost host, ITestOutputHelper output) : IClassFixture<ConcurrencyHost>
{
    [Fact]
    public async Task Fifty_parallel_send_activations_accept_at_most_five_and_leave_one_live_link()
    {
        var partner = await host.PartnerAsync();
        var id = await ReliabilityApi.SignedUpProspectAsync(partner, "fifty@reliability.example");
        var durable = host.Services.GetRequiredService<DurableTaskClient>();
        var instanceId = $"lifecycle:{id}:rapidstart";
        var before = await ReliabilityApi.EventuallyAsync(
            () => durable.GetInstanceAsync(instanceId), i => i is not null, TimeSpan.FromSeconds(20), "the orchestration started at sign-up");

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = Enumerable.Range(0, 50).Select(async _ =>
        {
            await go.Task;
            var response = await ReliabilityApi.SendActivationAsync(partner, id);
            return (Status: response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta, Body: await response.Content.ReadAsStringAsync());
        }).ToArray();
        go.SetResult();
        var results = await Task.WhenAll(requests);

        var distribution = string.Join(", ", results.GroupBy(r => (int)r.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}"));
        output.WriteLine($"50 parallel Send Activation: {distribution}");
        Assert.DoesNotContain(results, r => (int)r.Status >= 500);
        var accepted = results.Count(r => r.Status == HttpStatusCode.Accepted);
        Assert.InRange(accepted, 1, 5);
        Assert.All(results.Where(r => r.Status != HttpStatusCode.Accepted), r =>
        {
            Assert.Contains(r.Status, new[] { HttpStatusCode.TooManyRequests, HttpStatusCode.Conflict, HttpStatusCode.PreconditionFailed });
            if (r.Status == HttpStatusCode.TooManyRequests)
            {
                Assert.True(r.RetryAfter > TimeSpan.Zero, "429 without Retry-After");
            }
        });

        // One send in the audit trail per 202, and one orchestration instance: the one sign-up started.
        var history = await ReliabilityApi.HistoryTargetsAsync(partner, id);
        Assert.Equal(accepted, history.Count(t => t == "InvitationSent"));
        var instances = new List<OrchestrationMetadata>();
        await foreach (var instance in durable.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = $"lifecycle:{id}" }))
        {
            instances.Add(instance);
        }

        var only = Assert.Single(instances);
        Assert.Equal(instanceId, only.InstanceId);
        Assert.Equal(before!.CreatedAt, only.CreatedAt);
        Assert.Equal(OrchestrationRuntimeStatus.Running, only.RuntimeStatus);

        // Settled: the newest invitation is marked sent, and of every mailed link only the newest works.
        await ReliabilityApi.EventuallyAsync(
            () => ReliabilityApi.SubscriptionAsync(partner, id),
            s => s.GetProperty("invitation").GetProperty("sentAt").ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(45), "the newest invitation marked sent");
        await Task.Delay(1500);
        var tokens = await Mailbox.ActivationTokensAsync(host.MailDirectory, id, 1);
        var statuses = await ReliabilityApi.LinkStatusesAsync(host.Http, tokens);
        output.WriteLine($"{tokens.Count} link(s) mailed: {string.Join(", ", statuses.Select(s => (int)s))}");
        Assert.Equal(HttpStatusCode.OK, statuses[^1]);
        Assert.All(statuses[..^1], s => Assert.Equal(HttpStatusCode.Gone, s));
        Assert.Equal(1, await host.LiveTokensAsync("eu-west", id));
    }

    [Fact]
    public async Task Twenty_parallel_role_changes_never_leave_the_organization_without_an_administrator()
    {
        var partner = await host.PartnerAsync();
        const string a = "ada@roles.example", b = "bo@roles.example", c = "cy@roles.example";
        var id = await ReliabilityApi.SignedUpProspectAsync(partner, a);
        await HttpAssert.JsonAsync(await ReliabilityApi.SendActivationAsync(partner, id), HttpStatusCode.Accepted);
        var token = (await Mailbox.ActivationTokensAsync(host.MailDirectory, id, 1)).Single();
        var ada = await host.ClientAsAsync(a);
        await HttpAssert.JsonAsync(
            await ada.PostAsJsonAsync("/api/activate", new { token, acceptAgreement = true, acceptPrivacyStatement = true }), HttpStatusCode.OK);

        var users = $"/api/portal/customers/{id}/users";
        var readers = Enumerable.Range(1, 9).Select(i => $"reader{i:D2}@roles.example").ToArray();
        foreach (var (account, role) in new[] { (b, "Administrator"), (c, "Administrator") }.Concat(readers.Select(r => (r, "Reader"))))
        {
            await HttpAssert.JsonAsync(await ada.PostAsJsonAsync(users, new { microsoftAccountId = account, displayName = account, role }), HttpStatusCode.Created);
        }

        var clients = new Dictionary<string, HttpClient> { [a] = ada, [b] = await host.ClientAsAsync(b), [c] = await host.ClientAsAsync(c) };
        var watcher = await host.ClientAsAsync(readers[^1]);

        // Each administrator demotes every administrator (itself included), each removes another,
        // and 8 readers are promoted meanwhile: whoever commits last would leave nobody in charge.
        var admins = new[] { a, b, c };
        var storm = new List<(string Caller, string What, Func<HttpClient, Task<HttpResponseMessage>> Send)>();
        foreach (var caller in admins)
        {
            foreach (var target in admins)
            {
                storm.Add((caller, $"demote {target}", h => h.PutAsJsonAsync($"{users}/{target}", new { role = "Reader" })));
            }
        }

        storm.Add((a, $"remove {b}", h => h.DeleteAsync($"{users}/{b}")));
        storm.Add((b, $"remove {c}", h => h.DeleteAsync($"{users}/{c}")));
        storm.Add((c, $"remove {a}", h => h.DeleteAsync($"{users}/{a}")));
        storm.AddRange(readers.Take(8).Select((r, i) =>
            (admins[i % 3], $"promote {r}", (Func<HttpClient, Task<HttpResponseMessage>>)(h => h.PutAsJsonAsync($"{users}/{r}", new { role = "Administrator" })))));
        storm = storm.OrderBy(_ => Random.Shared.Next()).ToList();
        Assert.Equal(20, storm.Count);

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = new CancellationTokenSource();
        var snapshots = new List<int>();
        var watching = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var list = await HttpAssert.JsonAsync(await watcher.GetAsync(users), HttpStatusCode.OK);
                lock (snapshots)
                {
                    snapshots.Add(list.GetProperty("items").EnumerateArray().Count(u => u.GetProperty("role").GetString() == "Administrator"));
                }
            }
        });
        var sent = storm.Select(async change =>
        {
            await go.Task;
            var response = await change.Send(clients[change.Caller]);
            return (change.Caller, change.What, Status: response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }).ToArray();
        go.SetResult();
        var results = await Task.WhenAll(sent);
        done.Cancel();
        await watching;

        foreach (var result in results)
        {
            output.WriteLine($"{result.Caller}: {result.What} -> {(int)result.Status}");
        }

        output.WriteLine($"{snapshots.Count} snapshots during the storm; fewest administrators seen: {snapshots.DefaultIfEmpty(-1).Min()}");
        output.WriteLine("answers: " + string.Join(", ", results.GroupBy(r => (int)r.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}")));
        Assert.DoesNotContain(results, r => (int)r.Status >= 500);

        // 403: the caller had itself just been demoted or removed by another request; 404: its target was removed.
        Assert.All(results, r => Assert.Contains(r.Status, new[]
        {
            HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.Conflict, HttpStatusCode.Forbidden, HttpStatusCode.NotFound,
        }));
        Assert.All(snapshots, count => Assert.True(count >= 1, "a snapshot without an Administrator"));
        var after = await HttpAssert.JsonAsync(await watcher.GetAsync(users), HttpStatusCode.OK);
        var remaining = after.GetProperty("items").EnumerateArray()
            .Where(u => u.GetProperty("role").GetString() == "Administrator").Select(u => u.GetProperty("microsoftAccountId").GetString()!).ToArray();
        Assert.NotEmpty(remaining);

        // Then every remaining administrator steps down at once: all but one may, the last one gets 409.
        var go2 = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var account in remaining.Where(r => !clients.ContainsKey(r)))
        {
            clients[account] = await host.ClientAsAsync(account);
        }

        var stepping = remaining.Select(async account =>
        {
            var client = clients[account];
            await go2.Task;
            return (await client.PutAsJsonAsync($"{users}/{account}", new { role = "Reader" })).StatusCode;
        }).ToArray();
        go2.SetResult();
        var stepDowns = await Task.WhenAll(stepping);
        output.WriteLine($"{remaining.Length} administrators stepping down at once: " + string.Join(", ", stepDowns.Select(s => (int)s)));
        Assert.Equal(remaining.Length - 1, stepDowns.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.Conflict, Assert.Single(stepDowns, s => s != HttpStatusCode.OK));
        var final = await HttpAssert.JsonAsync(await watcher.GetAsync(users), HttpStatusCode.OK);
        Assert.Single(final.GetProperty("items").EnumerateArray(), u => u.GetProperty("role").GetString() == "Administrator");
    }

    [Fact]
    public async Task Concurrent_voice_account_puts_with_one_if_match_let_exactly_one_win_and_a_stale_one_none()
    {
        var partner = await host.PartnerAsync();
        var created = await HttpAssert.JsonAsync(await ReliabilityApi.CreateProspectAsync(partner, "ifmatch@reliability.example"), HttpStatusCode.Created);
        var id = created.GetProperty("customerId").GetString()!;
        await ReliabilityApi.SignUpAsync(partner, id);
        var etag = (await partner.GetAsync($"/api/customers/{id}")).Headers.ETag!.ToString();

        string[] numbers = ["V-100200", "V-100201", "V-100202", "V-100203", "V-100204", "V-100205"];
        var results = await PutConcurrentlyAsync(partner, id, etag, numbers);
        foreach (var (number, status) in results)
        {
            output.WriteLine($"If-Match current, {number} -> {(int)status}");
        }

        Assert.DoesNotContain(results, r => (int)r.Status >= 500);
        var winner = Assert.Single(results, r => r.Status == HttpStatusCode.OK).Number;
        Assert.All(results.Where(r => r.Number != winner), r =>
            Assert.Contains(r.Status, new[] { HttpStatusCode.PreconditionFailed, HttpStatusCode.Conflict }));
        var customer = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{id}"), HttpStatusCode.OK);
        Assert.Equal(winner, customer.GetProperty("voiceAccountNumber").GetString());
        Assert.Equal("existing", customer.GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, (await ReliabilityApi.SubscriptionAsync(partner, id)).GetProperty("trialEndsAt").ValueKind);

        // The same If-Match again is stale now: every one of them is a 412, the winner's number included.
        var stale = await PutConcurrentlyAsync(partner, id, etag, [winner, .. numbers.Where(n => n != winner).Take(3)]);
        Assert.All(stale, r => Assert.Equal(HttpStatusCode.PreconditionFailed, r.Status));
        Assert.Equal(winner, (await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{id}"), HttpStatusCode.OK)).GetProperty("voiceAccountNumber").GetString());

        // A loser's claim, if it got that far, does not keep its number from another customer.
        var loser = numbers.First(n => n != winner);
        await HttpAssert.JsonAsync(await ReliabilityApi.CreateExistingAsync(partner, loser, "loser@reliability.example"), HttpStatusCode.Created);
    }

    private static async Task<(string Number, HttpStatusCode Status)[]> PutConcurrentlyAsync(HttpClient partner, string id, string etag, string[] numbers)
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var puts = numbers.Select(async number =>
        {
            await go.Task;
            using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/customers/{id}/voice-account")
            {
                Content = JsonContent.Create(new { voiceAccountNumber = number }),
            };
            request.Headers.TryAddWithoutValidation("If-Match", etag);
            var response = await partner.SendAsync(request);
            return (number, response.StatusCode);
        }).ToArray();
        go.SetResult();
        return await Task.WhenAll(puts);
    }
}
