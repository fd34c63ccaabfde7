using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Lifecycle;
using RapidStart.Functions.Composition;

namespace RapidStart.IntegrationTests.Orchestration;

/// <summary>
/// The orchestration takes its timer lengths from <see cref="LifecycleOptions"/> (they travel in each
/// instance's input), so what configuration says must be exactly what the options hold.
/// </summary>
public sealed class LifecycleOptionsBindingTests
{
    [Fact]
    public void Configured_reminder_offsets_replace_the_default_ones()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RapidStart:Lifecycle:ReminderOffsets:0"] = "7.00:00:00",
            ["RapidStart:Lifecycle:ReminderOffsets:1"] = "1.00:00:00",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddRapidStartDomain(configuration);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<LifecycleOptions>>().Value;

        Assert.Equal([TimeSpan.FromDays(7), TimeSpan.FromDays(1)], options.EffectiveReminderOffsets);
    }

    [Fact]
    public void Without_configuration_the_reminders_go_14_and_3_days_before_the_deadline()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddRapidStartDomain(new ConfigurationBuilder().Build());
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<LifecycleOptions>>().Value;

        Assert.Equal([TimeSpan.FromDays(14), TimeSpan.FromDays(3)], options.EffectiveReminderOffsets);
        Assert.Equal(TimeSpan.FromDays(90), options.TrialPeriod);
        Assert.Equal(TimeSpan.FromDays(30), options.RetentionPeriod);
    }
}
