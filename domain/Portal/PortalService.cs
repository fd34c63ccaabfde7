using RapidStart.Domain.Callers;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;
using RapidStart.Domain.Validation;

namespace RapidStart.Domain.Portal;

/// <summary>
/// The customer portal: the organization's users and roles. Every change commits together with the
/// subscription record (its ETag serializes them), which is what keeps "at least one Administrator"
/// true under concurrent role changes.
/// </summary>
public sealed class PortalService(ISubscriptionStore store, ICustomerStore customers, TimeProvider clock, ChangeUnit changes)
{
    public async Task<IReadOnlyList<PortalUser>> ListAsync(Caller caller, string customerId, CancellationToken cancellationToken) =>
        (await OpenAsync(caller, customerId, administratorOnly: false, cancellationToken)).Users;

    public async Task<PortalUser> AddAsync(Caller caller, string customerId, string? microsoftAccountId, string? displayName, string? role, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var accountId = errors.AccountId("microsoftAccountId", microsoftAccountId, required: true);
        var name = errors.Text("displayName", displayName, FieldRules.MaxNameLength, required: true);
        var validRole = ValidateRole(errors, role);
        errors.ThrowIfAny();

        PortalUser? added = null;
        await ChangeUsersAsync(caller, customerId, (subscription, users) =>
        {
            if (users.Any(u => u.MicrosoftAccountId == accountId))
            {
                throw ProblemException.Conflict($"{accountId} is already a user of this organization.");
            }

            added = new PortalUser(accountId!, name!, validRole!, clock.GetUtcNow());
            return new SubscriptionChange(subscription, UsersToUpsert: [added]);
        }, cancellationToken);
        return added!;
    }

    /// <summary>Changes a user's role; <paramref name="expectedETag"/>, when given, must be the user's current <see cref="PortalUser.ETag"/> (412).</summary>
    public async Task<PortalUser> ChangeRoleAsync(Caller caller, string customerId, string microsoftAccountId, string? role, string? expectedETag, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var validRole = ValidateRole(errors, role);
        errors.ThrowIfAny();

        var accountId = FieldRules.NormalizeAccountId(FieldRules.Normalize(microsoftAccountId) ?? "");
        PortalUser? changed = null;
        await ChangeUsersAsync(caller, customerId, (subscription, users) =>
        {
            var user = FindUser(users, accountId, expectedETag);
            if (user.Role == PortalRoles.Administrator && validRole != PortalRoles.Administrator && IsLastAdministrator(users, user))
            {
                throw ProblemException.Conflict("This is the organization's last Administrator; make someone else an Administrator first.");
            }

            changed = user with { Role = validRole! };
            return new SubscriptionChange(subscription, UsersToUpsert: [changed]);
        }, cancellationToken);
        return changed!;
    }

    /// <summary>Removes a user; <paramref name="expectedETag"/>, when given, must be the user's current <see cref="PortalUser.ETag"/> (412).</summary>
    public async Task RemoveAsync(Caller caller, string customerId, string microsoftAccountId, string? expectedETag, CancellationToken cancellationToken)
    {
        var accountId = FieldRules.NormalizeAccountId(FieldRules.Normalize(microsoftAccountId) ?? "");
        await ChangeUsersAsync(caller, customerId, (subscription, users) =>
        {
            var user = FindUser(users, accountId, expectedETag);
            if (user.Role == PortalRoles.Administrator && IsLastAdministrator(users, user))
            {
                throw ProblemException.Conflict("The organization's last Administrator can't be removed.");
            }

            return new SubscriptionChange(subscription, UsersToDelete: [accountId]);
        }, cancellationToken);
    }

    /// <summary>
    /// A change to the portal's users: an Administrator's way in, then <paramref name="decide"/> on the
    /// users as they are now. The subscription record commits with them, unchanged, so its ETag
    /// serializes every change to the users.
    /// </summary>
    private async Task ChangeUsersAsync(
        Caller caller, string customerId, Func<Subscription, IReadOnlyList<PortalUser>, SubscriptionChange> decide, CancellationToken cancellationToken)
    {
        IReadOnlyList<PortalUser> users = [];
        await changes.ChangeSubscriptionAsync(
            async () =>
            {
                var opened = await OpenAsync(caller, customerId, administratorOnly: true, cancellationToken);
                users = opened.Users;
                return opened.Subscription;
            },
            current => Task.FromResult<SubscriptionChange?>(decide(current.Value, users)),
            signals: null,
            cancellationToken);
    }

