using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using RapidStart.Domain.Activation;
using RapidStart.Domain.Callers;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Subscriptions;
using RapidStart.Domain.Voice;
using RapidStart.Functions.Composition;
using RapidStart.Functions.Lifecycle;
using RapidStart.Infrastructure.Storage;
using RapidStart.IntegrationTests.Infrastructure;
using RapidStart.LocalHost;
using RapidStart.Testing;
using Xunit.Abstractions;

namespace RapidStart.IntegrationTests.Orchestration;

/// <summary>
/// Collections of the orchestration tests. The lifecycle runs on the real Durable Task engine
/// (in-process, <see cref="DurableTaskTestHost"/>) with the real domain services and table stores on
/// Azurite; tests inside a collection run one after another, and the local host (a full Azure Storage
/// task hub) has a collection of its own so two such hosts never compete for the same two cores.
/// </summary>
public static class OrchestrationCollections
{
    public const string Engine = "Orchestration: lifecycle on the Durable engine";
    public const string EmailFailure = "Orchestration: invitation email failing";
    public const string LocalHost = "Orchestration: local host restart";
}

[CollectionDefinition(OrchestrationCollections.Engine)]
public sealed class OrchestrationEngineCollection : ICollectionFixture<AzuriteFixture>;

/// <summary>Mostly idle (it waits out the activity retry back-off), so it runs beside the others.</summary>
[CollectionDefinition(OrchestrationCollections.EmailFailure)]
public sealed class OrchestrationEmailFailureCollection : ICollectionFixture<AzuriteFixture>;

[CollectionDefinition(OrchestrationCollections.LocalHost)]
public sealed class OrchestrationLocalHostCollection;

/// <summary>
/// One test's world: a <see cref="DurableTaskTestHost"/> that runs the Functions app's own orchestrator
/// and activities (registered exactly as the local host registers them), the composition root of the
/// app (<see cref="RapidStartServiceCollectionExtensions.AddRapidStart"/>) over its own tables on
/// Azurite, and a pickup folder for the .eml files.
/// </summary>
internal sealed class OrchestrationHarness : IAsyncDisposable
{
    public const string PartnerId = "P-1001";
    public const string ServiceId = "rapidstart";
    public const string Country = "DE";

    public static readonly Caller Partner = SignedIn("agent@p-1001.example", PartnerId);
    public static readonly Caller Support = SignedIn("desk@support.example", isSupport: true);

    private static readonly Regex ActivationLink = new(@"/api/activate\?token=(?<token>[^\s<>""]+)", RegexOptions.CultureInvariant);

    private readonly ILoggerFactory _loggerFactory;

    private OrchestrationHarness(DurableTaskTestHost host, ILoggerFactory loggerFactory, string connectionString, string tableName, string mailDirectory)
    {
        Host = host;
        _loggerFactory = loggerFactory;
        ConnectionString = connectionString;
        TableName = tableName;
        MailDirectory = mailDirectory;
        Signals = new DurableLifecycleSignals(
            host.Client, Services.GetRequiredService<IOptions<LifecycleOptions>>().Value, loggerFactory.CreateLogger<DurableLifecycleSignals>());
    }

    public DurableTaskTestHost Host { get; }

    public DurableTaskClient Client => Host.Client;

    public IServiceProvider Services => Host.Services;

    public string ConnectionString { get; }

    public string TableName { get; }

    public string MailDirectory { get; }

    /// <summary>The production adapter between the domain and the orchestration, over the test host's client.</summary>
    public ILifecycleSignals Signals { get; }

    public CustomerService Customers => Services.GetRequiredService<CustomerService>();

    public SubscriptionService Subscriptions => Services.GetRequiredService<SubscriptionService>();

    public ActivationService Activation => Services.GetRequiredService<ActivationService>();

    public ISubscriptionStore Store => Services.GetRequiredService<ISubscriptionStore>();

    public ExpirySweep Sweep => Services.GetRequiredService<ExpirySweep>();

    public LifecycleOptions Lifecycle => Services.GetRequiredService<IOptions<LifecycleOptions>>().Value;

    /// <summary>
    /// Starts a host. <paramref name="settings"/> overrides configuration (defaults: a 10-minute trial,
    /// so nothing time-driven happens unless a test asks for it).
    /// </summary>
    public static async Task<OrchestrationHarness> StartAsync(
        AzuriteFixture azurite,
        ITestOutputHelper output,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var tableName = AzuriteFixture.UniqueTableName("orch");
        var mailDirectory = Path.Combine(Path.GetTempPath(), "rapidstart-orch-mail-" + Guid.NewGuid().ToString("N")[..12]);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(azurite.ConnectionString, tableName, mailDirectory, settings)).Build();
        var loggerFactory = TestOutputLogging.Create(output);

        var host = await DurableTaskTestHost.StartAsync(
            DurableSidecar.RegisterFunctions,
            new DurableTaskTestHostOptions
            {
                Port = LoopbackPorts.Free(),
                LoggerFactory = loggerFactory,
                ConfigureServices = services =>
                {
                    services.AddRapidStart(configuration);
                    configureServices?.Invoke(services);
                },
            });

