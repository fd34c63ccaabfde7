using Azure.Data.Tables;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;
using RapidStart.Infrastructure.Storage;
using RapidStart.IntegrationTests.Infrastructure;

namespace RapidStart.IntegrationTests.Storage;

/// <summary>
/// The follow-up row on Azurite: it commits in the same transaction as the record, its audit line and
/// its tokens, under the record's ETag, or not at all; the sweep's hint finds it; clearing removes both.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FollowUpRowTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromHours(1);
    private readonly StorageHarness _storage = new(azurite);

    [Fact]
    public async Task A_commit_writes_the_record_its_audit_line_and_its_follow_up_row_in_one_transaction()
    {
        // Arrange
        var (subscription, signUp) = StorageHarness.NewSubscription("eu-west", "partner-1");
        await _storage.Subscriptions.InsertAsync(subscription, signUp, default);
        var current = (await _storage.Subscriptions.GetAsync(subscription.Key, default))!;
        var (invited, audit) = current.Value.RequestInvitation(StorageHarness.Start, "dana@contoso.com", "it@contoso.com", "Dana", "partner:p1", RateWindow);
        var mail = new EmailMessage("it@contoso.com", "Subject", "text", "<p>html</p>", "key-1");
        var pending = Pending(subscription.Key, FollowUps.ListingAndSignal(subscription.Key, new LifecycleSignal(LifecycleSignalKind.InvitationRequested, 1)) with { Mails = [mail] });

        // Act
        var etag = await _storage.Subscriptions.CommitAsync(new SubscriptionCommit(invited, current.ETag, audit, FollowUps: pending), default);

        // Assert: one partition holds the new record, the audit line and the row; the row reads back whole.
        var read = (await _storage.Subscriptions.GetAsync(subscription.Key, default))!;
        Assert.Equal(etag, read.ETag);
        Assert.Equal(SubscriptionStatus.InvitationSent, read.Value.Status);
        Assert.Equal([signUp, audit], await _storage.Subscriptions.GetHistoryAsync(subscription.Key, default));
        var row = Assert.Single(await _storage.FollowUps.ListPendingAsync("eu-west", subscription.CustomerId, default));
        Assert.Equal(pending.Id, row.Id);
        Assert.Equal(pending.CommittedAt, row.CommittedAt);
        Assert.Equal(subscription.Key, row.FollowUps.Subscription);
        Assert.True(row.FollowUps.Lifecycle);
        Assert.Equal(new LifecycleSignal(LifecycleSignalKind.InvitationRequested, 1), row.FollowUps.Signal);
        Assert.Equal(mail, Assert.Single(row.FollowUps.Mails!));
        var rows = await _storage.RawPartitionAsync(TableKeys.CustomerPartition("eu-west", subscription.CustomerId));
        Assert.Contains(rows, r => r.RowKey == TableKeys.FollowUpRow(pending.Id));
    }

    [Fact]
    public async Task A_commit_with_a_stale_etag_writes_neither_the_record_nor_its_audit_line_nor_its_follow_up_row()
    {
        // Arrange: someone else changed the subscription after it was read.
        var (subscription, signUp) = StorageHarness.NewSubscription("eu-west", "partner-1");
        await _storage.Subscriptions.InsertAsync(subscription, signUp, default);
        var original = (await _storage.Subscriptions.GetAsync(subscription.Key, default))!;
        var (winner, winnerAudit) = original.Value.RequestInvitation(StorageHarness.Start, "a@contoso.com", "a@contoso.com", "A", "partner:p1", RateWindow);
        await _storage.Subscriptions.CommitAsync(new SubscriptionCommit(winner, original.ETag, winnerAudit), default);
        var (loser, loserAudit) = winner.RevokeInvitation(StorageHarness.Start, "partner:p1");
        var pending = Pending(subscription.Key, FollowUps.ListingAndSignal(subscription.Key, new LifecycleSignal(LifecycleSignalKind.InvitationRevoked)));

        // Act
        var conflict = await Record.ExceptionAsync(() => _storage.Subscriptions.CommitAsync(new SubscriptionCommit(loser, original.ETag, loserAudit, FollowUps: pending), default));

        // Assert
        Assert.IsType<ConcurrencyConflictException>(conflict);
        Assert.Equal(SubscriptionStatus.InvitationSent, (await _storage.Subscriptions.GetAsync(subscription.Key, default))!.Value.Status);
        Assert.Equal([signUp, winnerAudit], await _storage.Subscriptions.GetHistoryAsync(subscription.Key, default));
        Assert.Empty(await _storage.FollowUps.ListPendingAsync("eu-west", subscription.CustomerId, default));
    }

    [Fact]
    public async Task A_customer_change_commits_its_follow_up_row_with_the_record_and_not_without_it()
    {
        // Arrange
        var customer = StorageHarness.NewCustomer("eu-west", "partner-1");
        Assert.True(await _storage.Customers.InsertAsync(customer, default));
        var current = (await _storage.Customers.GetAsync(customer.CustomerId, default))!;
        var winning = Pending(new SubscriptionKey("eu-west", customer.CustomerId, ""), FollowUps.CustomerListing(customer.CustomerId));
        var stale = Pending(new SubscriptionKey("eu-west", customer.CustomerId, ""), FollowUps.CustomerListing(customer.CustomerId));
        await _storage.Customers.ReplaceAsync(customer.WithVoiceAccount("V-1"), current.ETag, winning, default);

        // Act
        var conflict = await Record.ExceptionAsync(() => _storage.Customers.ReplaceAsync(customer.WithVoiceAccount("V-2"), current.ETag, stale, default));

        // Assert: the winning replace's row is there; the losing replace left no row.
        Assert.IsType<ConcurrencyConflictException>(conflict);
        Assert.Equal("V-1", (await _storage.Customers.GetAsync(customer.CustomerId, default))!.Value.VoiceAccountNumber);
        var row = Assert.Single(await _storage.FollowUps.ListPendingAsync("eu-west", customer.CustomerId, default));
        Assert.Equal(winning.Id, row.Id);
        Assert.Equal(customer.CustomerId, row.FollowUps.Customer);
        Assert.Null(row.FollowUps.Subscription);
    }

    [Fact]
    public async Task The_hint_lists_as_a_due_item_naming_its_row_and_clearing_removes_both()
    {
        // Arrange
        var (subscription, signUp) = StorageHarness.NewSubscription("eu-west", "partner-1");
        await _storage.Subscriptions.InsertAsync(subscription, signUp, default);
        var current = (await _storage.Subscriptions.GetAsync(subscription.Key, default))!;
        var pending = Pending(subscription.Key, FollowUps.Listing(subscription.Key));
        var dueAt = FollowUpDispatcher.HintDueAt(pending);
        await _storage.FollowUps.AddHintAsync(pending, dueAt, default);
        await _storage.Subscriptions.CommitAsync(new SubscriptionCommit(current.Value, current.ETag, FollowUps: pending), default);

        // Act
        var due = await _storage.Subscriptions.ListDueAsync("eu-west", DateOnly.FromDateTime(dueAt.UtcDateTime), dueAt, default);
        await _storage.FollowUps.ClearAsync(pending, dueAt, default);
        await _storage.FollowUps.ClearAsync(pending, dueAt, default); // a repeated clear is harmless

        // Assert
        var hint = Assert.Single(due);
        Assert.Equal(pending.Id, hint.FollowUpId);
        Assert.Equal(subscription.CustomerId, hint.Key.CustomerId);
        Assert.Equal("eu-west", hint.Key.Region);
        Assert.Empty(await _storage.FollowUps.ListPendingAsync("eu-west", subscription.CustomerId, default));
        Assert.Empty(await _storage.Subscriptions.ListDueAsync("eu-west", DateOnly.FromDateTime(dueAt.UtcDateTime), dueAt, default));
    }

    private static PendingFollowUps Pending(SubscriptionKey partition, FollowUps work) =>
        new(partition.Region, partition.CustomerId, PendingFollowUps.NewId(StorageHarness.Start), StorageHarness.Start, work);
}
