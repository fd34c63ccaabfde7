using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Notifications;

namespace RapidStart.Infrastructure.Email;

/// <summary>
/// One call wires the email port for every host (Functions, local host, tests), so the choice of adapter
/// lives in configuration ("RapidStart:Email:Provider") rather than in each host's startup code.
/// </summary>
public static class EmailServiceCollectionExtensions
{
    public static IServiceCollection AddRapidStartEmail(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<EmailOptions>()
            .Bind(configuration.GetSection(EmailOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(AzureCommunicationServicesEmailSender.HttpClientName);

        services.TryAddSingleton<PickupDirectoryEmailSender>();
        services.TryAddSingleton<SmtpEmailSender>();
        services.TryAddSingleton<AzureCommunicationServicesEmailSender>();

        // Resolved lazily so the provider is read from validated options, not at registration time.
        services.AddSingleton<IEmailSender>(provider =>
            provider.GetRequiredService<IOptions<EmailOptions>>().Value.Provider switch
            {
                EmailProvider.Smtp => provider.GetRequiredService<SmtpEmailSender>(),
                EmailProvider.AzureCommunicationServices => provider.GetRequiredService<AzureCommunicationServicesEmailSender>(),
                _ => provider.GetRequiredService<PickupDirectoryEmailSender>(),
            });

        return services;
    }
}