        var harness = new OrchestrationHarness(host, loggerFactory, azurite.ConnectionString, tableName, mailDirectory);

        // The hosted initializers may or may not have run yet: make sure, rather than race them.
        await harness.Services.GetRequiredService<TableRouter>().EnsureTablesAsync(CancellationToken.None);
        return harness;
    }

    public static Dictionary<string, string?> Settings(string connectionString, string tableName, string mailDirectory, IDictionary<string, string?>? overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["RapidStart:Auth:ClientId"] = DevTokens.ClientId,
            ["RapidStart:Storage:ConnectionString"] = connectionString,
            ["RapidStart:Storage:TableName"] = tableName,
            ["RapidStart:Storage:VoiceTableName"] = tableName + "voice",
            ["RapidStart:Email:PickupDirectory"] = mailDirectory,
            ["RapidStart:Lifecycle:TrialPeriod"] = "00:10:00",
            ["RapidStart:Lifecycle:RetentionPeriod"] = "00:10:00",
            ["RapidStart:Lifecycle:ReminderOffsets:0"] = "00:00:04",
            ["RapidStart:Lifecycle:ReminderOffsets:1"] = "00:00:02",
            // The app requires an app registration; these tests call the domain, never the HTTP API.
            ["RapidStart:Auth:ClientId"] = "00000000-0000-0000-0000-00000000c11e",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        _loggerFactory.Dispose();
        try
        {
            if (Directory.Exists(MailDirectory))
            {
                Directory.Delete(MailDirectory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    // ---- customers and subscriptions ----

    public static string NewAdministratorAccount() => $"admin-{Guid.NewGuid():N}"[..20] + "@customer.example";

    public Task<Customer> CreateProspectAsync(string? administratorAccount = null) =>
        Customers.CreateAsync(Partner, ProspectDraft(administratorAccount ?? NewAdministratorAccount()), CancellationToken.None);

    public static CustomerDraft ProspectDraft(string administratorAccount) => new(
        CustomerKinds.Prospect,
        VoiceAccountNumber: null,
        FillFromVoice: false,
        new OrganizationDraft("Fabrikam Maschinenbau GmbH", new AddressDraft("Hauptstraße 5", "München", "Bayern", "80331", Country)),
        new AdministratorDraft("Dana Berger", administratorAccount, "it." + administratorAccount));

    /// <summary>Signs up through the domain service; the production signals start the orchestration.</summary>
    public Task<Subscription> SignUpAsync(Customer customer, ILifecycleSignals? signals = null) =>
        Subscriptions.SignUpAsync(Partner, customer.CustomerId, ServiceId, Country, signals ?? Signals, CancellationToken.None);

    public Task<Subscription> SendActivationAsync(Customer customer) =>
        Subscriptions.SendActivationAsync(Partner, customer.CustomerId, ServiceId, null, null, Signals, CancellationToken.None);

    public async Task<Subscription> SubscriptionAsync(Customer customer) =>
        (await Subscriptions.GetAsync(Partner, customer.CustomerId, ServiceId, CancellationToken.None)).Value;

    public Task<IReadOnlyList<AuditEntry>> HistoryAsync(Customer customer) =>
        Subscriptions.GetHistoryAsync(Partner, customer.CustomerId, ServiceId, CancellationToken.None);

    /// <summary>Adds a VOICE account of the test partner to the VOICE table, as the seed file would.</summary>
    public async Task<string> SeedVoiceAccountAsync(string? number = null)
    {
        number ??= "V-" + Random.Shared.Next(100000, 999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Services.GetRequiredService<TableVoiceDirectory>().SeedAsync(
            [new VoiceAccount(number, PartnerId, "Fabrikam Maschinenbau GmbH", new Address("Hauptstraße 5", "München", "Bayern", "80331", Country))]);
        return number;
    }

    public static Caller AdministratorCaller(Customer customer) => SignedIn(customer.Administrator!.MicrosoftAccountId);

    /// <summary>A caller whose token verified <paramref name="address"/>, with a stable identity of its own.</summary>
    public static Caller SignedIn(string address, string? partnerId = null, bool isSupport = false) =>
        new(new AccountIdentity(Guid.Empty.ToString("D"), new Guid(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(address))).ToString("D")),
            address, address, partnerId, isSupport);

    // ---- tokens (read straight from the table: the store has no "list tokens") ----

    public async Task<IReadOnlyList<TableEntity>> TokensAsync(SubscriptionKey key)
    {
        var table = new TableClient(ConnectionString, TableName);
        var partition = TableKeys.CustomerPartition(key.Region, key.CustomerId);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {partition} and RowKey ge {TableKeys.TokenPrefix} and RowKey lt {TableKeys.PrefixEnd(TableKeys.TokenPrefix)}");
        var tokens = new List<TableEntity>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter))
        {
            tokens.Add(entity);
        }

        return tokens;
    }

    public async Task<IReadOnlyList<TableEntity>> LiveTokensAsync(SubscriptionKey key) =>
        (await TokensAsync(key)).Where(t => t.GetString("State") == nameof(TokenState.Live)).ToList();

    // ---- email ----

    public IReadOnlyList<Mail> Emails() => ReadMail(MailDirectory);

    public static IReadOnlyList<Mail> ReadMail(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.GetFiles(directory, "*.eml")
            .Select(path => (Path: path, Written: File.GetLastWriteTimeUtc(path)))
            .OrderBy(f => f.Written)
            .Select(f =>
            {
                using var stream = File.OpenRead(f.Path);
                var message = MimeMessage.Load(stream);
                return new Mail(f.Path, message.Subject ?? "", message.To.Mailboxes.Single().Address, message.TextBody ?? "", f.Written, message.Headers[NotificationKinds.Header] ?? "");
            })
            .ToList();
    }

    public IReadOnlyList<Mail> Invitations() => Emails().Where(m => m.Kind == NotificationKinds.Invitation).ToList();

    public Task<IReadOnlyList<Mail>> WaitForInvitationsAsync(int count, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => Task.FromResult(Invitations()), mails => mails.Count >= count, timeout ?? TimeSpan.FromSeconds(20), $"{count} invitation email(s)");

    /// <summary>The token of an invitation's activation link, as the administrator's browser would send it.</summary>
    public static string TokenOf(Mail invitation)
    {
        var match = ActivationLink.Match(invitation.Text);
        Assert.True(match.Success, $"No activation link in the invitation email:\n{invitation.Text}");
        return Uri.UnescapeDataString(match.Groups["token"].Value);
    }

    // ---- the engine ----

    public async Task<OrchestrationMetadata> WaitForInstanceAsync(string instanceId, Func<OrchestrationMetadata, bool> done, TimeSpan timeout, string what) =>
        (await Eventually.UntilAsync(
            () => Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true),
            instance => instance is not null && done(instance),
            timeout,
            what))!;

    public Task<OrchestrationMetadata> WaitForCompletionAsync(string instanceId, TimeSpan timeout) =>
        WaitForInstanceAsync(instanceId, i => i.RuntimeStatus is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated, timeout, $"orchestration {instanceId} to finish");
}

