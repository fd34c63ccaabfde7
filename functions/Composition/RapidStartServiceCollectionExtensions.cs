using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Activation;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Partners;
using RapidStart.Domain.Portal;
using RapidStart.Domain.Subscriptions;
using RapidStart.Domain.Voice;
using RapidStart.Functions.Http;
using RapidStart.Functions.Lifecycle;
using RapidStart.Infrastructure.Auth;
using RapidStart.Infrastructure.Email;
using RapidStart.Infrastructure.Storage;
using RapidStart.Infrastructure.Telemetry;
using RapidStart.Infrastructure.Voice;

namespace RapidStart.Functions.Composition;

/// <summary>Everything the function classes need, for both hosts: the Functions app and the local host.</summary>
public static class RapidStartServiceCollectionExtensions
{
    public static IServiceCollection AddRapidStart(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddRapidStartDomain(configuration);
        services.AddRapidStartAuth(configuration);
        services.AddRapidStartStorage(configuration);
        services.AddRapidStartEmail(configuration);
        services.AddRapidStartTelemetry(configuration);
        services.Configure<VoiceOptions>(configuration.GetSection(VoiceOptions.SectionName));
        services.AddHostedService<StorageInitializer>();

        services.AddSingleton<HttpApi>();
        services.Configure<ActivationAttemptOptions>(configuration.GetSection(ActivationAttemptOptions.SectionName));
        services.AddSingleton<ActivationAttemptLimiter>();
        services.AddSingleton<LifecycleSignalsFactory>();
        services.TryAddSingleton<IEngineReadiness, AlwaysReady>();
        return services;
    }

    public static IServiceCollection AddRapidStartDomain(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LifecycleOptions>().Bind(configuration.GetSection(LifecycleOptions.SectionName))
            .Validate(o => o.TrialPeriod > TimeSpan.Zero && o.RetentionPeriod > TimeSpan.Zero && o.InvitationLifetime > TimeSpan.Zero, "Lifecycle periods must be positive.")
            .Validate(o => o.MaxSendsPerHour > 0, "MaxSendsPerHour must be positive.")
            .ValidateOnStart();
        services.AddOptions<CatalogOptions>().Bind(configuration.GetSection(CatalogOptions.SectionName));
        services.AddSingleton(sp => ServiceCatalog.FromOptions(sp.GetRequiredService<IOptions<CatalogOptions>>().Value));
        services.AddSingleton<VoiceService>();
        services.AddSingleton<FollowUpDispatcher>();
        services.AddSingleton<ChangeUnit>();
        services.AddSingleton<CustomerService>();
        services.AddSingleton<SubscriptionService>();
        services.AddSingleton<ActivationService>();
        services.AddSingleton<PortalService>();
        services.AddSingleton<LifecycleTransitions>();
        services.AddSingleton<ExpirySweep>();
        return services;
    }

    public static IServiceCollection AddRapidStartAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName))
            .Validate(o => !string.IsNullOrWhiteSpace(o.ClientId), $"{AuthOptions.SectionName}:ClientId is required: the app registration's application (client) ID.")
            .Validate(o => Uri.TryCreate(o.Authority, UriKind.Absolute, out var authority) && authority.Scheme == Uri.UriSchemeHttps, $"{AuthOptions.SectionName}:Authority must be an https:// URL.")
            .ValidateOnStart();
        services.AddHttpClient(AuthOptions.MetadataHttpClientName);
        services.AddSingleton<BearerTokenValidator>();
        services.AddSingleton<TablePartnerRegistry>();
        services.AddSingleton<IPartnerRegistry>(sp => new CachedPartnerRegistry(
            sp.GetRequiredService<TablePartnerRegistry>(), sp.GetRequiredService<IOptions<AuthOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<PartnerRegistryService>();
        services.AddSingleton<CallerResolver>();
        return services;
    }
}
