using Azure.Data.Tables;
using RapidStart.Testing;

namespace RapidStart.Bench;

/// <summary>
/// The bench's storage: the Azurite <c>./rapidstart bench</c> started (its connection string in
/// <c>RapidStart__Storage__ConnectionString</c>), or else a private in-memory one.
/// </summary>
public sealed class BenchStorage : IAsyncDisposable
{
    public const string ConnectionStringVariable = "RapidStart__Storage__ConnectionString";

    private readonly AzuriteServer? _private;

    private BenchStorage(string connectionString, string source, AzuriteServer? privateAzurite)
    {
        ConnectionString = connectionString;
        Source = source;
        _private = privateAzurite;
    }

    public string ConnectionString { get; }

    /// <summary>Where the Azurite came from, for the report.</summary>
    public string Source { get; }

    /// <summary>The private Azurite's process, when the bench started one.</summary>
    public int? AzuritePid => _private?.Process?.Id;

    public static async Task<BenchStorage> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } configured)
        {
            return new BenchStorage(configured, $"Azurite from {ConnectionStringVariable} (started by ./rapidstart bench, in-memory)", null);
        }

        var azurite = await AzuriteServer.InMemoryAsync();
        return new BenchStorage(azurite.ConnectionString, "private in-memory Azurite started by the bench (no connection string in the environment)", azurite);
    }

    public ValueTask DisposeAsync() => _private?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>The Azurite version as the table service reports it in its <c>Server</c> header.</summary>
    public async Task<string> AzuriteVersionAsync(CancellationToken cancellationToken)
    {
        try
        {
            var table = new TableClient(ConnectionString, "benchversionprobe");
            await table.CreateIfNotExistsAsync(cancellationToken);
            var response = await table.GetEntityIfExistsAsync<TableEntity>("~bench", "version", cancellationToken: cancellationToken);
            await table.DeleteAsync(cancellationToken);
            if (response.GetRawResponse().Headers.TryGetValue("Server", out var server) && server.Length > 0)
            {
                return server;
            }
        }
        catch (Azure.RequestFailedException)
        {
            // Reported as unknown below.
        }

        return "unknown";
    }
}