/// <summary>An .eml file from the pickup folder; <see cref="Kind"/> is its lifecycle message, in any language.</summary>
internal sealed record Mail(string Path, string Subject, string To, string Text, DateTime WrittenAt, string Kind);

/// <summary>Signals that go nowhere: a subscription whose orchestration was never started (or was lost).</summary>
internal sealed class NoLifecycleSignals : ILifecycleSignals
{
    public static readonly NoLifecycleSignals Instance = new();

    public Task SignalAsync(Subscription subscription, LifecycleSignal? signal, CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static class Eventually
{
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(150);

    /// <summary>Polls until <paramref name="done"/> holds; fails with the last value seen when time runs out.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var (reached, last) = await Polling.UntilAsync(probe, done, timeout, Poll);
        if (!reached)
        {
            Assert.Fail($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}; last seen: {Describe(last)}");
        }

        return last;
    }

    /// <summary>Waits until the wall clock has passed <paramref name="moment"/> (plus a margin for the engine).</summary>
    public static Task PastAsync(DateTimeOffset moment, TimeSpan? margin = null)
    {
        var wait = moment + (margin ?? TimeSpan.FromMilliseconds(500)) - DateTimeOffset.UtcNow;
        return wait > TimeSpan.Zero ? Task.Delay(wait) : Task.CompletedTask;
    }

    private static string Describe(object? value) => value switch
    {
        null => "nothing",
        System.Collections.IEnumerable items and not string => $"[{string.Join(", ", items.Cast<object?>().Select(i => i?.ToString()))}]",
        OrchestrationMetadata instance => $"{instance.InstanceId} {instance.RuntimeStatus} {instance.FailureDetails?.ErrorMessage}",
        _ => value.ToString() ?? "",
    };
}

/// <summary>Routes the hosts' logs to the test's output, so a failing run shows what the engine and activities did.</summary>
internal static class TestOutputLogging
{
    public static ILoggerFactory Create(ITestOutputHelper output) => LoggerFactory.Create(logging => logging
        .SetMinimumLevel(LogLevel.Information)
        .AddFilter("Microsoft", LogLevel.Warning)
        .AddFilter("Grpc", LogLevel.Warning)
        .AddFilter("System", LogLevel.Warning)
        .AddFilter("DurableTask", LogLevel.Warning)
        .AddProvider(new Provider(output)));

    private sealed class Provider(ITestOutputHelper output) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(output, categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class Logger(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}";
                output.WriteLine(exception is null ? line : $"{line}\n{exception}");
            }
            catch (InvalidOperationException)
            {
                // The test is over; the host is still shutting down.
            }
        }
    }
}
