using RapidStart.Testing;

namespace RapidStart.IntegrationTests.Infrastructure;

/// <summary>
/// Azurite for integration tests. A CI script that already runs Azurite sets
/// <c>RAPIDSTART_TEST_STORAGE</c> to its connection string; otherwise the fixture starts the repo's
/// own <c>node_modules/.bin/azurite</c> (from <c>npm ci</c> at the repo root) on free loopback ports,
/// in memory, and stops it on dispose (<see cref="AzuriteServer"/>). Tests isolate themselves by table name.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = AzuriteServer.EnvironmentVariable;

    private AzuriteServer? _azurite;

    public string ConnectionString { get; private set; } = "";

    /// <summary>A table name no other test uses (letters and digits, starting with a letter, at most 63).</summary>
    public static string UniqueTableName(string prefix = "t") => prefix + Guid.NewGuid().ToString("N")[..20];

    public static string ConnectionStringFor(int port) => AzuriteServer.TableConnectionStringFor(port);

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteServer.SharedOrInMemoryAsync();
        ConnectionString = _azurite.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

/// <summary>One Azurite for every test class that stores tables; each class still uses its own tables.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
