using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Subscriptions;
using RapidStart.Domain.Voice;
using RapidStart.Functions.Lifecycle;
using RapidStart.Infrastructure.Storage;

namespace RapidStart.Testing;

/// <summary>What happens to one subscription in a run of <see cref="ConcurrentLives"/>.</summary>
public enum LifeStory
{
    /// <summary>Invited, accepted, given a VOICE number before its first reminder: Active for good (its instance completes).</summary>
    Kept,

    /// <summary>Invited and accepted, no VOICE number: reminders, inactivated at the deadline, purged after retention.</summary>
    AcceptedLapsed,

    /// <summary>Invited, never accepted: reminders, inactivated, purged.</summary>
    InvitedLapsed,

    /// <summary>Signed up, never sent: reminders (to the administrator on the record), inactivated, purged.</summary>
    NeverInvited,
}

/// <summary>
/// How many lives, how long each lasts, and how many requests drive them at once. Every fourth life
/// is of each <see cref="LifeStory"/>, so half are accepted and a quarter get a VOICE number.
/// </summary>
public sealed record LivesPlan(int Count, TimeSpan Trial, TimeSpan Retention, IReadOnlyList<TimeSpan> ReminderOffsets, int Parallelism = 16)
{
    /// <summary>The local host settings that compress a life to this plan (<c>RapidStart:Lifecycle</c>).</summary>
    public Dictionary<string, string?> HostSettings()
    {
        var settings = new Dictionary<string, string?>
        {
            ["RapidStart:Lifecycle:TrialPeriod"] = Trial.ToString("c", CultureInfo.InvariantCulture),
            ["RapidStart:Lifecycle:RetentionPeriod"] = Retention.ToString("c", CultureInfo.InvariantCulture),
        };
        for (var i = 0; i < ReminderOffsets.Count; i++)
        {
            settings[$"RapidStart:Lifecycle:ReminderOffsets:{i}"] = ReminderOffsets[i].ToString("c", CultureInfo.InvariantCulture);
        }

        return settings;
    }

    public static LifeStory StoryOf(int index) => (LifeStory)(index % 4);

    /// <summary>
    /// The durable timers that fire in a life of this story, as offsets from its sign-up: each
    /// reminder, the deadline, the end of retention. A kept life fires none (its signals win).
    /// </summary>
    public IReadOnlyList<TimeSpan> TimersOf(LifeStory story) => story == LifeStory.Kept
        ? []
        : [.. ReminderOffsets.OrderByDescending(o => o).Select(o => Trial - o), Trial, Trial + Retention];

    /// <summary>
    /// The activities a life of this story runs: ReadLifecycle, SendInvitation if sent, then one per
    /// fired timer (SendTrialReminder, ApplyDeadline, ApplyRetentionEnd).
    /// </summary>
    public int ActivitiesOf(LifeStory story) => 1 + (story == LifeStory.NeverInvited ? 0 : 1) + TimersOf(story).Count;

    /// <summary>The lifecycle signals a life of this story raises: Send Activation, acceptance, the VOICE number.</summary>
    public static int SignalsOf(LifeStory story) => story switch
    {
        LifeStory.Kept => 3,
        LifeStory.AcceptedLapsed => 2,
        LifeStory.InvitedLapsed => 1,
        _ => 0,
    };
}

/// <summary>One life as it went: when its sign-up was answered, when its orchestration completed, and how late that was.</summary>
public sealed record LifeOutcome(int Index, LifeStory Story, string CustomerId, DateTimeOffset SignedUpAt, DateTimeOffset? CompletedAt, TimeSpan? LateBy);

