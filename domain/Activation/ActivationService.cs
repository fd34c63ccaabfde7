using Microsoft.Extensions.Options;
using RapidStart.Domain.Callers;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Portal;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Domain.Activation;

/// <summary>What the activation page shows about a live invitation.</summary>
public sealed record ActivationView(
    string OrganizationName,
    string PartnerId,
    string AdministratorName,
    string MicrosoftAccountId,
    string ServiceId,
    string CountryRegion,
    DateTimeOffset ExpiresAt,
    string AgreementVersion,
    string PrivacyStatementVersion,
    string? HomeCountryRegion = null)
{
    /// <summary>The language the page opens in when the browser names none we have: the customer's.</summary>
    public Localization.Language DefaultLanguage => Localization.Language.ForCountry(HomeCountryRegion ?? CountryRegion);
}

/// <summary>
/// The customer administrator's side of an invitation. A link is single use, bound to the invited
/// account, superseded by a resend and expires; anyone else signing in changes nothing.
/// </summary>
public sealed class ActivationService(ISubscriptionStore store, ICustomerStore customers, IOptions<LifecycleOptions> options, TimeProvider clock, ChangeUnit changes)
{
    public async Task<ActivationView> ViewAsync(string? token, CancellationToken cancellationToken)
    {
        var (customer, subscription, record) = await ResolveLiveAsync(token, cancellationToken);
        return new ActivationView(
            customer.Organization!.Name, customer.PartnerId, subscription.Value.Invitation!.AdministratorName, record.MicrosoftAccountId,
            subscription.Value.ServiceId, subscription.Value.CountryRegion, record.ExpiresAt,
            options.Value.AgreementVersion, options.Value.PrivacyStatementVersion, customer.Organization.Address.CountryRegion);
    }

    public async Task<Subscription> AcceptAsync(Caller caller, string? token, bool acceptAgreement, bool acceptPrivacyStatement, ILifecycleSignals signals, CancellationToken cancellationToken)
    {
        var errors = new Validation.ValidationErrors();
        if (!acceptAgreement)
        {
            errors.Add("acceptAgreement", "The online services agreement must be accepted to activate the service.");
        }

        if (!acceptPrivacyStatement)
        {
            errors.Add("acceptPrivacyStatement", "The privacy statement must be accepted to activate the service.");
        }

        if (string.IsNullOrEmpty(token))
        {
            errors.Add("token", "This field is required.");
        }

        errors.ThrowIfAny();

        ActivationTokenRecord? record = null;
        var accepted = await changes.ChangeSubscriptionAsync(
            async () =>
            {
                var (_, current, live) = await ResolveLiveAsync(token, cancellationToken);
                record = live;
                return current;
            },
            current =>
            {
                if (caller.VerifiedAddress != record!.MicrosoftAccountId)
                {
                    throw ProblemException.Forbidden(caller.VerifiedAddress is null
                        ? $"This invitation is for {record.MicrosoftAccountId}, and the account you signed in with does not carry a verified email address. Sign in with {record.MicrosoftAccountId}; nothing was changed."
                        : $"This invitation is for {record.MicrosoftAccountId}, and you signed in with another account. Sign in with the account it was sent to; nothing was changed.");
                }

                var now = clock.GetUtcNow();
                var lifecycle = options.Value;
                var acceptance = new Acceptance(now, record.MicrosoftAccountId, lifecycle.AgreementVersion, lifecycle.PrivacyStatementVersion, caller.Identity.ToString());
                var (active, audit) = current.Value.Accept(now, acceptance);

                // Bound to the identity that accepted: from now on the address alone lets no one in.
                var administrator = new PortalUser(record.MicrosoftAccountId, active.Invitation!.AdministratorName, PortalRoles.Administrator, now, caller.Identity);
                return Task.FromResult<SubscriptionChange?>(new SubscriptionChange(
                    active, audit, [record with { State = TokenState.Used }], [administrator],
                    FollowUps: FollowUps.ListingAndSignal(active.Key, new LifecycleSignal(LifecycleSignalKind.Accepted))));
            },
            signals,
            cancellationToken);
        return accepted!.Value;
    }

    /// <summary>404 for a token that never existed; 410 for one that did but no longer works.</summary>
    private async Task<(Customer, Versioned<Subscription>, ActivationTokenRecord)> ResolveLiveAsync(string? token, CancellationToken cancellationToken)
    {
        var parsed = ActivationToken.Parse(token);
        if (parsed is not { } target || CustomerId.RegionOf(target.CustomerId) is null)
        {
            throw ProblemException.NotFound("activation link");
        }

        var customer = (await customers.GetAsync(target.CustomerId, cancellationToken))?.Value;
        if (customer is null || !customer.SubscriptionRegions.TryGetValue(target.ServiceId, out var region))
        {
            throw ProblemException.NotFound("activation link");
        }

        var key = new SubscriptionKey(region, target.CustomerId, target.ServiceId);
        var subscription = await store.GetAsync(key, cancellationToken) ?? throw ProblemException.NotFound("activation link");
        if (subscription.Value.Status == SubscriptionStatus.Purged || customer.Purged)
        {
            throw ProblemException.Gone("This activation link no longer works: the service's data was deleted. Ask your partner about signing up again.")
                .Because(GoneReasons.Purged);
        }

        // The look-up is by hash, so no comparison of the secret itself ever happens.
        var record = await store.GetTokenAsync(key, ActivationToken.Hash(token!), cancellationToken) ?? throw ProblemException.NotFound("activation link");
        var expired = record.ExpiresAt <= clock.GetUtcNow();
        if (record.State != TokenState.Live || expired || subscription.Value.LiveTokenHash != record.Hash)
        {
            var (why, reason) = record.State switch
            {
                TokenState.Used => ("has already been used", GoneReasons.Used),
                TokenState.Revoked => ("was withdrawn", GoneReasons.Withdrawn),
                TokenState.Superseded => ("was replaced by a newer invitation", GoneReasons.Superseded),
                _ when expired => ("has expired", GoneReasons.Expired),
                _ => ("no longer works", GoneReasons.Superseded),
            };
            throw ProblemException.Gone($"This activation link {why}. Ask your partner to send a new activation.").Because(reason);
        }

        return (customer, subscription, record);
    }
}
