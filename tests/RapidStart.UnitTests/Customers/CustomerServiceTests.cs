using Microsoft.Extensions.Time.Testing;
using Moq;
using RapidStart.Domain.Callers;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;
using RapidStart.Domain.Voice;
using RapidStart.UnitTests.TestSupport;

namespace RapidStart.UnitTests.Customers;

public class CustomerServiceTests
{
    private const string OtherPartnersNumber = "V-900900";

    private readonly Mock<ICustomerStore> _store = new();
    private readonly Mock<IVoiceDirectory> _voice = new();
    private readonly FakeTimeProvider _clock = TestData.Clock();
    private readonly Caller _partner = TestData.Partner();
    private readonly CustomerService _service;

    private readonly VoiceAccount _account = new(TestData.VoiceNumber, TestData.PartnerId, "Fabrikam Werke AG", new Address("Werkstraße 5", "München", "BY", "80331", "DE"));

    public CustomerServiceTests()
    {
        _service = new CustomerService(_store.Object, _voice.Object, ServiceCatalog.Default(), _clock, TestData.Changes(new Mock<ISubscriptionStore>().Object, _store.Object, _clock));
        _store.Setup(s => s.InsertAsync(It.IsAny<Customer>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        _voice.Setup(v => v.FindAsync(TestData.PartnerId, TestData.VoiceNumber, It.IsAny<CancellationToken>())).ReturnsAsync(_account);
        _voice.Setup(v => v.FindAsync(TestData.OtherPartnerId, OtherPartnersNumber, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new VoiceAccount(OtherPartnersNumber, TestData.OtherPartnerId, "Northwind", TestData.Address("FR")));
        _store.Setup(s => s.TryClaimVoiceNumberAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<VoiceClaim?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(true);
    }

    private static CustomerDraft Prospect(string country = "DE", string accountId = TestData.AdministratorAccount, string email = TestData.AdministratorEmail) =>
        new(
            CustomerKinds.Prospect,
            null,
            false,
            new OrganizationDraft("Contoso GmbH", new AddressDraft("1 Hauptstraße", "Berlin", null, "10115", country)),
            new AdministratorDraft("Dana Admin", accountId, email));

    private static CustomerDraft Existing(string number = TestData.VoiceNumber, bool fillFromVoice = false) =>
        Prospect() with { Kind = CustomerKinds.Existing, VoiceAccountNumber = number, FillFromVoice = fillFromVoice };

    private void Stored(Customer customer, string etag = "etag-1") =>
        _store.Setup(s => s.GetAsync(customer.CustomerId, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<Customer>(customer, etag));

    [Fact]
    public async Task CreateAsync_prospect_in_Germany_is_stored_in_eu_west_and_listed()
    {
        // Act
        var customer = await _service.CreateAsync(_partner, Prospect("DE"), CancellationToken.None);

        // Assert
        Assert.Equal("eu-west", customer.Region);
        Assert.StartsWith("eu-west-", customer.CustomerId);
        Assert.Equal(CustomerKinds.Prospect, customer.Kind);
        Assert.Equal(TestData.PartnerId, customer.PartnerId);
        Assert.Equal(TestData.Start, customer.CreatedAt);
        Assert.Null(customer.VoiceAccountNumber);
        _store.Verify(s => s.InsertAsync(customer, It.IsAny<CancellationToken>()), Times.Once);
        _store.Verify(s => s.UpsertListingAsync(customer, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task CreateAsync_prospect_in_unsupported_country_is_stored_in_the_default_region()
    {
        // Act
        var customer = await _service.CreateAsync(_partner, Prospect("AR"), CancellationToken.None);

        // Assert
        Assert.Equal("us-east", customer.Region);
        Assert.StartsWith("us-east-", customer.CustomerId);
        Assert.Equal("AR", customer.Organization!.Address.CountryRegion);
        _store.Verify(s => s.UpsertListingAsync(customer, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task CreateAsync_existing_with_own_VOICE_number_claims_the_number_then_stores_and_lists_the_customer()
    {
        // Arrange
        var order = new List<string>();
        _store.Setup(s => s.TryClaimVoiceNumberAsync("eu-west", TestData.VoiceNumber, It.IsAny<string>(), null, It.IsAny<CancellationToken>()))
            .Callback(() => order.Add("claim")).ReturnsAsync(true);
        _store.Setup(s => s.InsertAsync(It.IsAny<Customer>(), It.IsAny<CancellationToken>())).Callback(() => order.Add("insert")).ReturnsAsync(true);
        _store.Setup(s => s.UpsertListingAsync(It.IsAny<Customer>(), It.IsAny<CancellationToken>())).Callback(() => order.Add("list")).Returns(Task.CompletedTask);

        // Act
        var customer = await _service.CreateAsync(_partner, Existing(), CancellationToken.None);

        // Assert
        Assert.Equal(CustomerKinds.Existing, customer.Kind);
        Assert.Equal(TestData.VoiceNumber, customer.VoiceAccountNumber);
        Assert.Equal(new[] { "claim", "insert", "list" }, order);
        _store.Verify(s => s.TryClaimVoiceNumberAsync("eu-west", TestData.VoiceNumber, customer.CustomerId, null, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task CreateAsync_existing_with_another_partners_VOICE_number_is_invalid_on_VOICE_account_number()
    {
        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Invalid, () => _service.CreateAsync(_partner, Existing(OtherPartnersNumber), CancellationToken.None));

        // Assert
        Assert.True(problem.Errors!.ContainsKey("voiceAccountNumber"));
        _voice.Verify(v => v.FindAsync(TestData.PartnerId, OtherPartnersNumber, It.IsAny<CancellationToken>()), Times.Once);
        _store.Verify(s => s.InsertAsync(It.IsAny<Customer>(), It.IsAny<CancellationToken>()), Times.Never);
        _store.Verify(s => s.TryClaimVoiceNumberAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<VoiceClaim?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task CreateAsync_fill_from_VOICE_takes_name_and_address_from_VOICE()
    {
        // Arrange
        var draft = Existing(fillFromVoice: true) with { Organization = null };

        // Act
        var customer = await _service.CreateAsync(_partner, draft, CancellationToken.None);

        // Assert
        Assert.Equal("Fabrikam Werke AG", customer.Organization!.Name);
        Assert.Equal(_account.Address, customer.Organization.Address);
        Assert.Equal("eu-west", customer.Region);
    }

    [Fact]
    public async Task CreateAsync_without_kind_reports_the_kind_field()
    {
        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Invalid, () => _service.CreateAsync(_partner, Prospect() with { Kind = null }, CancellationToken.None));

        // Assert
        Assert.Contains("'existing'", Assert.Single(problem.Errors!["kind"]));
        _store.Verify(s => s.InsertAsync(It.IsAny<Customer>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Theory]
    [InlineData("UK")]
    [InlineData("XX")]
    [InlineData("Germany")]
    public async Task CreateAsync_with_a_non_ISO_country_reports_the_country_field(string country)
    {
        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Invalid, () => _service.CreateAsync(_partner, Prospect(country), CancellationToken.None));

        // Assert
        Assert.True(problem.Errors!.ContainsKey("organization.address.countryRegion"));
        _store.Verify(s => s.InsertAsync(It.IsAny<Customer>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("it@contoso")]
    [InlineData("Dana <it@contoso.com>")]
    public async Task CreateAsync_with_a_bad_contact_email_reports_the_email_field(string email)
    {
        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Invalid, () => _service.CreateAsync(_partner, Prospect(email: email), CancellationToken.None));

        // Assert
        Assert.Equal(new[] { "administrator.contactEmail" }, problem.Errors!.Keys);
    }

    [Theory]
    [InlineData("pat@partner.example", "pat@partner.example")]
    [InlineData("Pat@Partner.Example", "pat@partner.example")]
    [InlineData("pat@partner.example", "PAT@PARTNER.EXAMPLE")]
    public async Task CreateAsync_refuses_the_callers_own_account_as_administrator_whatever_the_case(string callerSubject, string administratorAccount)
    {
        // Arrange
        var caller = TestData.Partner(subject: callerSubject);

        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Invalid, () => _service.CreateAsync(caller, Prospect(accountId: administratorAccount), CancellationToken.None));

        // Assert
        Assert.Contains("other than the one you signed in with", Assert.Single(problem.Errors!["administrator.microsoftAccountId"]));
        _store.Verify(s => s.InsertAsync(It.IsAny<Customer>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task CreateAsync_with_several_bad_fields_lists_every_field()
    {
        // Arrange
        var draft = Prospect(country: "UK", email: "nope") with { Kind = "customer" };

        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Invalid, () => _service.CreateAsync(_partner, draft, CancellationToken.None));

        // Assert
        Assert.Equal(
            new[] { "administrator.contactEmail", "kind", "organization.address.countryRegion" },
            problem.Errors!.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CreateAsync_VOICE_number_held_by_another_listed_customer_is_a_conflict()
    {
        // Arrange
        var holder = TestData.Customer(voiceNumber: TestData.VoiceNumber);
        Stored(holder);
        _store.Setup(s => s.GetVoiceClaimAsync("eu-west", TestData.VoiceNumber, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new VoiceClaim(TestData.VoiceNumber, holder.CustomerId, TestData.Start.AddDays(-5), "claim-etag"));
        _store.Setup(s => s.IsListedAsync(holder, It.IsAny<CancellationToken>())).ReturnsAsync(true);

        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Conflict, () => _service.CreateAsync(_partner, Existing(), CancellationToken.None));

        // Assert
        Assert.Contains(TestData.VoiceNumber, problem.Message);
        _store.Verify(s => s.InsertAsync(It.IsAny<Customer>(), It.IsAny<CancellationToken>()), Times.Never);
        _store.Verify(s => s.TryClaimVoiceNumberAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<VoiceClaim?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task CreateAsync_VOICE_number_held_by_own_unlisted_half_created_customer_completes_that_customer()
    {
        // Arrange
        var halfCreated = TestData.Customer(voiceNumber: TestData.VoiceNumber);
        Stored(halfCreated);
        _store.Setup(s => s.GetVoiceClaimAsync("eu-west", TestData.VoiceNumber, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new VoiceClaim(TestData.VoiceNumber, halfCreated.CustomerId, TestData.Start.AddMinutes(-3), "claim-etag"));
        _store.Setup(s => s.IsListedAsync(halfCreated, It.IsAny<CancellationToken>())).ReturnsAsync(false);

        // Act
        var customer = await _service.CreateAsync(_partner, Existing(), CancellationToken.None);

        // Assert
        Assert.Same(halfCreated, customer);
        _store.Verify(s => s.UpsertListingAsync(halfCreated, It.IsAny<CancellationToken>()), Times.Once);
        _store.Verify(s => s.InsertAsync(It.IsAny<Customer>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task GetAsync_another_partners_customer_answers_not_found()
    {
        // Arrange
        var theirs = TestData.Customer(partnerId: TestData.OtherPartnerId);
        Stored(theirs);

        // Act + Assert
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.NotFound, () => _service.GetAsync(_partner, theirs.CustomerId, CancellationToken.None));
        Assert.Equal(ProblemException.NotFound("customer").Message, problem.Message);
    }

    [Fact]
    public async Task GetAsync_own_customer_returns_it_with_its_ETag()
    {
        // Arrange
        var mine = TestData.Customer();
        Stored(mine, "etag-7");

        // Act
        var read = await _service.GetAsync(_partner, mine.CustomerId, CancellationToken.None);

        // Assert
        Assert.Same(mine, read.Value);
        Assert.Equal("etag-7", read.ETag);
    }

    [Theory]
    [InlineData("not-a-customer-id")]
    [InlineData("mars-00000000000000000000000000")]
    public async Task GetAsync_malformed_or_unknown_region_ID_answers_not_found_without_reading_storage(string customerId)
    {
        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.NotFound, () => _service.GetAsync(_partner, customerId, CancellationToken.None));

        // Assert
        _store.Verify(s => s.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task GetAsync_purged_customer_answers_gone()
    {
        // Arrange
        var purged = TestData.Customer(purged: true);
        Stored(purged);

        // Act + Assert
        await TestData.ThrowsProblemAsync(ProblemKind.Gone, () => _service.GetAsync(_partner, purged.CustomerId, CancellationToken.None));
    }

    [Fact]
    public async Task AssignVoiceAccountAsync_prospect_becomes_existing_with_the_number()
    {
        // Arrange
        var prospect = TestData.Customer();
        Stored(prospect, "etag-1");
        _store.Setup(s => s.ReplaceAsync(It.IsAny<Customer>(), "etag-1", It.IsAny<PendingFollowUps?>(), It.IsAny<CancellationToken>())).ReturnsAsync("etag-2");

        // Act
        var updated = await _service.AssignVoiceAccountAsync(_partner, prospect.CustomerId, "v-100200", "etag-1", CancellationToken.None);

        // Assert
        Assert.Equal(CustomerKinds.Existing, updated.Kind);
        Assert.Equal(TestData.VoiceNumber, updated.VoiceAccountNumber);
        _store.Verify(s => s.TryClaimVoiceNumberAsync("eu-west", TestData.VoiceNumber, prospect.CustomerId, null, It.IsAny<CancellationToken>()), Times.Once);
        _store.Verify(s => s.ReplaceAsync(It.Is<Customer>(c => c.Kind == CustomerKinds.Existing && c.VoiceAccountNumber == TestData.VoiceNumber), "etag-1", It.IsAny<PendingFollowUps?>(), It.IsAny<CancellationToken>()), Times.Once);
        _store.Verify(s => s.UpsertListingAsync(updated, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task AssignVoiceAccountAsync_same_number_again_changes_nothing()
    {
        // Arrange
        var existing = TestData.Customer(voiceNumber: TestData.VoiceNumber);
        Stored(existing);

        // Act
        var result = await _service.AssignVoiceAccountAsync(_partner, existing.CustomerId, TestData.VoiceNumber, null, CancellationToken.None);

        // Assert
        Assert.Same(existing, result);
        _store.Verify(s => s.ReplaceAsync(It.IsAny<Customer>(), It.IsAny<string>(), It.IsAny<PendingFollowUps?>(), It.IsAny<CancellationToken>()), Times.Never);
        _store.Verify(s => s.TryClaimVoiceNumberAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<VoiceClaim?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task AssignVoiceAccountAsync_different_number_is_a_conflict()
    {
        // Arrange
        const string otherOwnNumber = "V-300300";
        _voice.Setup(v => v.FindAsync(TestData.PartnerId, otherOwnNumber, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new VoiceAccount(otherOwnNumber, TestData.PartnerId, "Contoso", TestData.Address()));
        var existing = TestData.Customer(voiceNumber: TestData.VoiceNumber);
        Stored(existing);

        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Conflict, () => _service.AssignVoiceAccountAsync(_partner, existing.CustomerId, otherOwnNumber, null, CancellationToken.None));

        // Assert
        Assert.Contains(TestData.VoiceNumber, problem.Message);
        _store.Verify(s => s.ReplaceAsync(It.IsAny<Customer>(), It.IsAny<string>(), It.IsAny<PendingFollowUps?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task AssignVoiceAccountAsync_stale_IfMatch_fails_the_precondition_and_changes_nothing()
    {
        // Arrange
        var prospect = TestData.Customer();
        Stored(prospect, "etag-2");

        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.PreconditionFailed, () => _service.AssignVoiceAccountAsync(_partner, prospect.CustomerId, TestData.VoiceNumber, "etag-1", CancellationToken.None));

        // Assert
        _store.Verify(s => s.ReplaceAsync(It.IsAny<Customer>(), It.IsAny<string>(), It.IsAny<PendingFollowUps?>(), It.IsAny<CancellationToken>()), Times.Never);
        _store.Verify(s => s.TryClaimVoiceNumberAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<VoiceClaim?>(), It.IsAny<CancellationToken>()), Times.Never);
    }
}
