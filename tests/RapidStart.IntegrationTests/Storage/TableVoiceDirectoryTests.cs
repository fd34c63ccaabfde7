using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Subscriptions;
using RapidStart.Domain.Voice;
using RapidStart.Infrastructure.Storage;
using RapidStart.IntegrationTests.Infrastructure;

namespace RapidStart.IntegrationTests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class TableVoiceDirectoryTests(AzuriteFixture azurite)
{
    private readonly StorageHarness _storage = new(azurite);

    [Fact]
    public async Task Seeded_account_is_found_only_by_its_partner_of_record()
    {
        // Arrange
        var account = new VoiceAccount("ACME-0001", "partner-a", "Acme Ltd", new Address("1 Main St", "Dublin", null, "D01", "IE"));
        var foreign = new VoiceAccount("GLOBEX-0001", "partner-b", "Globex", new Address(null, null, null, null, "US"));
        await _storage.Voice.SeedAsync([account, foreign]);

        // Act
        var found = await _storage.Voice.FindAsync("partner-a", "ACME-0001", default);
        var othersAccount = await _storage.Voice.FindAsync("partner-a", "GLOBEX-0001", default);
        var wrongPartner = await _storage.Voice.FindAsync("partner-b", "ACME-0001", default);

        // Assert
        Assert.Equal(account, found);
        Assert.Null(othersAccount);
        Assert.Null(wrongPartner);
    }

    [Fact]
    public async Task Seeding_more_than_100_accounts_of_one_partner_lists_them_all_and_only_theirs()
    {
        // Arrange
        var mine = Enumerable.Range(0, 250)
            .Select(i => new VoiceAccount($"ACME-{i:D4}", "partner-a", $"Acme {i}", new Address(null, "Paris", null, null, "FR")))
            .ToList();
        var theirs = new VoiceAccount("GLOBEX-0001", "partner-b", "Globex", new Address(null, null, null, null, "US"));

        // Act
        var written = await _storage.Voice.SeedAsync(mine.Append(theirs).Append(mine[0] with { Name = "Acme renamed" }));
        var listed = await _storage.Voice.ListAsync("partner-a", default);

        // Assert
        Assert.Equal(251, written);
        Assert.Equal(250, listed.Count);
        Assert.Equal(mine.Select(a => a.AccountNumber), listed.Select(a => a.AccountNumber));
        Assert.Equal("Acme renamed", listed[0].Name);
        Assert.DoesNotContain(listed, a => a.PartnerOfRecord != "partner-a");
        Assert.Empty(await _storage.Voice.ListAsync("partner-c", default));
    }

    [Fact]
    public async Task AddRapidStartStorage_wires_the_three_ports_to_the_table_adapters()
    {
        // Arrange
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["RapidStart:Storage:ConnectionString"] = azurite.ConnectionString,
                ["RapidStart:Storage:TableName"] = AzuriteFixture.UniqueTableName("di"),
                ["RapidStart:Storage:VoiceTableName"] = AzuriteFixture.UniqueTableName("div"),
                ["RapidStart:Storage:RegionConnectionStrings:eu-west"] = azurite.ConnectionString,
            })
            .Build();
        var services = new ServiceCollection().AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance).AddLogging();

        // Act
        services.AddRapidStartStorage(configuration);
        await using var provider = services.BuildServiceProvider();

        // Assert
        Assert.IsType<TableCustomerStore>(provider.GetRequiredService<ICustomerStore>());
        Assert.IsType<TableSubscriptionStore>(provider.GetRequiredService<ISubscriptionStore>());
        Assert.IsType<TableVoiceDirectory>(provider.GetRequiredService<IVoiceDirectory>());
        var router = provider.GetRequiredService<TableRouter>();
        Assert.Same(router, provider.GetRequiredService<TableRouter>());
        await router.PingAsync(default);
        Assert.Null(await provider.GetRequiredService<IVoiceDirectory>().FindAsync("p", "NONE-1", default));
    }
}
