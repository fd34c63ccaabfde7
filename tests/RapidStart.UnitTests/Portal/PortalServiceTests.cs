using Microsoft.Extensions.Time.Testing;
using Moq;
using RapidStart.Domain.Callers;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Portal;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;
using RapidStart.UnitTests.TestSupport;

namespace RapidStart.UnitTests.Portal;

public class PortalServiceTests
{
    private const string Admin = TestData.AdministratorAccount;
    private const string Reader = "rita@contoso.com";
    private const string Contributor = "carl@contoso.com";

    private readonly Mock<ISubscriptionStore> _store = new();
    private readonly Mock<ICustomerStore> _customers = new();
    private readonly FakeTimeProvider _clock = TestData.Clock();
    private readonly PortalService _service;
    private readonly Customer _customer;
    private readonly SubscriptionKey _key;
    private readonly Subscription _active;
    private List<PortalUser> _users;

    public PortalServiceTests()
    {
        _service = new PortalService(_store.Object, _customers.Object, _clock, TestData.Changes(_store.Object, _customers.Object, _clock));
        _customer = TestData.Customer().WithRapidStart();
        _key = TestData.KeyOf(_customer);
        _customers.Setup(c => c.GetAsync(_customer.CustomerId, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<Customer>(_customer, "customer-etag"));
        _active = TestData.Invited(_customer).Accept(TestData.Start, new Acceptance(TestData.Start, Admin, "v", "v")).Item1;
        StoreSubscription(_active);
        _users =
        [
            new PortalUser(Admin, "Dana Admin", PortalRoles.Administrator, TestData.Start, TestData.IdentityOf(Admin)),
            new PortalUser(Reader, "Rita Reader", PortalRoles.Reader, TestData.Start, TestData.IdentityOf(Reader)),
        ];
        _store.Setup(s => s.ListUsersAsync(_key, It.IsAny<CancellationToken>())).ReturnsAsync(() => _users);
        _store.Setup(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>())).ReturnsAsync("sub-etag-2");
        _clock.Advance(TimeSpan.FromDays(1));
    }

    private void StoreSubscription(Subscription subscription) =>
        _store.Setup(s => s.GetAsync(_key, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<Subscription>(subscription, "sub-etag-1"));

    private void VerifyNoCommit() =>
        _store.Verify(s => s.CommitAsync(It.IsAny<SubscriptionCommit>(), It.IsAny<CancellationToken>()), Times.Never);

    [Fact]
    public async Task ListAsync_member_sees_the_organizations_users()
    {
        // Act
        var users = await _service.ListAsync(TestData.User(Reader), _customer.CustomerId, CancellationToken.None);

        // Assert
        Assert.Equal(new[] { Admin, Reader }, users.Select(u => u.MicrosoftAccountId));
    }

    [Fact]
    public async Task ListAsync_non_member_answers_not_found()
    {
        // Act + Assert
        await TestData.ThrowsProblemAsync(ProblemKind.NotFound,
            () => _service.ListAsync(TestData.User("mallory@fabrikam.com"), _customer.CustomerId, CancellationToken.None));
    }

    [Fact]
    public async Task ListAsync_customer_without_the_service_answers_not_found()
    {
        // Arrange
        var bare = TestData.Customer();
        _customers.Setup(c => c.GetAsync(bare.CustomerId, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<Customer>(bare, "e"));

        // Act + Assert
        await TestData.ThrowsProblemAsync(ProblemKind.NotFound,
            () => _service.ListAsync(TestData.User(Admin), bare.CustomerId, CancellationToken.None));
    }

    [Fact]
    public async Task ListAsync_before_activation_is_forbidden()
    {
        // Arrange
        StoreSubscription(TestData.Invited(_customer));

        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Forbidden,
            () => _service.ListAsync(TestData.User(Admin), _customer.CustomerId, CancellationToken.None));

        // Assert
        Assert.Contains(nameof(SubscriptionStatus.InvitationSent), problem.Message);
    }

    [Fact]
    public async Task ListAsync_invited_administrator_before_acceptance_is_forbidden()
    {
        // Arrange: before acceptance the organization has no portal users at all
        StoreSubscription(TestData.Invited(_customer));
        _users = [];

        // Act + Assert: api.md, "The portal answers 403 before activation"
        await TestData.ThrowsProblemAsync(ProblemKind.Forbidden,
            () => _service.ListAsync(TestData.User(Admin), _customer.CustomerId, CancellationToken.None));
    }

    [Fact]
    public async Task ListAsync_while_inactive_is_forbidden()
    {
        // Arrange
        StoreSubscription(_active.Inactivate(TestData.Start + TestData.Trial, TestData.Retention, "system").Item1);

        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Forbidden,
            () => _service.ListAsync(TestData.User(Admin), _customer.CustomerId, CancellationToken.None));

        // Assert
        Assert.Contains(nameof(SubscriptionStatus.Inactive), problem.Message);
    }