    /// <summary>
    /// The caller's way in: they must be a user of this customer (404 otherwise, as for a customer
    /// that does not exist), and the portal is open only while the service is Active (403). A user
    /// not yet bound to an identity (added by address, or accepted before binding existed) is bound to
    /// the caller's <c>tid</c> + <c>oid</c> here, at their first sign-in with the verified address.
    /// </summary>
    private async Task<(Versioned<Subscription> Subscription, IReadOnlyList<PortalUser> Users)> OpenAsync(Caller caller, string customerId, bool administratorOnly, CancellationToken cancellationToken)
    {
        IReadOnlyList<PortalUser> users = [];
        PortalUser? me = null;
        PortalUser? bound = null;
        var opened = await changes.ChangeSubscriptionAsync(
            async () =>
            {
                (var subscription, users, me) = await ReadWayInAsync(caller, customerId, administratorOnly, cancellationToken);
                return subscription;
            },
            current =>
            {
                if (me!.Identity is not null)
                {
                    return Task.FromResult<SubscriptionChange?>(SubscriptionChange.Unchanged(current.Value));
                }

                bound = me with { Identity = caller.Identity };
                return Task.FromResult<SubscriptionChange?>(new SubscriptionChange(current.Value, UsersToUpsert: [bound]));
            },
            signals: null,
            cancellationToken);
        return (opened!, bound is null ? users : users.Select(u => u == me ? bound : u).ToArray());
    }

    private async Task<(Versioned<Subscription> Subscription, IReadOnlyList<PortalUser> Users, PortalUser Me)> ReadWayInAsync(
        Caller caller, string customerId, bool administratorOnly, CancellationToken cancellationToken)
    {
        var customer = CustomerId.RegionOf(customerId) is null ? null : (await customers.GetAsync(customerId, cancellationToken))?.Value;
        if (customer is null || !customer.SubscriptionRegions.TryGetValue(ServiceCatalog.RapidStartServiceId, out var region))
        {
            throw ProblemException.NotFound("customer");
        }

        var subscription = await store.GetAsync(new SubscriptionKey(region, customerId, ServiceCatalog.RapidStartServiceId), cancellationToken)
            ?? throw ProblemException.NotFound("customer");
        var users = await store.ListUsersAsync(subscription.Value.Key, cancellationToken);
        var me = users.FirstOrDefault(u => u.IsSignedInAs(caller));
        if (me is null)
        {
            // The invited administrator may learn that the portal opens after acceptance; anyone else learns nothing.
            if (subscription.Value.Status != SubscriptionStatus.Active
                && caller.VerifiedAddress is not null
                && subscription.Value.Invitation?.MicrosoftAccountId == caller.VerifiedAddress)
            {
                throw ProblemException.Forbidden("The customer portal opens once the invitation is accepted.");
            }

            throw ProblemException.NotFound("customer");
        }

        if (subscription.Value.Status != SubscriptionStatus.Active)
        {
            throw ProblemException.Forbidden($"The customer portal is closed while the service is {subscription.Value.Status}.");
        }

        if (administratorOnly && me.Role != PortalRoles.Administrator)
        {
            throw ProblemException.Forbidden("Only an Administrator can change the organization's users.");
        }

        return (subscription, users, me);
    }

    /// <summary>
    /// The user a change is about. The caller's expected ETag is checked on every attempt: it concerns this
    /// user, so a retry after someone changed another user still passes, and one after this user changed does not.
    /// </summary>
    private static PortalUser FindUser(IReadOnlyList<PortalUser> users, string accountId, string? expectedETag)
    {
        var user = users.FirstOrDefault(u => u.MicrosoftAccountId == accountId) ?? throw ProblemException.NotFound("portal user");
        OptimisticRetry.CheckExpectedETag(expectedETag, user.ETag);
        return user;
    }

    private static bool IsLastAdministrator(IReadOnlyList<PortalUser> users, PortalUser user) =>
        !users.Any(u => u.Role == PortalRoles.Administrator && u.MicrosoftAccountId != user.MicrosoftAccountId);

    private static string? ValidateRole(ValidationErrors errors, string? role)
    {
        var value = FieldRules.Normalize(role);
        if (value is null || !PortalRoles.All.Contains(value))
        {
            errors.Add("role", $"Must be one of {string.Join(", ", PortalRoles.All)}.");
            return null;
        }

        return value;
    }
}
