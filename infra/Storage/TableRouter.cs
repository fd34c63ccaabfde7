using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// Sends each region's reads and writes to that region's storage account. Because every partition
/// key begins with a region, nothing else in the adapter needs to know whether a deployment uses one
/// account or one per region. Also owns table creation (once per process) and the health probe.
/// </summary>
public sealed partial class TableRouter
{
    private readonly StorageOptions _options;
    private readonly ILogger<TableRouter> _logger;
    private readonly TableServiceClient _defaultAccount;
    private readonly TableClient _defaultTable;
    private readonly TableClient _voiceTable;
    private readonly Dictionary<string, TableClient> _regionTables = new(StringComparer.Ordinal);
    private readonly Lock _ensureLock = new();
    private Task? _ensure;

    /// <param name="clientOptions">
    /// Pipeline options for every table client (retries, timeouts, and in tests a fault-injecting policy).
    /// Defaults to <see cref="DefaultClientOptions"/>.
    /// </param>
    public TableRouter(IOptions<StorageOptions> options, ILogger<TableRouter> logger, TableClientOptions? clientOptions = null)
    {
        clientOptions ??= DefaultClientOptions();
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        if (string.IsNullOrWhiteSpace(_options.ConnectionString))
        {
            throw new InvalidOperationException($"{StorageOptions.SectionName}:ConnectionString is required.");
        }

        // Regions that name the same connection string share one client (and so one table).
        var accounts = new Dictionary<string, TableServiceClient>(StringComparer.Ordinal);
        _defaultAccount = accounts[_options.ConnectionString] = new TableServiceClient(_options.ConnectionString, clientOptions);
        _defaultTable = _defaultAccount.GetTableClient(_options.TableName);
        _voiceTable = _defaultAccount.GetTableClient(_options.VoiceTableName);
        var tables = new Dictionary<TableServiceClient, TableClient>(ReferenceEqualityComparer.Instance) { [_defaultAccount] = _defaultTable };
        foreach (var (region, connectionString) in _options.RegionConnectionStrings)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                continue;
            }

            if (!accounts.TryGetValue(connectionString, out var account))
            {
                accounts[connectionString] = account = new TableServiceClient(connectionString, clientOptions);
                tables[account] = account.GetTableClient(_options.TableName);
            }

            _regionTables[region] = tables[account];
        }

        Accounts = accounts.Values.ToArray();
        MainTables = tables.Values.ToArray();
    }

    /// <summary>
    /// A few quick retries with a short network timeout: an HTTP request waiting on storage should
    /// fail over to a 503 in seconds, not hang for the SDK's default minute and a half.
    /// </summary>
    public static TableClientOptions DefaultClientOptions() => new()
    {
        Retry = { MaxRetries = 3, Delay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(2), NetworkTimeout = TimeSpan.FromSeconds(10) },
    };

    /// <summary>The VOICE adapter's table; VOICE is one external source, so it lives in the default account.</summary>
    public TableClient VoiceTable => _voiceTable;

    private IReadOnlyList<TableServiceClient> Accounts { get; }

    private IReadOnlyList<TableClient> MainTables { get; }

    /// <summary>The main table in the account that holds <paramref name="region"/>'s data.</summary>
    public TableClient For(string region)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        return _regionTables.GetValueOrDefault(region) ?? _defaultTable;
    }

    /// <summary>
    /// Creates the tables if they are missing: once per process when it succeeds, again on the next
    /// call when it failed (storage may have been down at start).
    /// </summary>
    public Task EnsureTablesAsync(CancellationToken cancellationToken)
    {
        Task ensure;
        lock (_ensureLock)
        {
            if (_ensure is null || _ensure.IsFaulted || _ensure.IsCanceled)
            {
                // Not tied to one caller's token: other callers may be waiting on the same task.
                _ensure = CreateTablesAsync();
            }

            ensure = _ensure;
        }

        return ensure.IsCompletedSuccessfully ? Task.CompletedTask : ensure.WaitAsync(cancellationToken);
    }

    /// <summary>A cheap read against every account; throws when storage does not answer.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        foreach (var table in MainTables)
        {
            // A point read of a key that never exists: one round trip, no data, fails if the account is down.
            await table.GetEntityIfExistsAsync<TableEntity>("~health", "ping", ["PartitionKey"], cancellationToken)
                .ConfigureAwait(false);
        }
    }

    private async Task CreateTablesAsync()
    {
        foreach (var account in Accounts)
        {
            await account.CreateTableIfNotExistsAsync(_options.TableName).ConfigureAwait(false);
        }

        await _defaultAccount.CreateTableIfNotExistsAsync(_options.VoiceTableName).ConfigureAwait(false);
        LogTablesReady(_options.TableName, _options.VoiceTableName, Accounts.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage tables {TableName} and {VoiceTableName} are ready in {AccountCount} account(s)")]
    private partial void LogTablesReady(string tableName, string voiceTableName, int accountCount);
}
