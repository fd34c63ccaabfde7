using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Subscriptions;
using RapidStart.Domain.Voice;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// One call wires the table adapters for every host (Functions, local host, tests), so which storage
/// account serves which region is configuration ("RapidStart:Storage"), not startup code.
/// </summary>
public static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddRapidStartStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);

        // The stores page across the catalog's regions; a host that registers its own catalog first keeps it.
        services.TryAddSingleton(_ =>
            ServiceCatalog.FromOptions(configuration.GetSection(CatalogOptions.Section).Get<CatalogOptions>() ?? new CatalogOptions()));

        services.TryAddSingleton<TableRouter>();
        services.TryAddSingleton<TableCustomerStore>();
        services.TryAddSingleton<TableSubscriptionStore>();
        services.TryAddSingleton<TableVoiceDirectory>();
        services.TryAddSingleton<ICustomerStore>(provider => provider.GetRequiredService<TableCustomerStore>());
        services.TryAddSingleton<ISubscriptionStore>(provider => provider.GetRequiredService<TableSubscriptionStore>());
        services.TryAddSingleton<IVoiceDirectory>(provider => provider.GetRequiredService<TableVoiceDirectory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StorageInitializer>());
        return services;
    }
}

/// <summary>
/// Starts creating the tables when the host starts, so the first request does not pay for it. It
/// does not hold up start-up: storage that is down or slow is logged, the host still starts (health
/// reports the outage), and the stores wait for or retry the same creation on first use.
/// </summary>
internal sealed partial class StorageInitializer(TableRouter router, ILogger<StorageInitializer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = EnsureAsync();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task EnsureAsync()
    {
        try
        {
            await router.EnsureTablesAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Not swallowed for good: the next store call runs the creation again and fails loudly if storage is still down.
            LogNotReady(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage tables could not be created at start; they will be created on first use")]
    private partial void LogNotReady(Exception exception);
}
