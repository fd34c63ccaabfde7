using System.Globalization;
using Azure.Data.Tables;
using RapidStart.Domain.Activation;
using RapidStart.Domain.Portal;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;
using RapidStart.Infrastructure.Storage;
using RapidStart.IntegrationTests.Infrastructure;

namespace RapidStart.IntegrationTests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class TableSubscriptionStoreTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromHours(1);
    private readonly StorageHarness _storage = new(azurite);

    private ISubscriptionStore Store => _storage.Subscriptions;

    [Fact]
    public async Task Inserted_subscription_reads_back_with_its_sign_up_audit_entry()
    {
        // Arrange
        var (subscription, signUp) = StorageHarness.NewSubscription("eu-west", "partner-1");

        // Act
        var inserted = await Store.InsertAsync(subscription, signUp, default);
        var again = await Store.InsertAsync(subscription, signUp, default);
        var read = await Store.GetAsync(subscription.Key, default);
        var history = await Store.GetHistoryAsync(subscription.Key, default);

        // Assert
        Assert.True(inserted);
        Assert.False(again);
        AssertSame(subscription, read!.Value);
        Assert.Equal(signUp, Assert.Single(history));
    }

    [Fact]
    public async Task Commit_writes_state_audit_entry_and_token_together_and_returns_the_new_etag()
    {
        // Arrange
        var (subscription, signUp) = StorageHarness.NewSubscription("eu-west", "partner-1");
        await Store.InsertAsync(subscription, signUp, default);
        var current = await Store.GetAsync(subscription.Key, default);
        var now = StorageHarness.Start.AddHours(1);
        var (invited, audit) = current!.Value.RequestInvitation(now, "dana@contoso.com", "dana@contoso.de", "Dana", "partner:p1", RateWindow);
        var token = Token("hash-1", 1, now);
        var issued = invited.WithIssuedToken(token.Hash).WithInvitationSent(now);

        // Act
        var etag = await Store.CommitAsync(new SubscriptionCommit(issued, current.ETag, audit, [token]), default);

        // Assert
        var read = await Store.GetAsync(subscription.Key, default);
        Assert.Equal(etag, read!.ETag);
        AssertSame(issued, read.Value);
        Assert.Equal([signUp, audit], await Store.GetHistoryAsync(subscription.Key, default));
        Assert.Equal(token, await Store.GetTokenAsync(subscription.Key, token.Hash, default));
    }

    [Fact]
    public async Task Commit_with_stale_etag_throws_concurrency_conflict_and_writes_nothing_of_its_batch()
    {
        // Arrange
        var (subscription, signUp) = StorageHarness.NewSubscription("eu-west", "partner-1");
        await Store.InsertAsync(subscription, signUp, default);
        var original = await Store.GetAsync(subscription.Key, default);
        var now = StorageHarness.Start.AddHours(1);
        var (winner, winnerAudit) = original!.Value.RequestInvitation(now, "a@contoso.com", "a@contoso.de", "A", "partner:p1", RateWindow);
        await Store.CommitAsync(new SubscriptionCommit(winner, original.ETag, winnerAudit, [Token("winner", 1, now)]), default);
        var (loser, loserAudit) = original.Value.RevokeInvitation(now, "partner:p1");
        var loserUser = new PortalUser("late@contoso.com", "Late", PortalRoles.Reader, now);

        // Act
        var conflict = await Record.ExceptionAsync(() => Store.CommitAsync(
            new SubscriptionCommit(loser with { AuditCount = 3 }, original.ETag, loserAudit, [Token("loser", 2, now)], [loserUser]), default));

        // Assert
        Assert.IsType<ConcurrencyConflictException>(conflict);
        AssertSame(winner, (await Store.GetAsync(subscription.Key, default))!.Value);
        Assert.Null(await Store.GetTokenAsync(subscription.Key, "loser", default));
        Assert.Empty(await Store.ListUsersAsync(subscription.Key, default));
        Assert.Equal([signUp, winnerAudit], await Store.GetHistoryAsync(subscription.Key, default));
    }

    [Fact]
    public async Task Commit_whose_audit_row_already_exists_throws_concurrency_conflict()
    {
        // Arrange: a commit that claims audit sequence 1, which the sign-up already holds.
        var (subscription, signUp) = StorageHarness.NewSubscription("eu-west", "partner-1");
        await Store.InsertAsync(subscription, signUp, default);
        var current = await Store.GetAsync(subscription.Key, default);
        var (next, audit) = current!.Value.RequestInvitation(StorageHarness.Start, "a@contoso.com", "a@contoso.de", "A", "partner:p1", RateWindow);

        // Act
        var conflict = await Record.ExceptionAsync(() => Store.CommitAsync(new SubscriptionCommit(next with { AuditCount = 1 }, current.ETag, audit), default));

        // Assert
        Assert.IsType<ConcurrencyConflictException>(conflict);
        Assert.Equal(current.ETag, (await Store.GetAsync(subscription.Key, default))!.ETag);
        Assert.Equal([signUp], await Store.GetHistoryAsync(subscription.Key, default));
    }

    [Fact]
    public async Task History_comes_back_oldest_first_past_nine_entries()
    {
        // Arrange: 1 sign-up + 10 transitions, so "000010" must sort after "000009".
        var (subscription, signUp) = StorageHarness.NewSubscription("eu-west", "partner-1");
        await Store.InsertAsync(subscription, signUp, default);
        var expected = new List<AuditEntry> { signUp };
        for (var i = 0; i < 5; i++)
        {
            var at = StorageHarness.Start.AddMinutes(i * 2 + 1);
            var current = await Store.GetAsync(subscription.Key, default);
            var (sent, sentAudit) = current!.Value.RequestInvitation(at, "a@contoso.com", "a@contoso.de", "A", $"partner:{i}", RateWindow);
            await Store.CommitAsync(new SubscriptionCommit(sent, current.ETag, sentAudit), default);
            current = await Store.GetAsync(subscription.Key, default);
            var (revoked, revokedAudit) = current!.Value.RevokeInvitation(at.AddMinutes(1), $"partner:{i}");
            await Store.CommitAsync(new SubscriptionCommit(revoked, current.ETag, revokedAudit), default);
            expected.Add(sentAudit);
            expected.Add(revokedAudit);
        }

        // Act
        var history = await Store.GetHistoryAsync(subscription.Key, default);

        // Assert
        Assert.Equal(11, history.Count);
        Assert.Equal(expected, history);
        Assert.Equal(history.OrderBy(e => e.At), history);
    }

    [Fact]
    public async Task History_of_one_service_excludes_another_service_in_the_same_partition()
    {
        // Arrange
        var (first, firstSignUp) = StorageHarness.NewSubscription("eu-west", "partner-1");
        var (second, secondSignUp) = StorageHarness.NewSubscription("eu-west", "partner-1", first.CustomerId, "analytics");
        await Store.InsertAsync(first, firstSignUp, default);
        await Store.InsertAsync(second, secondSignUp, default);

        // Act
        var history = await Store.GetHistoryAsync(first.Key, default);

        // Assert
        Assert.Single(history);
        Assert.Equal(2, (await _storage.RawPartitionAsync($"eu-west|{first.CustomerId}")).Count(r => r.RowKey.StartsWith("audit|", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Users_are_upserted_listed_and_deleted_with_a_commit_even_with_odd_account_ids()
    {
        // Arrange
        var (subscription, signUp) = StorageHarness.NewSubscription("eu-west", "partner-1");
        await Store.InsertAsync(subscription, signUp, default);
        var at = StorageHarness.Start;
        var odd = new PortalUser("a/b#c?d@contoso.com", "Odd", PortalRoles.Contributor, at);
        var plain = new PortalUser("plain@contoso.com", "Plain", PortalRoles.Administrator, at);
        var current = await Store.GetAsync(subscription.Key, default);
        await Store.CommitAsync(new SubscriptionCommit(current!.Value, current.ETag, UsersToUpsert: [odd, plain]), default);
        current = await Store.GetAsync(subscription.Key, default);

        // Act: the delete of a user who is not there must not stop the rest of the commit.
        await Store.CommitAsync(new SubscriptionCommit(current!.Value, current.ETag, UsersToDelete: ["plain@contoso.com", "nobody@contoso.com"]), default);
        var users = await Store.ListUsersAsync(subscription.Key, default);

        // Assert
        Assert.Equal([odd], users);
        Assert.NotEqual(current.ETag, (await Store.GetAsync(subscription.Key, default))!.ETag);
    }

    [Fact]
    public async Task Purge_deletes_tokens_and_users_and_keeps_audit_trail_and_tombstone()
    {
        // Arrange: 150 users and 3 tokens, so the deletes take more than one transaction.
        var (subscription, signUp) = StorageHarness.NewSubscription("eu-west", "partner-1");
        await Store.InsertAsync(subscription, signUp, default);
        var at = StorageHarness.Start;
        foreach (var chunk in Enumerable.Range(0, 150).Select(i => new PortalUser($"user{i}@contoso.com", $"User {i}", PortalRoles.Reader, at)).Chunk(75))
        {
            var now = await Store.GetAsync(subscription.Key, default);
            await Store.CommitAsync(new SubscriptionCommit(now!.Value, now.ETag, UsersToUpsert: chunk), default);
        }

        var current = await Store.GetAsync(subscription.Key, default);
        var (sent, sentAudit) = current!.Value.RequestInvitation(at, "a@contoso.com", "a@contoso.de", "A", "partner:p1", RateWindow);
        await Store.CommitAsync(new SubscriptionCommit(sent, current.ETag, sentAudit, [Token("t1", 1, at), Token("t2", 2, at), Token("t3", 3, at)]), default);
        current = await Store.GetAsync(subscription.Key, default);
        var (inactive, inactiveAudit) = current!.Value.Inactivate(at.AddDays(90), TimeSpan.FromDays(30), "system:sweep");
        await Store.CommitAsync(new SubscriptionCommit(inactive, current.ETag, inactiveAudit), default);
        current = await Store.GetAsync(subscription.Key, default);
        var (tombstone, purgeAudit) = current!.Value.Purge(at.AddDays(120), "system:sweep");

        // Act
        await Store.PurgeAsync(new SubscriptionCommit(tombstone, current.ETag, purgeAudit), default);

        // Assert
        var rows = await _storage.RawPartitionAsync($"eu-west|{subscription.CustomerId}");
        Assert.DoesNotContain(rows, r => r.RowKey.StartsWith("token|", StringComparison.Ordinal));
        Assert.DoesNotContain(rows, r => r.RowKey.StartsWith("user|", StringComparison.Ordinal));
        Assert.Empty(await Store.ListUsersAsync(subscription.Key, default));
        var stored = (await Store.GetAsync(subscription.Key, default))!.Value;
        Assert.Equal(SubscriptionStatus.Purged, stored.Status);
        Assert.Null(stored.Invitation);
        Assert.Equal([signUp, sentAudit, inactiveAudit, purgeAudit], await Store.GetHistoryAsync(subscription.Key, default));
    }

    [Fact]
    public async Task Purge_with_stale_etag_throws_concurrency_conflict_and_deletes_nothing()
    {
        // Arrange: the purge was decided on a version that Support has since changed.
        var (subscription, signUp) = StorageHarness.NewSubscription("eu-west", "partner-1");
        await Store.InsertAsync(subscription, signUp, default);
        var at = StorageHarness.Start;
        var decidedOn = await Store.GetAsync(subscription.Key, default);
        var (inactive, inactiveAudit) = decidedOn!.Value.Inactivate(at, TimeSpan.FromDays(30), "system:sweep");
        var user = new PortalUser("keep@contoso.com", "Keep", PortalRoles.Administrator, at);
        await Store.CommitAsync(new SubscriptionCommit(inactive, decidedOn.ETag, inactiveAudit, [Token("keep", 1, at)], [user]), default);
        var (tombstone, purgeAudit) = decidedOn.Value.Purge(at.AddDays(30), "system:sweep");

        // Act
        var conflict = await Record.ExceptionAsync(() => Store.PurgeAsync(new SubscriptionCommit(tombstone with { AuditCount = 3 }, decidedOn.ETag, purgeAudit), default));

        // Assert
        Assert.IsType<ConcurrencyConflictException>(conflict);
        Assert.Equal([user], await Store.ListUsersAsync(subscription.Key, default));
        Assert.NotNull(await Store.GetTokenAsync(subscription.Key, "keep", default));
        Assert.Equal(SubscriptionStatus.Inactive, (await Store.GetAsync(subscription.Key, default))!.Value.Status);
    }

    [Fact]
    public async Task Purge_keeps_tokens_of_another_service_in_the_same_partition()
    {
        // Arrange
        var at = StorageHarness.Start;
        var (first, firstSignUp) = StorageHarness.NewSubscription("eu-west", "partner-1");
        var (second, secondSignUp) = StorageHarness.NewSubscription("eu-west", "partner-1", first.CustomerId, "analytics");
        await Store.InsertAsync(first, firstSignUp, default);
        await Store.InsertAsync(second, secondSignUp, default);
        var other = await Store.GetAsync(second.Key, default);
        await Store.CommitAsync(new SubscriptionCommit(other!.Value, other.ETag, Tokens: [Token("other", 1, at)], UsersToUpsert: [new PortalUser("shared@contoso.com", "Shared", PortalRoles.Administrator, at)]), default);
        var current = await Store.GetAsync(first.Key, default);
        await Store.CommitAsync(new SubscriptionCommit(current!.Value, current.ETag, Tokens: [Token("mine", 1, at)]), default);
        current = await Store.GetAsync(first.Key, default);
        var (tombstone, audit) = current!.Value.Purge(at, "system:sweep");

        // Act
        await Store.PurgeAsync(new SubscriptionCommit(tombstone, current.ETag, audit), default);

        // Assert
        Assert.Null(await Store.GetTokenAsync(first.Key, "mine", default));
        Assert.NotNull(await Store.GetTokenAsync(second.Key, "other", default));
        Assert.Single(await Store.ListUsersAsync(second.Key, default));
    }

    [Fact]
    public async Task Subscription_partition_rows_use_the_documented_keys()
    {
        // Arrange
        var (subscription, signUp) = StorageHarness.NewSubscription("eu-west", "partner-1");
        var at = StorageHarness.Start;
        var dueAt = new DateTimeOffset(2025, 5, 30, 9, 30, 15, TimeSpan.Zero);

        // Act
        await Store.InsertAsync(subscription, signUp, default);
        var current = await Store.GetAsync(subscription.Key, default);
        await Store.CommitAsync(new SubscriptionCommit(current!.Value, current.ETag, Tokens: [Token("abc123", 1, at)], UsersToUpsert: [new PortalUser("dana@contoso.com", "Dana", PortalRoles.Administrator, at)]), default);
        await Store.UpsertListingAsync(subscription, default);
        await Store.AddDueAsync(new DueItem(subscription.Key, dueAt), default);

        // Assert
        var rows = (await _storage.RawPartitionAsync($"eu-west|{subscription.CustomerId}")).Select(r => r.RowKey).ToList();
        Assert.Equal(["audit|rapidstart|000001", "subscription|rapidstart", "token|abc123", "user|dana@contoso.com"], rows);
        var listing = Assert.Single(await _storage.RawPartitionAsync("eu-west|services|partner-1"));
        Assert.Equal($"{subscription.CustomerId}|rapidstart", listing.RowKey);
        Assert.Equal("Created", listing.GetString("Status"));
        var due = Assert.Single(await _storage.RawPartitionAsync("eu-west|due|20250530"));
        Assert.Equal($"{subscription.CustomerId}|rapidstart|{dueAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}", due.RowKey);
    }

    [Fact]
    public async Task Service_list_filters_by_status_across_regions_and_partners()
    {
        // Arrange
        var at = StorageHarness.Start;
        var (created, _) = StorageHarness.NewSubscription("eu-west", "partner-s");
        var (invited, _) = StorageHarness.NewSubscription("us-east", "partner-s");
        var (active1, _) = StorageHarness.NewSubscription("eu-west", "partner-s");
        var (active2, _) = StorageHarness.NewSubscription("ap-southeast", "partner-s");
        var (foreignActive, _) = StorageHarness.NewSubscription("eu-west", "partner-t");
        var acceptance = new Acceptance(at, "dana@contoso.com", "2025-01", "2025-01");
        var subscriptions = new[]
        {
            created,
            invited.RequestInvitation(at, "a@contoso.com", "a@contoso.de", "A", "p", RateWindow).Item1,
            active1.Accept(at, acceptance).Item1,
            active2.Accept(at, acceptance).Item1,
            foreignActive.Accept(at, acceptance).Item1,
        };
        foreach (var s in subscriptions)
        {
            await Store.UpsertListingAsync(s, default);
        }

        // Act
        var active = await Store.ListAsync("partner-s", SubscriptionStatus.Active, null, 100, default);
        var all = await Store.ListAsync("partner-s", null, null, 100, default);
        var inactive = await Store.ListAsync("partner-s", SubscriptionStatus.Inactive, null, 100, default);

        // Assert
        Assert.Equal(
            new[] { active1.CustomerId, active2.CustomerId }.Order(StringComparer.Ordinal),
            active.Items.Select(s => s.CustomerId).Order(StringComparer.Ordinal));
        Assert.All(active.Items, s => Assert.Equal(SubscriptionStatus.Active, s.Status));
        Assert.Equal(acceptance, active.Items[0].Acceptance);
        Assert.Equal(4, all.Items.Count);
        Assert.DoesNotContain(all.Items, s => s.PartnerId != "partner-s");
        Assert.Empty(inactive.Items);
        Assert.Null(active.ContinuationToken);
    }

    [Fact]
    public async Task Due_items_query_returns_what_is_due_by_until_over_several_days_in_one_region_only()
    {
        // Arrange
        var key = new SubscriptionKey("eu-west", "eu-west-c1", "rapidstart");
        var day1 = new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
        var items = new[]
        {
            new DueItem(key with { CustomerId = "eu-west-before" }, day1.AddDays(-1)), // before fromDay
            new DueItem(key with { CustomerId = "eu-west-a" }, day1),
            new DueItem(key with { CustomerId = "eu-west-b" }, day1.AddDays(1).AddHours(5)),
            new DueItem(key with { CustomerId = "eu-west-c" }, day1.AddDays(2).AddHours(1)), // until's day, before until
            new DueItem(key with { CustomerId = "eu-west-late" }, day1.AddDays(2).AddHours(6)), // until's day, after until
            new DueItem(key with { CustomerId = "eu-west-next" }, day1.AddDays(3)),
            new DueItem(new SubscriptionKey("us-east", "us-east-x", "rapidstart"), day1.AddDays(1)),
            new DueItem(new SubscriptionKey("eu-west2", "eu-west2-x", "rapidstart"), day1.AddDays(1)),
        };
        foreach (var item in items)
        {
            await Store.AddDueAsync(item, default);
        }

        var until = day1.AddDays(2).AddHours(3);

        // Act
        var due = await Store.ListDueAsync("eu-west", DateOnly.FromDateTime(day1.UtcDateTime), until, default);

        // Assert
        Assert.Equal(["eu-west-a", "eu-west-b", "eu-west-c"], due.Select(d => d.Key.CustomerId).Order(StringComparer.Ordinal));
        Assert.All(due, d => Assert.True(d.DueAt <= until));
        Assert.Contains(items[2], due);
        Assert.Single(await Store.ListDueAsync("us-east", new DateOnly(2025, 2, 1), until, default));
    }

    [Fact]
    public async Task Removing_a_due_item_deletes_it_and_removing_it_again_is_harmless()
    {
        // Arrange
        var item = new DueItem(new SubscriptionKey("eu-west", "eu-west-c1", "rapidstart"), StorageHarness.Start);
        await Store.AddDueAsync(item, default);
        await Store.AddDueAsync(item, default);

        // Act
        await Store.RemoveDueAsync(item, default);
        var again = await Record.ExceptionAsync(() => Store.RemoveDueAsync(item, default));

        // Assert
        Assert.Null(again);
        Assert.Empty(await Store.ListDueAsync("eu-west", new DateOnly(2025, 1, 1), StorageHarness.Start.AddDays(1), default));
    }

    [Fact]
    public async Task Batch_spanning_two_partitions_is_refused_before_it_reaches_storage()
    {
        // Arrange: Azurite would accept this batch; Azure would not.
        await _storage.Router.EnsureTablesAsync(default);
        var table = _storage.RawTable;
        List<TableTransactionAction> actions =
        [
            new(TableTransactionActionType.Add, new TableEntity("eu-west|one", "row-1")),
            new(TableTransactionActionType.Add, new TableEntity("eu-west|two", "row-2")),
        ];

        // Act
        var refused = await Record.ExceptionAsync(() => TableTransactions.SubmitAsync(table, actions, default));

        // Assert
        Assert.IsType<InvalidOperationException>(refused);
        Assert.Empty(await _storage.RawPartitionAsync("eu-west|one"));
        Assert.Empty(await _storage.RawPartitionAsync("eu-west|two"));
    }

    [Fact]
    public async Task Batch_over_100_operations_or_touching_a_row_twice_is_refused()
    {
        // Arrange
        var table = _storage.RawTable;
        var tooMany = Enumerable.Range(0, 101).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i}"))).ToList();
        List<TableTransactionAction> twice =
        [
            new(TableTransactionActionType.UpsertReplace, new TableEntity("p", "r")),
            new(TableTransactionActionType.Delete, new TableEntity("p", "r")),
        ];

        // Act
        var tooManyRefused = await Record.ExceptionAsync(() => TableTransactions.SubmitAsync(table, tooMany, default));
        var twiceRefused = await Record.ExceptionAsync(() => TableTransactions.SubmitAsync(table, twice, default));

        // Assert
        Assert.IsType<InvalidOperationException>(tooManyRefused);
        Assert.IsType<InvalidOperationException>(twiceRefused);
    }

    [Fact]
    public async Task Commit_with_more_than_100_operations_is_refused()
    {
        // Arrange
        var (subscription, signUp) = StorageHarness.NewSubscription("eu-west", "partner-1");
        await Store.InsertAsync(subscription, signUp, default);
        var current = await Store.GetAsync(subscription.Key, default);
        var users = Enumerable.Range(0, 100).Select(i => new PortalUser($"u{i}@contoso.com", "U", PortalRoles.Reader, StorageHarness.Start)).ToList();

        // Act
        var refused = await Record.ExceptionAsync(() => Store.CommitAsync(new SubscriptionCommit(current!.Value, current.ETag, UsersToUpsert: users), default));

        // Assert
        Assert.IsType<InvalidOperationException>(refused);
        Assert.Empty(await Store.ListUsersAsync(subscription.Key, default));
    }

    private static ActivationTokenRecord Token(string hash, int sequence, DateTimeOffset at) =>
        new(hash, sequence, "dana@contoso.com", at, at.AddDays(30), TokenState.Live);

    private static void AssertSame(Subscription expected, Subscription actual)
    {
        // Records compare collections by reference, so compare RecentSends by value and the rest as records.
        Assert.Equal(expected.RecentSends, actual.RecentSends);
        Assert.Equal(expected with { RecentSends = [] }, actual with { RecentSends = [] });
    }
}
