using RapidStart.Domain.Partners;
using RapidStart.Domain.Problems;
using RapidStart.Infrastructure.Storage;
using RapidStart.IntegrationTests.Infrastructure;

namespace RapidStart.IntegrationTests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class TablePartnerRegistryTests(AzuriteFixture azurite)
{
    private const string TenantA = "11111111-aaaa-4aaa-8aaa-111111111111";
    private const string TenantB = "22222222-bbbb-4bbb-8bbb-222222222222";
    private const string TenantC = "33333333-cccc-4ccc-8ccc-333333333333";

    private readonly StorageHarness _storage = new(azurite);

    private TablePartnerRegistry Registry => new(_storage.Router);

    [Fact]
    public async Task A_registration_maps_each_of_its_tenants_to_the_partner_and_a_replacement_moves_them()
    {
        // Arrange
        var registry = Registry;

        // Act
        var created = await registry.PutAsync(new PartnerRegistration("P-1001", "Contoso Partners", [TenantA, TenantB]), default);
        var replacedCreated = await registry.PutAsync(new PartnerRegistration("P-1001", "Contoso Partners Ltd", [TenantB, TenantC]), default);

        // Assert
        Assert.True(created);
        Assert.False(replacedCreated);
        Assert.Null(await registry.FindPartnerIdAsync(TenantA, default));
        Assert.Equal("P-1001", await registry.FindPartnerIdAsync(TenantB, default));
        Assert.Equal("P-1001", await registry.FindPartnerIdAsync(TenantC, default));
        var stored = await registry.GetAsync("P-1001", default);
        Assert.Equal("Contoso Partners Ltd", stored!.Name);
        Assert.Equal([TenantB, TenantC], stored.TenantIds);
        Assert.Equal(["P-1001"], (await registry.ListAsync(default)).Select(p => p.PartnerId));
        Assert.All(await _storage.RawPartitionAsync(TableKeys.PartnerRegistryPartition), row => Assert.StartsWith("global|", row.PartitionKey));
    }

    [Fact]
    public async Task A_tenant_of_another_partner_is_a_conflict_and_nothing_changes()
    {
        // Arrange
        var registry = Registry;
        await registry.PutAsync(new PartnerRegistration("P-1001", "Contoso Partners", [TenantA]), default);
        var before = await _storage.RawPartitionAsync(TableKeys.PartnerRegistryPartition);

        // Act
        var problem = await Assert.ThrowsAsync<ProblemException>(
            () => registry.PutAsync(new PartnerRegistration("P-2002", "Fabrikam Partners", [TenantC, TenantA]), default));

        // Assert
        Assert.Equal(ProblemKind.Conflict, problem.Kind);
        Assert.Contains(TenantA, problem.Message);
        Assert.Null(await registry.GetAsync("P-2002", default));
        Assert.Null(await registry.FindPartnerIdAsync(TenantC, default));
        Assert.Equal(before.Count, (await _storage.RawPartitionAsync(TableKeys.PartnerRegistryPartition)).Count);
    }

    [Fact]
    public async Task Two_partners_claiming_one_tenant_at_once_leave_it_with_exactly_one()
    {
        // Arrange
        var registry = Registry;

        // Act
        var claims = await Task.WhenAll(new[] { "P-1001", "P-2002" }.Select(async partner =>
        {
            try
            {
                await registry.PutAsync(new PartnerRegistration(partner, partner, [TenantA]), default);
                return partner;
            }
            catch (ProblemException e) when (e.Kind == ProblemKind.Conflict)
            {
                return null;
            }
        }));

        // Assert
        var winner = Assert.Single(claims, c => c is not null);
        Assert.Equal(winner, await registry.FindPartnerIdAsync(TenantA, default));
    }

    [Fact]
    public async Task Removing_a_partner_removes_its_tenants_and_a_second_removal_finds_nothing()
    {
        // Arrange
        var registry = Registry;
        await registry.PutAsync(new PartnerRegistration("P-1001", "Contoso Partners", [TenantA, TenantB]), default);

        // Act
        var removed = await registry.RemoveAsync("P-1001", default);
        var again = await registry.RemoveAsync("P-1001", default);

        // Assert
        Assert.True(removed);
        Assert.False(again);
        Assert.Null(await registry.FindPartnerIdAsync(TenantA, default));
        Assert.Empty(await _storage.RawPartitionAsync(TableKeys.PartnerRegistryPartition));
    }

    [Fact]
    public async Task Removals_racing_each_other_find_the_partner_once_and_never_fail()
    {
        // Arrange
        var registry = Registry;
        const int rounds = 10;
        var removedPerRound = new List<int>();

        // Act
        for (var round = 0; round < rounds; round++)
        {
            await registry.PutAsync(new PartnerRegistration("P-1001", "Contoso Partners", [TenantA, TenantB, TenantC]), default);
            var removals = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => registry.RemoveAsync("P-1001", default))));
            removedPerRound.Add(removals.Count(removed => removed));
        }

        // Assert
        Assert.All(removedPerRound, removed => Assert.Equal(1, removed));
        Assert.Empty(await _storage.RawPartitionAsync(TableKeys.PartnerRegistryPartition));
    }

    [Fact]
    public async Task A_replacement_racing_a_removal_leaves_either_the_whole_partner_or_nothing()
    {
        // Arrange
        var registry = Registry;
        const int rounds = 10;

        for (var round = 0; round < rounds; round++)
        {
            await registry.PutAsync(new PartnerRegistration("P-1001", "Contoso Partners", [TenantA, TenantB]), default);

            // Act
            await Task.WhenAll(
                Task.Run(() => registry.PutAsync(new PartnerRegistration("P-1001", "Contoso Partners Ltd", [TenantB, TenantC]), default)),
                Task.Run(() => registry.RemoveAsync("P-1001", default)));

            // Assert
            var rows = await _storage.RawPartitionAsync(TableKeys.PartnerRegistryPartition);
            if (await registry.GetAsync("P-1001", default) is { } partner)
            {
                Assert.Equal([TenantB, TenantC], partner.TenantIds);
                Assert.Equal(3, rows.Count);
                Assert.Equal("P-1001", await registry.FindPartnerIdAsync(TenantC, default));
                await registry.RemoveAsync("P-1001", default);
            }
            else
            {
                Assert.Empty(rows);
            }
        }
    }
}
