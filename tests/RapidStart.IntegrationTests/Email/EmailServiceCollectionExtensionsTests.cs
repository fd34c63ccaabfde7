using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Notifications;
using RapidStart.Infrastructure.Email;

namespace RapidStart.IntegrationTests.Email;

public sealed class EmailServiceCollectionExtensionsTests
{
    private const string ValidAcsKey = "dGVzdC1rZXktZm9yLXJhcGlkc3RhcnQtZW1haWwtYWRhcHRlcg==";

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddRapidStartEmail(builder.Configuration);
        return builder.Build();
    }

    [Theory]
    [InlineData(null, typeof(PickupDirectoryEmailSender))]
    [InlineData("PickupDirectory", typeof(PickupDirectoryEmailSender))]
    [InlineData("Smtp", typeof(SmtpEmailSender))]
    [InlineData("AzureCommunicationServices", typeof(AzureCommunicationServicesEmailSender))]
    public void Registers_the_adapter_named_by_Provider(string? provider, Type expected)
    {
        using var host = BuildHost(new()
        {
            ["RapidStart:Email:Provider"] = provider,
            ["RapidStart:Email:Smtp:Host"] = "smtp.example.com",
            ["RapidStart:Email:AzureCommunicationServices:Endpoint"] = "https://myacs.communication.azure.com",
            ["RapidStart:Email:AzureCommunicationServices:AccessKey"] = ValidAcsKey,
        });

        var sender = host.Services.GetRequiredService<IEmailSender>();

        Assert.IsType(expected, sender);
        Assert.Same(sender, host.Services.GetRequiredService<IEmailSender>());
        Assert.Same(TimeProvider.System, host.Services.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public void Binds_defaults_and_overrides_from_the_RapidStart_Email_section()
    {
        using var host = BuildHost(new()
        {
            ["RapidStart:Email:Provider"] = "Smtp",
            ["RapidStart:Email:Smtp:Host"] = "smtp.example.com",
            ["RapidStart:Email:Smtp:UseStartTls"] = "false",
        });

        var options = host.Services.GetRequiredService<IOptions<EmailOptions>>().Value;

        Assert.Equal(EmailProvider.Smtp, options.Provider);
        Assert.Equal("smtp.example.com", options.Smtp.Host);
        Assert.False(options.Smtp.UseStartTls);
        Assert.Equal(587, options.Smtp.Port);
        Assert.Equal("no-reply@rapidstart.local", options.From);
        Assert.Equal("RapidStart", options.FromDisplayName);
        Assert.Equal(".mail", options.PickupDirectory);
        Assert.Equal("2023-03-31", options.AzureCommunicationServices.ApiVersion);
    }

    [Fact]
    public async Task Host_start_fails_with_a_clear_message_when_Smtp_has_no_Host()
    {
        using var host = BuildHost(new() { ["RapidStart:Email:Provider"] = "Smtp" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("RapidStart:Email:Smtp:Host is required when Provider is Smtp.", error.Failures);
    }

    [Fact]
    public async Task Host_start_fails_when_ACS_is_chosen_without_endpoint_and_with_a_non_base64_key_that_is_not_echoed()
    {
        const string badKey = "not base64 at all!";
        using var host = BuildHost(new()
        {
            ["RapidStart:Email:Provider"] = "AzureCommunicationServices",
            ["RapidStart:Email:AzureCommunicationServices:AccessKey"] = badKey,
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains("AzureCommunicationServices:Endpoint is required"));
        Assert.Contains(error.Failures, f => f.Contains("AccessKey must be the base64 access key"));
        Assert.DoesNotContain(badKey, error.Message);
    }

    [Fact]
    public async Task Host_starts_with_the_default_pickup_configuration()
    {
        using var host = BuildHost(new());

        await host.StartAsync();
        await host.StopAsync();
    }
}
