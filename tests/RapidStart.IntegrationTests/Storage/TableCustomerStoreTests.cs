using Azure.Data.Tables;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Problems;
using RapidStart.Infrastructure.Storage;
using RapidStart.IntegrationTests.Infrastructure;

namespace RapidStart.IntegrationTests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class TableCustomerStoreTests(AzuriteFixture azurite)
{
    private readonly StorageHarness _storage = new(azurite);

    [Fact]
    public async Task Inserted_customer_reads_back_with_every_field()
    {
        // Arrange
        var customer = StorageHarness.NewCustomer("eu-west", "partner-1");

        // Act
        var inserted = await _storage.Customers.InsertAsync(customer, default);
        var read = await _storage.Customers.GetAsync(customer.CustomerId, default);

        // Assert
        Assert.True(inserted);
        Assert.NotNull(read);
        Assert.False(string.IsNullOrEmpty(read.ETag));
        var value = read.Value;
        Assert.Equal(customer.CustomerId, value.CustomerId);
        Assert.Equal("partner-1", value.PartnerId);
        Assert.Equal(CustomerKinds.Existing, value.Kind);
        Assert.Equal("VOICE-1001", value.VoiceAccountNumber);
        Assert.Equal(customer.Organization, value.Organization);
        Assert.Equal(customer.Administrator, value.Administrator);
        Assert.Equal("eu-west", value.Region);
        Assert.Equal(customer.CreatedAt, value.CreatedAt);
        Assert.Equal(customer.SubscriptionRegions.OrderBy(p => p.Key), value.SubscriptionRegions.OrderBy(p => p.Key));
        Assert.False(value.Purged);
    }

    [Fact]
    public async Task Tombstone_customer_reads_back_without_organization_or_administrator()
    {
        // Arrange
        var customer = StorageHarness.NewCustomer("eu-west", "partner-1");
        await _storage.Customers.InsertAsync(customer, default);
        var current = await _storage.Customers.GetAsync(customer.CustomerId, default);

        // Act
        await _storage.Customers.ReplaceAsync(customer.AsTombstone(), current!.ETag, null, default);
        var read = await _storage.Customers.GetAsync(customer.CustomerId, default);

        // Assert
        Assert.True(read!.Value.Purged);
        Assert.Null(read.Value.Organization);
        Assert.Null(read.Value.Administrator);
    }

    [Fact]
    public async Task Inserting_an_existing_customer_id_returns_false_and_keeps_the_first()
    {
        // Arrange
        var customer = StorageHarness.NewCustomer("eu-west", "partner-1");
        await _storage.Customers.InsertAsync(customer, default);

        // Act
        var second = await _storage.Customers.InsertAsync(customer with { PartnerId = "partner-2" }, default);

        // Assert
        Assert.False(second);
        Assert.Equal("partner-1", (await _storage.Customers.GetAsync(customer.CustomerId, default))!.Value.PartnerId);
    }

    [Fact]
    public async Task Unknown_or_malformed_customer_id_reads_as_null()
    {
        // Arrange
        var unknown = CustomerId.New("eu-west", StorageHarness.Start);

        // Act
        var missing = await _storage.Customers.GetAsync(unknown, default);
        var malformed = await _storage.Customers.GetAsync("not an id/with?odd#chars", default);

        // Assert
        Assert.Null(missing);
        Assert.Null(malformed);
    }

    [Fact]
    public async Task Replace_with_current_etag_succeeds_and_stale_etag_throws_concurrency_conflict()
    {
        // Arrange
        var customer = StorageHarness.NewCustomer("eu-west", "partner-1");
        await _storage.Customers.InsertAsync(customer, default);
        var original = await _storage.Customers.GetAsync(customer.CustomerId, default);
        var renamed = customer with { Organization = customer.Organization! with { Name = "Renamed AG" } };

        // Act
        var newETag = await _storage.Customers.ReplaceAsync(renamed, original!.ETag, null, default);
        var stale = await Assert.ThrowsAsync<ConcurrencyConflictException>(
            () => _storage.Customers.ReplaceAsync(customer with { Kind = CustomerKinds.Prospect }, original.ETag, null, default));

        // Assert
        Assert.NotNull(stale);
        Assert.NotEqual(original.ETag, newETag);
        var stored = await _storage.Customers.GetAsync(customer.CustomerId, default);
        Assert.Equal(newETag, stored!.ETag);
        Assert.Equal("Renamed AG", stored.Value.Organization!.Name);
        Assert.Equal(CustomerKinds.Existing, stored.Value.Kind);
    }