    [Fact]
    public async Task AddAsync_by_a_reader_is_forbidden()
    {
        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.Forbidden,
            () => _service.AddAsync(TestData.User(Reader), _customer.CustomerId, Contributor, "Carl", PortalRoles.Contributor, CancellationToken.None));

        // Assert
        VerifyNoCommit();
    }

    [Fact]
    public async Task AddAsync_by_an_administrator_commits_the_new_user_under_the_subscription_ETag()
    {
        // Act
        var user = await _service.AddAsync(TestData.User(Admin), _customer.CustomerId, "Carl@Contoso.com", "Carl", PortalRoles.Contributor, CancellationToken.None);

        // Assert
        Assert.Equal(new PortalUser(Contributor, "Carl", PortalRoles.Contributor, TestData.Start.AddDays(1)), user);
        _store.Verify(s => s.CommitAsync(
            It.Is<SubscriptionCommit>(c => c.ETag == "sub-etag-1" && c.Subscription == _active && c.UsersToUpsert!.Single() == user && c.UsersToDelete == null),
            It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData(Reader)]
    [InlineData("RITA@contoso.com")]
    public async Task AddAsync_existing_user_is_a_conflict(string account)
    {
        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.Conflict,
            () => _service.AddAsync(TestData.User(Admin), _customer.CustomerId, account, "Rita again", PortalRoles.Contributor, CancellationToken.None));

        // Assert
        VerifyNoCommit();
    }

    [Theory]
    [InlineData("Owner")]
    [InlineData("")]
    [InlineData(null)]
    public async Task AddAsync_unknown_role_is_invalid_on_role(string? role)
    {
        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Invalid,
            () => _service.AddAsync(TestData.User(Admin), _customer.CustomerId, Contributor, "Carl", role, CancellationToken.None));

        // Assert
        Assert.Equal(new[] { "role" }, problem.Errors!.Keys);
        VerifyNoCommit();
    }

    [Fact]
    public async Task RemoveAsync_the_last_administrator_is_a_conflict()
    {
        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.Conflict,
            () => _service.RemoveAsync(TestData.User(Admin), _customer.CustomerId, Admin, null, CancellationToken.None));

        // Assert
        VerifyNoCommit();
    }

    [Fact]
    public async Task ChangeRoleAsync_demoting_the_last_administrator_is_a_conflict()
    {
        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.Conflict,
            () => _service.ChangeRoleAsync(TestData.User(Admin), _customer.CustomerId, Admin, PortalRoles.Reader, null, CancellationToken.None));

        // Assert
        VerifyNoCommit();
    }

    [Fact]
    public async Task RemoveAsync_an_administrator_when_another_remains_commits_the_deletion()
    {
        // Arrange
        _users.Add(new PortalUser(Contributor, "Carl", PortalRoles.Administrator, TestData.Start));

        // Act
        await _service.RemoveAsync(TestData.User(Admin), _customer.CustomerId, "Dana@Contoso.com", null, CancellationToken.None);

        // Assert
        _store.Verify(s => s.CommitAsync(
            It.Is<SubscriptionCommit>(c => c.ETag == "sub-etag-1" && c.UsersToDelete!.Single() == Admin),
            It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ChangeRoleAsync_promoting_a_reader_commits_the_new_role()
    {
        // Act
        var changed = await _service.ChangeRoleAsync(TestData.User(Admin), _customer.CustomerId, Reader, PortalRoles.Administrator, null, CancellationToken.None);

        // Assert
        Assert.Equal(PortalRoles.Administrator, changed.Role);
        _store.Verify(s => s.CommitAsync(
            It.Is<SubscriptionCommit>(c => c.UsersToUpsert!.Single().MicrosoftAccountId == Reader && c.UsersToUpsert!.Single().Role == PortalRoles.Administrator),
            It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ChangeRoleAsync_IfMatch_of_the_users_current_ETag_commits_the_new_role()
    {
        // Arrange
        var etag = _users[1].ETag;

        // Act
        var changed = await _service.ChangeRoleAsync(TestData.User(Admin), _customer.CustomerId, Reader, PortalRoles.Contributor, etag, CancellationToken.None);

        // Assert
        Assert.Equal(PortalRoles.Contributor, changed.Role);
        Assert.NotEqual(etag, changed.ETag);
    }

    [Fact]
    public async Task ChangeRoleAsync_IfMatch_of_an_earlier_version_of_the_user_is_precondition_failed()
    {
        // Arrange: the caller read Rita as a Contributor; someone made her a Reader since.
        var stale = _users[1] with { Role = PortalRoles.Contributor };

        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.PreconditionFailed,
            () => _service.ChangeRoleAsync(TestData.User(Admin), _customer.CustomerId, Reader, PortalRoles.Administrator, stale.ETag, CancellationToken.None));

        // Assert
        VerifyNoCommit();
    }

    [Fact]
    public async Task RemoveAsync_IfMatch_of_another_users_ETag_is_precondition_failed()
    {
        // Act
        await TestData.ThrowsProblemAsync(ProblemKind.PreconditionFailed,
            () => _service.RemoveAsync(TestData.User(Admin), _customer.CustomerId, Reader, _users[0].ETag, CancellationToken.None));

        // Assert
        VerifyNoCommit();
    }

    [Fact]
    public async Task RemoveAsync_without_an_expected_ETag_removes_an_existing_user()
    {
        // Act
        await _service.RemoveAsync(TestData.User(Admin), _customer.CustomerId, Reader, expectedETag: null, CancellationToken.None);

        // Assert
        _store.Verify(s => s.CommitAsync(It.Is<SubscriptionCommit>(c => c.UsersToDelete!.Single() == Reader), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ListAsync_first_sign_in_of_a_user_added_by_address_binds_them_to_the_callers_identity()
    {
        // Arrange: Carl was added by address and has never signed in
        _users.Add(new PortalUser(Contributor, "Carl Contributor", PortalRoles.Contributor, TestData.Start));
        var carl = TestData.User(Contributor);

        // Act
        var users = await _service.ListAsync(carl, _customer.CustomerId, CancellationToken.None);

        // Assert
        Assert.Equal(carl.Identity, users.Single(u => u.MicrosoftAccountId == Contributor).Identity);
        _store.Verify(s => s.CommitAsync(
            It.Is<SubscriptionCommit>(c => c.ETag == "sub-etag-1" && c.UsersToUpsert!.Single().Identity == carl.Identity && c.Audit == null),
            It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ListAsync_bound_user_is_not_bound_again()
    {
        // Act
        await _service.ListAsync(TestData.User(Reader), _customer.CustomerId, CancellationToken.None);

        // Assert
        VerifyNoCommit();
    }

    [Fact]
    public async Task ListAsync_recycled_address_with_a_new_object_ID_answers_not_found()
    {
        // Arrange: Rita left; her address was given to a new account in the same tenant (a new oid)
        var newcomer = TestData.User(Reader) with { Identity = new AccountIdentity(TestData.WorkTenant, Guid.NewGuid().ToString("D")) };

        // Act + Assert
        await TestData.ThrowsProblemAsync(ProblemKind.NotFound, () => _service.ListAsync(newcomer, _customer.CustomerId, CancellationToken.None));
        VerifyNoCommit();
    }

    [Fact]
    public async Task ListAsync_bound_user_whose_address_changed_is_still_recognised()
    {
        // Arrange: Rita's account was renamed; her tid + oid did not change
        var renamed = TestData.User(Reader) with { VerifiedAddress = "rita.reader@contoso.com" };

        // Act
        var users = await _service.ListAsync(renamed, _customer.CustomerId, CancellationToken.None);

        // Assert
        Assert.Equal(2, users.Count);
    }

    [Fact]
    public void ETag_changes_with_every_field_the_API_shows()
    {
        // Arrange
        var user = _users[1];

        // Act
        var variants = new[]
        {
            user, user with { Role = PortalRoles.Contributor }, user with { DisplayName = "Rita R." },
            user with { AddedAt = user.AddedAt.AddTicks(1) }, user with { MicrosoftAccountId = "rita2@contoso.com" },
        };

        // Assert
        Assert.Equal(variants.Length, variants.Select(u => u.ETag).Distinct().Count());
        Assert.Equal(user.ETag, (user with { }).ETag);
        Assert.Matches("^\"[0-9a-f]{32}\"$", user.ETag);
    }
}
