using Azure.Core;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using RapidStart.Infrastructure.Storage;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>
/// The local host in-process, like <see cref="LocalHostFixture"/>, with two additions for fault
/// tests: a <see cref="FaultInjectionPolicy"/> in every table client's pipeline, and a hook to
/// replace services (the email port). Subclasses choose settings and, if they need to stop and
/// restart storage, an on-disk Azurite of their own.
/// </summary>
public class ReliabilityHost : LocalHostFixture
{
    public FaultInjectionPolicy Faults { get; } = new();

    /// <summary>Activation tokens of the subscription in state Live, mailed or not.</summary>
    public Task<int> LiveTokensAsync(string region, string customerId) =>
        StorageProbe.LiveTokensAsync(ConnectionString, TableName, region, customerId);

    /// <summary>Set when the fixture owns a restartable Azurite (see <see cref="OwnsPersistentAzurite"/>).</summary>
    public AzuriteServer? Azurite => OwnsPersistentAzurite ? Storage : null;

    protected virtual bool OwnsPersistentAzurite => false;

    protected override string NamePrefix => "rel";

    protected override IDictionary<string, string?> BaseSettings => new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Warning",
    };

    protected override Task<AzuriteServer> StartStorageAsync() =>
        OwnsPersistentAzurite ? AzuriteServer.StartOnDiskAsync() : base.StartStorageAsync();

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    protected sealed override void ConfigureHostServices(IServiceCollection services)
    {
        var options = TableRouter.DefaultClientOptions();
        options.AddPolicy(Faults, HttpPipelinePosition.PerRetry);
        services.AddSingleton<TableClientOptions>(options);
        ConfigureServices(services);
    }
}
