using Microsoft.Extensions.Options;
using RapidStart.Domain.Activation;
using RapidStart.Domain.Callers;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Validation;

namespace RapidStart.Domain.Subscriptions;

/// <summary>
/// A partner's and Support's operations on subscriptions. Each says what changes; <see cref="ChangeUnit"/>
/// commits it (the record is what readers see) and has the Service List line and the orchestration
/// follow, so the orchestration can plan timers and send email.
/// </summary>
public sealed class SubscriptionService(
    ISubscriptionStore store,
    ICustomerStore customers,
    CustomerService customerService,
    ServiceCatalog catalog,
    IOptions<LifecycleOptions> options,
    TimeProvider clock,
    ChangeUnit changes)
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromHours(1);

    private LifecycleOptions Lifecycle => options.Value;

    public async Task<Subscription> SignUpAsync(Caller caller, string customerId, string? serviceId, string? countryRegion, ILifecycleSignals signals, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var service = errors.Text("serviceId", serviceId, 64, required: true);
        var country = errors.CountryRegion("countryRegion", countryRegion, required: true);
        errors.ThrowIfAny();

        var customer = (await customerService.GetAsync(caller, customerId, cancellationToken)).Value;
        var catalogService = catalog.Find(service!) ?? throw ProblemException.Invalid("serviceId", $"There is no service '{service}' in the catalog.");
        var now = clock.GetUtcNow();
        var region = catalog.RegionForSignUp(catalogService, country!, now);

        var key = new SubscriptionKey(region, customer.CustomerId, catalogService.ServiceId);
        if (customer.SubscriptionRegions.ContainsKey(catalogService.ServiceId))
        {
            throw ProblemException.Conflict($"The customer already has {catalogService.Name}; a customer has at most one subscription per service.");
        }

        var (subscription, signUp) = Subscription.SignUp(
            customer.CustomerId, customer.PartnerId, catalogService.ServiceId, country!, region, now,
            customer.IsExisting ? null : Lifecycle.TrialPeriod, Actor(caller));
        var due = subscription.TrialEndsAt is { } deadline ? new DueItem(key, deadline) : null;
        if (!await changes.AddSubscriptionAsync(subscription, signUp, due, cancellationToken))
        {
            // An earlier attempt wrote the subscription but not the customer's reference to it:
            // finish that attempt if it asked for the same thing, else this is a conflict.
            var existing = await store.GetAsync(key, cancellationToken) ?? throw ProblemException.Conflict("The subscription is being created by another request.");
            if (existing.Value.CountryRegion != country)
            {
                throw ProblemException.Conflict("The customer already has this service in another country/region.");
            }

            subscription = existing.Value;
        }

        // The customer's reference makes the subscription reachable; its follow-ups list it and start its lifecycle.
        var followUps = FollowUps.ListingAndSignal(key, null);
        await changes.ChangeCustomerAsync(
            async () => await customers.GetAsync(customer.CustomerId, cancellationToken) ?? throw ProblemException.NotFound("customer"),
            async current =>
            {
                if (current.Value.SubscriptionRegions.TryGetValue(key.ServiceId, out var recorded))
                {
                    // Already recorded by this very request (a write whose answer was lost) is done, not a duplicate.
                    if (recorded == region && (await store.GetAsync(key, cancellationToken))?.Value.CreatedAt == subscription.CreatedAt)
                    {
                        return new CustomerChange(current.Value, followUps, AlreadyCommitted: true);
                    }

                    throw ProblemException.Conflict($"The customer already has {catalogService.Name}; a customer has at most one subscription per service.");
                }

                return new CustomerChange(current.Value.WithSubscription(key.ServiceId, region), followUps);
            },
            subscription,
            signals,
            cancellationToken);
        return subscription;
    }

    public async Task<Versioned<Subscription>> GetAsync(Caller caller, string customerId, string serviceId, CancellationToken cancellationToken)
    {
        var customer = (await customerService.FindVisibleAsync(caller, customerId, cancellationToken)).Value;
        return await GetAsync(customer, serviceId, cancellationToken);
    }

    public async Task<Versioned<Subscription>> GetAsync(Customer customer, string serviceId, CancellationToken cancellationToken)
    {
        if (!customer.SubscriptionRegions.TryGetValue(serviceId, out var region))
        {
            throw ProblemException.NotFound("subscription");
        }

        return await store.GetAsync(new SubscriptionKey(region, customer.CustomerId, serviceId), cancellationToken)
            ?? throw ProblemException.NotFound("subscription");
    }

    public async Task<IReadOnlyList<Subscription>> ListForCustomerAsync(Customer customer, CancellationToken cancellationToken)
    {
        var result = new List<Subscription>();
        foreach (var serviceId in customer.SubscriptionRegions.Keys.Order(StringComparer.Ordinal))
        {
            result.Add((await GetAsync(customer, serviceId, cancellationToken)).Value);
        }

        return result;
    }

    /// <summary>The country/region of use is fixed at sign-up: any attempt to change it is refused.</summary>
    public async Task RefuseCountryChangeAsync(Caller caller, string customerId, string serviceId, string? expectedETag, CancellationToken cancellationToken)
    {
        var subscription = await GetAsync(caller, customerId, serviceId, cancellationToken);
        OptimisticRetry.CheckExpectedETag(expectedETag, subscription.ETag);
        throw ProblemException.Conflict(
            $"The country/region of use ({subscription.Value.CountryRegion}) was set at sign-up and can't change: it decides the data center that holds the customer's data.");
    }

    public Task<Page<Subscription>> ListAsync(Caller caller, string? status, string? continuationToken, int? pageSize, CancellationToken cancellationToken)
    {
        SubscriptionStatus? filter = null;
        if (!string.IsNullOrEmpty(status))
        {
            filter = Enum.TryParse<SubscriptionStatus>(status, ignoreCase: false, out var parsed) && Enum.IsDefined(parsed)
                ? parsed
                : throw ProblemException.Invalid("status", $"Must be one of {string.Join(", ", Enum.GetNames<SubscriptionStatus>())}.");
        }

        var size = pageSize ?? CustomerService.DefaultPageSize;
        if (size is < 1 or > CustomerService.MaxPageSize)
        {
            throw ProblemException.Invalid("pageSize", $"Must be between 1 and {CustomerService.MaxPageSize}.");
        }

        return store.ListAsync(caller.PartnerId!, filter, continuationToken, size, cancellationToken);
    }

    public async Task<IReadOnlyList<AuditEntry>> GetHistoryAsync(Caller caller, string customerId, string serviceId, CancellationToken cancellationToken)
    {
        var subscription = await GetAsync(caller, customerId, serviceId, cancellationToken);
        return await store.GetHistoryAsync(subscription.Value.Key, cancellationToken);
    }

    /// <summary>Send Activation: the pending link (if any) dies now; the orchestration mails the new one.</summary>
    public async Task<Subscription> SendActivationAsync(Caller caller, string customerId, string serviceId, AdministratorDraft? administratorOverride, string? expectedETag, ILifecycleSignals signals, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var overrideAdministrator = CustomerService.ValidateAdministrator(errors, "administrator", administratorOverride, caller, required: false);
        errors.ThrowIfAny();

        var customer = (await customerService.GetAsync(caller, customerId, cancellationToken)).Value;
        var administrator = overrideAdministrator ?? customer.Administrator!;
        var sent = await changes.ChangeSubscriptionAsync(
            ReaderForChange(customer, serviceId, expectedETag, cancellationToken),
            async current =>
            {
                var subscription = current.Value;
                if (subscription.Status is not (SubscriptionStatus.Created or SubscriptionStatus.InvitationSent))
                {
                    throw ProblemException.Conflict($"Activation can be sent only while the service is Created or InvitationSent; it is {subscription.Status}.");
                }

                var now = clock.GetUtcNow();
                var recent = subscription.RecentSends.Where(t => t > now - RateWindow).Order().ToArray();
                if (recent.Length >= Lifecycle.MaxSendsPerHour)
                {
                    var retryAfter = recent[0] + RateWindow - now;
                    throw ProblemException.TooManyRequests(
                        $"Activation was sent {recent.Length} times in the last hour for this service; wait before sending again.",
                        retryAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : retryAfter);
                }

                var (next, audit) = subscription.RequestInvitation(now, administrator.MicrosoftAccountId, administrator.ContactEmail, administrator.Name, Actor(caller), RateWindow);
                var tokens = await SupersedeLiveTokenAsync(subscription, TokenState.Superseded, cancellationToken);
                return new SubscriptionChange(
                    next, audit, tokens,
                    FollowUps: FollowUps.ListingAndSignal(next.Key, new LifecycleSignal(LifecycleSignalKind.InvitationRequested, next.Invitation!.Sequence)));
            },
            signals,
            cancellationToken);
        return sent!.Value;
    }

    public async Task RevokeActivationAsync(Caller caller, string customerId, string serviceId, string? expectedETag, ILifecycleSignals signals, CancellationToken cancellationToken)
    {
        var customer = (await customerService.GetAsync(caller, customerId, cancellationToken)).Value;
        await changes.ChangeSubscriptionAsync(
            ReaderForChange(customer, serviceId, expectedETag, cancellationToken),
            async current =>
            {
                var subscription = current.Value;
                if (subscription.Status != SubscriptionStatus.InvitationSent)
                {
                    throw ProblemException.Conflict($"There is no pending invitation to revoke; the service is {subscription.Status}.");
                }

                var (next, audit) = subscription.RevokeInvitation(clock.GetUtcNow(), Actor(caller));
                var tokens = await SupersedeLiveTokenAsync(subscription, TokenState.Revoked, cancellationToken);
                return new SubscriptionChange(
                    next, audit, tokens, FollowUps: FollowUps.ListingAndSignal(next.Key, new LifecycleSignal(LifecycleSignalKind.InvitationRevoked)));
            },
            signals,
            cancellationToken);
    }

    /// <summary>PUT voice-account: the customer becomes existing, then its subscriptions lose their deadline.</summary>
    public async Task<Customer> AssignVoiceAccountAsync(Caller caller, string customerId, string? voiceAccountNumber, string? expectedETag, ILifecycleSignals signals, CancellationToken cancellationToken)
    {
        var customer = await customerService.AssignVoiceAccountAsync(caller, customerId, voiceAccountNumber, expectedETag, cancellationToken);
        await MakePermanentAsync(customer, Actor(caller), signals, cancellationToken);
        return customer;
    }

    /// <summary>After a VOICE number reached the customer: every subscription still on a deadline becomes permanent.</summary>
    public async Task MakePermanentAsync(Customer customer, string actor, ILifecycleSignals signals, CancellationToken cancellationToken)
    {
        foreach (var serviceId in customer.SubscriptionRegions.Keys)
        {
            await changes.ChangeSubscriptionAsync(
                () => GetAsync(customer, serviceId, cancellationToken),
                current =>
                {
                    var subscription = current.Value;
                    if (subscription.IsPermanent || subscription.Status is SubscriptionStatus.Inactive or SubscriptionStatus.Purged)
                    {
                        return Task.FromResult<SubscriptionChange?>(null);
                    }

                    var (next, audit) = subscription.MakePermanent(clock.GetUtcNow(), actor);
                    return Task.FromResult<SubscriptionChange?>(new SubscriptionChange(
                        next, audit, FollowUps: FollowUps.ListingAndSignal(next.Key, new LifecycleSignal(LifecycleSignalKind.VoiceNumberAdded))));
                },
                signals,
                cancellationToken);
        }
    }

    /// <summary>Support brings an Inactive subscription back, during retention, with the customer's VOICE number.</summary>
    public async Task<Subscription> ReactivateAsync(Caller caller, string customerId, string serviceId, string? voiceAccountNumber, ILifecycleSignals signals, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var number = errors.VoiceAccountNumber("voiceAccountNumber", voiceAccountNumber, required: true);
        errors.ThrowIfAny();

        var customer = (await customerService.FindVisibleAsync(caller, customerId, cancellationToken)).Value;
        var subscription = (await GetAsync(customer, serviceId, cancellationToken)).Value;
        EnsureNotPurged(subscription);
        if (subscription.Status != SubscriptionStatus.Inactive)
        {
            throw ProblemException.Conflict($"Only an Inactive service can be reactivated; it is {subscription.Status}.");
        }

        await customerService.AssignVoiceAccountAsync(customer.PartnerId, customerId, number!, cancellationToken);
        var reactivated = await changes.ChangeSubscriptionAsync(
            () => GetAsync(customer, serviceId, cancellationToken),
            current =>
            {
                EnsureNotPurged(current.Value);
                var followUps = FollowUps.ListingAndSignal(current.Value.Key, new LifecycleSignal(LifecycleSignalKind.Reactivated));
                if (current.Value.Status != SubscriptionStatus.Inactive)
                {
                    // Reactivated by an earlier attempt (or a racing one): finish telling everyone.
                    return Task.FromResult<SubscriptionChange?>(SubscriptionChange.Finish(current.Value, followUps));
                }

                var (next, audit) = current.Value.Reactivate(clock.GetUtcNow(), Actor(caller));
                return Task.FromResult<SubscriptionChange?>(new SubscriptionChange(next, audit, FollowUps: followUps));
            },
            signals,
            cancellationToken);
        return reactivated!.Value;
    }

    /// <summary>
    /// Reads the subscription for one attempt of a change. The caller's expected ETag is checked on the
    /// first read only: a later read follows a race this service lost and retries on its own.
    /// </summary>
    private Func<Task<Versioned<Subscription>>> ReaderForChange(Customer customer, string serviceId, string? expectedETag, CancellationToken cancellationToken)
    {
        var first = true;
        return async () =>
        {
            var current = await GetAsync(customer, serviceId, cancellationToken);
            if (first)
            {
                OptimisticRetry.CheckExpectedETag(expectedETag, current.ETag);
                first = false;
            }

            EnsureNotPurged(current.Value);
            return current;
        };
    }

    public static string Actor(Caller caller) =>
        caller.IsPartner ? $"partner:{caller.PartnerId}:{caller.Name}" : caller.IsSupport ? $"support:{caller.Name}" : $"user:{caller.Name}";

    public static void EnsureNotPurged(Subscription subscription)
    {
        if (subscription.Status == SubscriptionStatus.Purged)
        {
            throw ProblemException.Gone("This service's customer data was deleted after its retention period ended.");
        }
    }

    private async Task<IReadOnlyList<ActivationTokenRecord>> SupersedeLiveTokenAsync(Subscription subscription, TokenState state, CancellationToken cancellationToken)
    {
        if (subscription.LiveTokenHash is null)
        {
            return [];
        }

        var token = await store.GetTokenAsync(subscription.Key, subscription.LiveTokenHash, cancellationToken);
        return token is null ? [] : [token with { State = state }];
    }
}
