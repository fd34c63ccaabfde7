using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RapidStart.Infrastructure.Storage;
using RapidStart.Infrastructure.Voice;

namespace RapidStart.Functions.Composition;

/// <summary>
/// At start: creates the tables and, when a seed file is configured, loads VOICE from it. A bad
/// seed file stops start-up (the exception names the entry) rather than serving a partial directory.
/// </summary>
public sealed class StorageInitializer(TableRouter tables, TableVoiceDirectory voice, IOptions<VoiceOptions> options, ILogger<StorageInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var seedFile = options.Value.SeedFile;
        var accounts = string.IsNullOrEmpty(seedFile) ? null : VoiceSeedFile.Load(seedFile);
        await tables.EnsureTablesAsync(cancellationToken);
        if (accounts is not null)
        {
            await voice.SeedAsync(accounts, cancellationToken);
            logger.LogInformation("Seeded {Count} VOICE accounts from {SeedFile}", accounts.Count, seedFile);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