/// <summary>
/// A run of many whole lives: what happened to each, and every way in which that differs from its
/// story (<see cref="Problems"/> is empty when nothing was lost).
/// </summary>
public sealed record LivesRun(
    LivesPlan Plan,
    IReadOnlyList<LifeOutcome> Lives,
    IReadOnlyList<string> Problems,
    IReadOnlyDictionary<string, int> MailsByKind,
    IReadOnlyDictionary<string, int> InstancesByStatus,
    int ServiceListLines,
    int KeptWithReminderAllowed,
    int RemindersDroppedAsLate,
    TimeSpan SignUpElapsed)
{
    public DateTimeOffset FirstSignUp => Lives.Min(l => l.SignedUpAt);

    public DateTimeOffset? LastCompletion => Lives.Max(l => l.CompletedAt);

    /// <summary>Activities plus fired timers of every life, as its story has them.</summary>
    public int Transitions => Lives.Sum(l => Plan.ActivitiesOf(l.Story) + Plan.TimersOf(l.Story).Count);

    public int Signals => Lives.Sum(l => LivesPlan.SignalsOf(l.Story));
}

/// <summary>
/// Drives many subscriptions through compressed whole lives on a running local host, over HTTP as a
/// partner and the invited administrators would, and then checks each against its story: final
/// state, exactly the right mails (read from the pickup folder), its orchestration instance
/// completed, and the partner's Service List agreeing with the records. Used by the concurrent-lives
/// end-to-end test and the bench's whole-lives section.
/// </summary>
public sealed partial class ConcurrentLives
{
    private readonly IServiceProvider _services;
    private readonly string _baseUrl;
    private readonly string _mailDirectory;
    private readonly HttpClient _partner;
    private readonly string _partnerId;
    private readonly Action<string> _log;
    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];

    /// <summary>How long a driver waits for an invitation before it counts the life as failed.</summary>
    private static readonly TimeSpan InvitationWait = TimeSpan.FromSeconds(240);

    private readonly DroppedReminderLog _dropped;

    /// <param name="dropped">The host's log of reminders dropped as late (added to its services with <see cref="DroppedReminderLog.AddTo"/>).</param>
    public ConcurrentLives(IServiceProvider services, string baseUrl, string mailDirectory, HttpClient partner, string partnerId, DroppedReminderLog dropped, Action<string>? log = null)
    {
        _dropped = dropped;
        _services = services;
        _baseUrl = baseUrl;
        _mailDirectory = mailDirectory;
        _partner = partner;
        _partnerId = partnerId;
        _log = log ?? (_ => { });
    }

    private sealed class Life(int index, LifeStory story)
    {
        public int Index { get; } = index;
        public LifeStory Story { get; } = story;
        public string? CustomerId { get; set; }
        public DateTimeOffset SignedUpAt { get; set; }
        public DateTimeOffset? TrialEndsAt { get; set; }
        public DateTimeOffset? VoiceAt { get; set; }
        public DateTimeOffset? CompletedAt { get; set; }
        public string? Failure { get; set; }
    }

    /// <summary>Drives every life, waits for its instance to end, then checks it; <paramref name="allEnded"/> runs between the last two.</summary>
    public async Task<LivesRun> RunAsync(LivesPlan plan, CancellationToken cancellationToken, Action? allEnded = null)
    {
        var countries = ServiceCatalog.Default().Find(ServiceCatalog.RapidStartServiceId)!.Countries.Select(c => c.CountryRegion).ToArray();
        var lives = Enumerable.Range(0, plan.Count).Select(i => new Life(i, LivesPlan.StoryOf(i))).ToArray();

        // A VOICE account of the partner for every kept life (one number holds one customer).
        await _services.GetRequiredService<TableVoiceDirectory>().SeedAsync(
            lives.Where(l => l.Story == LifeStory.Kept).Select(l => new VoiceAccount(VoiceNumber(l.Index), _partnerId, Organization(l.Index), new Address(null, "Dublin", null, null, "IE"))),
            cancellationToken);

        using var anonymous = new HttpClient { BaseAddress = new Uri(_baseUrl), Timeout = TimeSpan.FromSeconds(100) };
        using var mail = new MailWatch(_mailDirectory);
        using var stopWatching = new CancellationTokenSource();
        var watching = Task.Run(() => mail.RunAsync(stopWatching.Token), CancellationToken.None);

        _log($"whole lives: {plan.Count} lives, {plan.Parallelism} at a time; trial {plan.Trial.TotalSeconds:0} s, retention {plan.Retention.TotalSeconds:0} s, reminders {string.Join(", ", plan.ReminderOffsets.Select(o => $"{o.TotalSeconds:0} s"))} before the deadline");
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(lives, new ParallelOptions { MaxDegreeOfParallelism = plan.Parallelism, CancellationToken = cancellationToken }, async (life, ct) =>
        {
            try
            {
                await LiveAsync(life, countries[life.Index % countries.Length], anonymous, mail, ct);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException or JsonException)
            {
                life.Failure = $"{e.GetType().Name}: {e.Message.Split('\n')[0]}";
            }
        });
        var signUpElapsed = clock.Elapsed;
        _log($"whole lives: every life driven in {signUpElapsed.TotalSeconds:0.0} s ({lives.Count(l => l.Failure is not null)} failed); waiting for the orchestrations to finish");

        await WaitForCompletionAsync(plan, lives, cancellationToken);
        allEnded?.Invoke();
        await mail.ScanAsync();
        await stopWatching.CancelAsync();
        await watching;
        _log($"whole lives: {lives.Count(l => l.CompletedAt is not null)}/{plan.Count} instances completed; checking records, mails, instances and the Service List");

        var problems = new ConcurrentQueue<string>();
        foreach (var life in lives.Where(l => l.Failure is not null))
        {
            problems.Enqueue($"life {life.Index} ({life.Story}): {life.Failure}");
        }

        var statuses = new ConcurrentDictionary<string, string>();
        var keptWithReminderAllowed = 0;
        await Parallel.ForEachAsync(lives.Where(l => l.CustomerId is not null), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (life, ct) =>
        {
            var record = await GetJsonAsync(_partner, $"/api/customers/{life.CustomerId}/services/{ServiceCatalog.RapidStartServiceId}", ct);
            var status = record.GetProperty("status").GetString()!;
            statuses[life.CustomerId!] = status;
            var expected = life.Story == LifeStory.Kept ? "Active" : "Purged";
            if (status != expected || (life.Story == LifeStory.Kept && record.GetProperty("trialEndsAt").ValueKind != JsonValueKind.Null))
            {
                problems.Enqueue($"life {life.Index} ({life.Story}, {life.CustomerId}): status {status}, trialEndsAt {record.GetProperty("trialEndsAt")}; expected {expected}{(life.Story == LifeStory.Kept ? " with no trial deadline" : "")}");
            }

            var mails = mail.To(Contact(life.Index));
            var reminderAllowance = plan.ReminderOffsets.Count;
            var reminderFloor = plan.ReminderOffsets.Count;
            if (life.Story == LifeStory.Kept)
            {
                // A reminder is due at deadline - offset; one due before the VOICE number was asked for may
                // have gone out, one due after it must not.
                reminderFloor = 0;
                reminderAllowance = plan.ReminderOffsets.Count(o => life.TrialEndsAt - o <= life.VoiceAt);
                if (reminderAllowance > 0)
                {
                    Interlocked.Increment(ref keptWithReminderAllowed);
                }
            }

            Expect(life, mails, MailWatch.Invitation, life.Story == LifeStory.NeverInvited ? 0 : 1, problems);

            // A reminder the engine ran after the deadline is dropped by rule, and logged: it counts as accounted for, not as sent.
            var reminders = mails.Count(m => m == MailWatch.Reminder) + _dropped.For(life.CustomerId!);
            if (reminders < reminderFloor || reminders > reminderAllowance)
            {
                problems.Enqueue($"life {life.Index} ({life.Story}, {life.CustomerId}): {reminders} reminder(s) mailed or dropped as late, expected {(reminderFloor == reminderAllowance ? reminderFloor.ToString(CultureInfo.InvariantCulture) : $"{reminderFloor} to {reminderAllowance}")}");
            }

            Expect(life, mails, MailWatch.Inactivated, life.Story == LifeStory.Kept ? 0 : 1, problems);
            Expect(life, mails, MailWatch.Purged, life.Story == LifeStory.Kept ? 0 : 1, problems);
            var other = mails.Count(m => m == MailWatch.Other);
            if (other > 0)
            {
                problems.Enqueue($"life {life.Index} ({life.Story}, {life.CustomerId}): {other} mail(s) of no known kind");
            }
        });

        // Every lifecycle instance of this host: each completed, none running, pending or failed, one per life.
        var instances = new Dictionary<string, int>(StringComparer.Ordinal);
        var durable = _services.GetRequiredService<DurableTaskClient>();
        await foreach (var instance in durable.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = "lifecycle:", PageSize = 1000 }).WithCancellation(cancellationToken))
        {
            var name = instance.RuntimeStatus.ToString();
            instances[name] = instances.GetValueOrDefault(name) + 1;
        }

        var completed = instances.GetValueOrDefault(nameof(OrchestrationRuntimeStatus.Completed));
        if (completed != lives.Count(l => l.CustomerId is not null) || instances.Count != 1)
        {
            problems.Enqueue($"lifecycle instances: {string.Join(", ", instances.Select(p => $"{p.Value} {p.Key}"))}; expected {lives.Count(l => l.CustomerId is not null)} Completed and nothing else");
        }

        // The partner's Service List against the records just read.
        var listed = await ServiceListAsync(cancellationToken);
        foreach (var (customerId, status) in statuses)
        {
            if (!listed.TryGetValue(customerId, out var line))
            {
                problems.Enqueue($"Service List: {customerId} missing (record {status})");
            }
            else if (line != status)
            {
                problems.Enqueue($"Service List: {customerId} listed {line}, record {status}");
            }
        }

        foreach (var extra in listed.Keys.Except(statuses.Keys))
        {
            problems.Enqueue($"Service List: {extra} listed but not one of this run's lives");
        }

        // Lateness: completion against the last timer's due time, counted from the sign-up as the server
        // recorded it (its trial deadline less the trial).
        var outcomes = lives.Where(l => l.CustomerId is not null).Select(l => new LifeOutcome(
            l.Index, l.Story, l.CustomerId!, l.SignedUpAt, l.CompletedAt,
            l.CompletedAt is { } done && l.Story != LifeStory.Kept && l.TrialEndsAt is { } deadline ? done - (deadline - plan.Trial + plan.TimersOf(l.Story)[^1]) : null)).ToArray();
        return new LivesRun(plan, outcomes, problems.ToArray(), mail.CountByKind(), instances, listed.Count, keptWithReminderAllowed, _dropped.Total, signUpElapsed);
    }

    private static void Expect(Life life, IReadOnlyList<string> mails, string kind, int expected, ConcurrentQueue<string> problems)
    {
        var count = mails.Count(m => m == kind);
        if (count != expected)
        {
            problems.Enqueue($"life {life.Index} ({life.Story}, {life.CustomerId}): {count} {kind} mail(s), expected {expected}");
        }
    }

    /// <summary>One life's requests: create, sign up, and as its story says send, accept, give the VOICE number.</summary>
    private async Task LiveAsync(Life life, string country, HttpClient anonymous, MailWatch mail, CancellationToken cancellationToken)
    {
        var n = life.Index;
        var created = await PostJsonAsync(_partner, "/api/customers", new
        {
            kind = "prospect",
            organization = new { name = Organization(n), address = new { street = $"{n} Life Street", city = "Springfield", postalCode = "12345", countryRegion = country } },
            administrator = new { name = $"Admin {n}", microsoftAccountId = Administrator(n), contactEmail = Contact(n) },
        }, HttpStatusCode.Created, cancellationToken);
        var customerId = created.GetProperty("customerId").GetString()!;
        var signedUp = await PostJsonAsync(_partner, $"/api/customers/{customerId}/services", new { serviceId = ServiceCatalog.RapidStartServiceId, countryRegion = country }, HttpStatusCode.Created, cancellationToken);
        life.CustomerId = customerId;
        life.SignedUpAt = DateTimeOffset.UtcNow;
        life.TrialEndsAt = signedUp.GetProperty("trialEndsAt").GetDateTimeOffset();
        if (life.Story == LifeStory.NeverInvited)
        {
            return;
        }

        await PostJsonAsync(_partner, $"/api/customers/{customerId}/services/{ServiceCatalog.RapidStartServiceId}/activation", null, HttpStatusCode.Accepted, cancellationToken);
        if (life.Story == LifeStory.InvitedLapsed)
        {
            return;
        }

        // Generous: a busy engine mails late, and a late invitation is not a lost one.
        var token = await mail.InvitationTokenAsync(Contact(n), customerId, InvitationWait, cancellationToken)
            ?? throw new InvalidOperationException($"no invitation for {customerId} within {InvitationWait.TotalSeconds:0} s");
        var bearer = await DevTokens.IssueAsync(anonymous, Administrator(n));
        using (var accept = new HttpRequestMessage(HttpMethod.Post, "/api/activate")
        {
            Content = JsonContent.Create(new { token, acceptAgreement = true, acceptPrivacyStatement = true }),
        })
        {
            accept.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            using var accepted = await anonymous.SendAsync(accept, cancellationToken);
            await EnsureAsync(accepted, HttpStatusCode.OK, "POST /api/activate", cancellationToken);
        }

        if (life.Story == LifeStory.Kept)
        {
            life.VoiceAt = DateTimeOffset.UtcNow;
            using var voice = await _partner.PutAsJsonAsync($"/api/customers/{customerId}/voice-account", new { voiceAccountNumber = VoiceNumber(n) }, cancellationToken);
            await EnsureAsync(voice, HttpStatusCode.OK, "PUT voice-account", cancellationToken);
        }
    }

    /// <summary>Waits until every life's instance ended; a kept life is due at once, the others when their last timer is.</summary>
    private async Task WaitForCompletionAsync(LivesPlan plan, Life[] lives, CancellationToken cancellationToken)
    {
        var started = lives.Where(l => l.CustomerId is not null).ToArray();
        var instances = started.Select(l => (
            ActivationLifecycle.InstanceIdFor(new SubscriptionKey(CustomerId.RegionOf(l.CustomerId!)!, l.CustomerId!, ServiceCatalog.RapidStartServiceId)),
            l.Story == LifeStory.Kept ? l.SignedUpAt : l.SignedUpAt + plan.TimersOf(l.Story)[^1])).ToArray();
        var lastDue = instances.Length == 0 ? DateTimeOffset.UtcNow : instances.Max(i => i.Item2);
        var ended = await InstanceCompletion.WaitAsync(
            _services.GetRequiredService<DurableTaskClient>(), instances, lastDue + TimeSpan.FromSeconds(Math.Max(120, plan.Count / 10.0)), _log, cancellationToken);
        for (var i = 0; i < started.Length; i++)
        {
            started[i].CompletedAt = ended[i];
        }
    }

    /// <summary>The partner's whole Service List: customer ID to listed status.</summary>
    private async Task<Dictionary<string, string>> ServiceListAsync(CancellationToken cancellationToken)
    {
        var listed = new Dictionary<string, string>(StringComparer.Ordinal);
        string? continuation = null;
        do
        {
            var page = await GetJsonAsync(_partner, "/api/services?pageSize=1000" + (continuation is null ? "" : "&continuationToken=" + Uri.EscapeDataString(continuation)), cancellationToken);
            foreach (var item in page.GetProperty("items").EnumerateArray())
            {
                listed[item.GetProperty("customerId").GetString()!] = item.GetProperty("status").GetString()!;
            }

            continuation = page.TryGetProperty("continuationToken", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (continuation is not null);
        return listed;
    }

    private string Organization(int n) => $"Life {_tag} {n} Ltd";

    private string Administrator(int n) => $"admin-{_tag}-{n}@life{n}.example";

    private string Contact(int n) => $"it-{_tag}-{n}@life{n}.example";

    private string VoiceNumber(int n) => $"VL-{_tag.ToUpperInvariant()}-{n:D5}";

    private static async Task<JsonElement> PostJsonAsync(HttpClient client, string path, object? body, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        using var response = body is null
            ? await client.PostAsync(path, null, cancellationToken)
            : await client.PostAsJsonAsync(path, body, cancellationToken);
        await EnsureAsync(response, expected, $"POST {path}", cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(path, cancellationToken);
        await EnsureAsync(response, HttpStatusCode.OK, $"GET {path}", cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected, string what, CancellationToken cancellationToken)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException($"{what} answered {(int)response.StatusCode}, expected {(int)expected}: {(body.Length > 300 ? body[..300] : body)}");
        }
    }

    /// <summary>
    /// Reads each new <c>.eml</c> of the pickup folder once, as it appears: who it is to, what kind it
    /// is (from the subject), and an invitation's activation token.
    /// </summary>
    private sealed partial class MailWatch(string directory) : IDisposable
    {
        public const string Invitation = "invitation";
        public const string Reminder = "reminder";
        public const string Inactivated = "inactivation notice";
        public const string Purged = "deletion notice";
        public const string Other = "other";

        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, ConcurrentQueue<(string Kind, string? Token)>> _byRecipient = new(StringComparer.OrdinalIgnoreCase);
        private readonly SemaphoreSlim _scan = new(1, 1);

        public async Task RunAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                await ScanAsync();
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        public async Task ScanAsync()
        {
            await _scan.WaitAsync();
            try
            {
                if (!Directory.Exists(directory))
                {
                    return;
                }

                foreach (var file in Directory.EnumerateFiles(directory, "*.eml"))
                {
                    if (_seen.Contains(file))
                    {
                        continue;
                    }

                    MimeKit.MimeMessage message;
                    string text;
                    try
                    {
                        text = await File.ReadAllTextAsync(file);
                        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
                        message = await MimeKit.MimeMessage.LoadAsync(stream);
                    }
                    catch (IOException)
                    {
                        continue; // being moved into place: read it on the next round
                    }

                    _seen.Add(file);
                    // The header names the message in every language; subjects are translated.
                    var kind = message.Headers[RapidStart.Domain.Notifications.NotificationKinds.Header] switch
                    {
                        RapidStart.Domain.Notifications.NotificationKinds.Invitation => Invitation,
                        RapidStart.Domain.Notifications.NotificationKinds.TrialReminder => Reminder,
                        RapidStart.Domain.Notifications.NotificationKinds.Inactivated => Inactivated,
                        RapidStart.Domain.Notifications.NotificationKinds.Purged => Purged,
                        _ => Other,
                    };
                    var token = kind == Invitation && Link().Match(text) is { Success: true } link ? Uri.UnescapeDataString(link.Groups[1].Value) : null;
                    foreach (var to in message.To.Mailboxes)
                    {
                        _byRecipient.GetOrAdd(to.Address, _ => new ConcurrentQueue<(string, string?)>()).Enqueue((kind, token));
                    }
                }
            }
            finally
            {
                _scan.Release();
            }
        }

        public IReadOnlyList<string> To(string address) =>
            _byRecipient.TryGetValue(address, out var mails) ? mails.Select(m => m.Kind).ToArray() : [];

        public IReadOnlyDictionary<string, int> CountByKind() =>
            _byRecipient.Values.SelectMany(q => q).GroupBy(m => m.Kind).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

        /// <summary>The activation token of the customer's invitation to <paramref name="address"/>, once it is in the folder.</summary>
        public async Task<string?> InvitationTokenAsync(string address, string customerId, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                if (_byRecipient.TryGetValue(address, out var mails)
                    && mails.FirstOrDefault(m => m.Token?.StartsWith(customerId + ".", StringComparison.Ordinal) == true).Token is { } token)
                {
                    return token;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }

            return null;
        }

        public void Dispose() => _scan.Dispose();

        [GeneratedRegex(@"activate\?token=([A-Za-z0-9._~%-]+)")]
        private static partial Regex Link();
    }
}