    [Fact]
    public async Task Customer_and_listing_rows_use_the_documented_keys()
    {
        // Arrange
        var customer = StorageHarness.NewCustomer("eu-west", "partner-1");

        // Act
        await _storage.Customers.InsertAsync(customer, default);
        await _storage.Customers.UpsertListingAsync(customer, default);

        // Assert
        var record = Assert.Single(await _storage.RawPartitionAsync($"eu-west|{customer.CustomerId}"));
        Assert.Equal("customer", record.RowKey);
        Assert.Equal(customer.CustomerId, record.GetString("CustomerId"));
        var listing = Assert.Single(await _storage.RawPartitionAsync("eu-west|partner|partner-1"));
        Assert.Equal(customer.CustomerId, listing.RowKey);
        Assert.Contains("Müller", listing.GetString("CustomerJson"), StringComparison.Ordinal);
        Assert.True(await _storage.Customers.IsListedAsync(customer, default));
        Assert.False(await _storage.Customers.IsListedAsync(StorageHarness.NewCustomer("eu-west", "partner-1"), default));
    }

    [Fact]
    public async Task Listing_pages_past_1000_customers_across_regions_each_exactly_once()
    {
        // Arrange
        var mine = Enumerable.Range(0, 1050)
            .Select(i => StorageHarness.NewCustomer(i < 600 ? "eu-west" : "us-east", "partner-big", StorageHarness.Start.AddMilliseconds(i)))
            .ToList();
        var foreign = StorageHarness.NewCustomer("eu-west", "partner-other");
        await Parallel.ForEachAsync(mine.Append(foreign), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (customer, ct) =>
            await _storage.Customers.UpsertListingAsync(customer, ct));

        // Act
        var seen = new List<string>();
        var pages = 0;
        string? token = null;
        do
        {
            var page = await _storage.Customers.ListAsync("partner-big", token, 100, default);
            Assert.True(page.Items.Count <= 100, $"page {pages} has {page.Items.Count} items");
            seen.AddRange(page.Items.Select(c => c.CustomerId));
            token = page.ContinuationToken;
            pages++;
            Assert.True(pages < 50, "paging does not end");
        }
        while (token is not null);

        // Assert
        Assert.Equal(1050, seen.Count);
        Assert.Equal(1050, seen.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(mine.Select(c => c.CustomerId).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(foreign.CustomerId, seen);
        Assert.InRange(pages, 11, 12);
    }

    [Fact]
    public async Task Listing_page_spans_regions_in_catalog_order()
    {
        // Arrange
        var euCustomer = StorageHarness.NewCustomer("eu-west", "partner-2");
        var usCustomer = StorageHarness.NewCustomer("us-east", "partner-2", country: "US");
        await _storage.Customers.UpsertListingAsync(usCustomer, default);
        await _storage.Customers.UpsertListingAsync(euCustomer, default);

        // Act
        var page = await _storage.Customers.ListAsync("partner-2", null, 10, default);

        // Assert
        Assert.Equal([euCustomer.CustomerId, usCustomer.CustomerId], page.Items.Select(c => c.CustomerId));
        Assert.Null(page.ContinuationToken);
        Assert.Equal(euCustomer.Organization, page.Items[0].Organization);
    }

    [Theory]
    [InlineData("not a token")]
    [InlineData("%%%")]
    [InlineData("aGVsbG8")] // "hello"
    [InlineData("eyJyIjo5OX0")] // {"r":99}: no such region
    [InlineData("eyJyIjotMX0")] // {"r":-1}
    [InlineData("eyJyIjowLCJ0IjoiZ2FyYmFnZSJ9")] // {"r":0,"t":"garbage"}: no list scope
    public async Task Garbled_continuation_token_is_refused_as_invalid(string token)
    {
        // Arrange
        await _storage.Customers.UpsertListingAsync(StorageHarness.NewCustomer("eu-west", "partner-3"), default);

        // Act
        var problem = await Assert.ThrowsAsync<ProblemException>(() => _storage.Customers.ListAsync("partner-3", token, 10, default));

        // Assert
        Assert.Equal(ProblemKind.Invalid, problem.Kind);
        Assert.True(problem.Errors!.ContainsKey("continuationToken"));
    }

    [Fact]
    public async Task Continuation_token_is_base64url_json_of_region_index_and_table_token()
    {
        // Arrange
        await SeedListingsAsync("partner-4", 3);

        // Act
        var page = await _storage.Customers.ListAsync("partner-4", null, 2, default);
        var rest = await _storage.Customers.ListAsync("partner-4", page.ContinuationToken, 2, default);

        // Assert
        Assert.Equal(2, page.Items.Count);
        var json = TokenJson.Decode(page.ContinuationToken!);
        Assert.Equal(1, json["r"]!.GetValue<int>()); // eu-west is region 1 of ap-southeast, eu-west, us-east
        Assert.Contains(' ', json["t"]!.GetValue<string>());
        Assert.Single(rest.Items);
        Assert.Null(rest.ContinuationToken);
    }

    [Theory]
    [InlineData("t", "garbage")]
    [InlineData("t", "a b c")]
    [InlineData("t", "bad\u0001key row")]
    [InlineData("r", "7")]
    public async Task Tampered_continuation_token_is_refused_as_invalid(string field, string value)
    {
        // Arrange
        await SeedListingsAsync("partner-5", 3);
        var page = await _storage.Customers.ListAsync("partner-5", null, 2, default);
        var json = TokenJson.Decode(page.ContinuationToken!);
        json[field] = field == "r" ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : System.Text.RegularExpressions.Regex.Unescape(value);

        // Act
        var problem = await Assert.ThrowsAsync<ProblemException>(() => _storage.Customers.ListAsync("partner-5", TokenJson.Encode(json), 2, default));

        // Assert
        Assert.Equal(ProblemKind.Invalid, problem.Kind);
        Assert.True(problem.Errors!.ContainsKey("continuationToken"));
    }

    [Fact]
    public async Task Continuation_token_of_one_partner_is_refused_for_another()
    {
        // Arrange
        await SeedListingsAsync("partner-6", 3);
        await SeedListingsAsync("partner-7", 3);
        var page = await _storage.Customers.ListAsync("partner-6", null, 2, default);

        // Act
        var problem = await Assert.ThrowsAsync<ProblemException>(() => _storage.Customers.ListAsync("partner-7", page.ContinuationToken, 2, default));

        // Assert
        Assert.Equal(ProblemKind.Invalid, problem.Kind);
    }

    [Fact]
    public async Task Voice_claim_is_inserted_once_refused_to_a_second_claimant_and_taken_over_by_etag()
    {
        // Arrange
        const string number = "ACME-0001";

        // Act
        var first = await _storage.Customers.TryClaimVoiceNumberAsync("eu-west", number, "customer-a", null, default);
        var second = await _storage.Customers.TryClaimVoiceNumberAsync("eu-west", number, "customer-b", null, default);
        var held = await _storage.Customers.GetVoiceClaimAsync("eu-west", number, default);
        _storage.Clock.Advance(TimeSpan.FromMinutes(5));
        var takeover = await _storage.Customers.TryClaimVoiceNumberAsync("eu-west", number, "customer-b", held, default);
        var staleTakeover = await _storage.Customers.TryClaimVoiceNumberAsync("eu-west", number, "customer-c", held, default);
        var after = await _storage.Customers.GetVoiceClaimAsync("eu-west", number, default);

        // Assert
        Assert.True(first);
        Assert.False(second);
        Assert.Equal("customer-a", held!.CustomerId);
        Assert.Equal(number, held.AccountNumber);
        Assert.Equal(StorageHarness.Start, held.ClaimedAt);
        Assert.True(takeover);
        Assert.False(staleTakeover);
        Assert.Equal("customer-b", after!.CustomerId);
        Assert.Equal(StorageHarness.Start.AddMinutes(5), after.ClaimedAt);
        Assert.NotEqual(held.ETag, after.ETag);
        Assert.Null(await _storage.Customers.GetVoiceClaimAsync("us-east", number, default));
        var row = Assert.Single(await _storage.RawPartitionAsync($"eu-west|voiceclaim|{number}"));
        Assert.Equal("claim", row.RowKey);
    }

    private async Task SeedListingsAsync(string partnerId, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await _storage.Customers.UpsertListingAsync(StorageHarness.NewCustomer("eu-west", partnerId, StorageHarness.Start.AddSeconds(i)), default);
        }
    }

    [Fact]
    public async Task Ping_succeeds_while_storage_answers()
    {
        // Arrange
        var router = _storage.Router;

        // Act
        var ping = await Record.ExceptionAsync(() => router.PingAsync(default));

        // Assert
        Assert.Null(ping);
    }

    [Fact]
    public async Task Ping_throws_while_storage_does_not_answer()
    {
        // Arrange: a port nothing listens on.
        var port = RapidStart.Testing.LoopbackPorts.Free();
        var options = new StorageOptions { ConnectionString = AzuriteFixture.ConnectionStringFor(port) };
        var router = new TableRouter(Microsoft.Extensions.Options.Options.Create(options), Microsoft.Extensions.Logging.Abstractions.NullLogger<TableRouter>.Instance);

        // Act
        var failure = await Record.ExceptionAsync(() => router.PingAsync(default));

        // Assert: after its retries Azure.Core throws an AggregateException of the attempts; each is a
        // RequestFailedException with status 0 (no response). The HTTP edge must look inside for its 503.
        Assert.NotNull(failure);
        var attempts = failure is AggregateException aggregate ? aggregate.Flatten().InnerExceptions.ToList() : [failure];
        Assert.NotEmpty(attempts);
        Assert.All(attempts, attempt => Assert.Equal(0, Assert.IsType<Azure.RequestFailedException>(attempt, exactMatch: false).Status));
        Assert.True(StorageFaults.IsUnavailable(failure), "the HTTP edge's classifier must call this an outage (503)");
    }
}
