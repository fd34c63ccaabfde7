using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Subscriptions;
using RapidStart.Domain.Voice;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// One call wires the table adapters for every host (Functions, local host, tests), so which storage
/// account serves which region is configuration ("RapidStart:Storage"), not startup code. Tables
/// are created by whoever calls <see cref="TableRouter.EnsureTablesAsync"/> at start (the host's
/// initializer) and, failing that, by the stores on first use.
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
            ServiceCatalog.FromOptions(configuration.GetSection(CatalogOptions.SectionName).Get<CatalogOptions>() ?? new CatalogOptions()));

        services.TryAddSingleton<TableRouter>();
        services.TryAddSingleton<TableCustomerStore>();
        services.TryAddSingleton<TableSubscriptionStore>();
        services.TryAddSingleton<TableVoiceDirectory>();
        services.TryAddSingleton<TableFollowUpStore>();
        services.TryAddSingleton<IFollowUpStore>(provider => provider.GetRequiredService<TableFollowUpStore>());
        services.TryAddSingleton<ICustomerStore>(provider => provider.GetRequiredService<TableCustomerStore>());
        services.TryAddSingleton<ISubscriptionStore>(provider => provider.GetRequiredService<TableSubscriptionStore>());
        services.TryAddSingleton<IVoiceDirectory>(provider => provider.GetRequiredService<TableVoiceDirectory>());
        return services;
    }
}
