using RapidStart.Domain.Callers;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Validation;
using RapidStart.Domain.Voice;

namespace RapidStart.Domain.Customers;

/// <summary>
/// Creates and reads a partner's customers. Writes are ordered so that a crash leaves nothing a
/// reader sees half-made: VOICE claim, then the record (with its follow-up row, through
/// <see cref="ChangeUnit"/>), then the listing that makes it visible.
/// </summary>
public sealed class CustomerService(ICustomerStore store, IVoiceDirectory voice, ServiceCatalog catalog, TimeProvider clock, ChangeUnit changes)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    /// <summary>How long a VOICE claim whose customer record never appeared counts as in progress.</summary>
    private static readonly TimeSpan ClaimGracePeriod = TimeSpan.FromMinutes(1);

    public async Task<Customer> CreateAsync(Caller caller, CustomerDraft draft, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var kind = FieldRules.Normalize(draft.Kind);
        if (kind is not (CustomerKinds.Existing or CustomerKinds.Prospect))
        {
            errors.Add("kind", "Must be 'existing' (with a VOICE account number) or 'prospect'.");
        }

        var voiceNumber = errors.VoiceAccountNumber("voiceAccountNumber", draft.VoiceAccountNumber, required: kind == CustomerKinds.Existing);
        if (kind == CustomerKinds.Prospect && voiceNumber is not null)
        {
            errors.Add("voiceAccountNumber", "A prospect has no VOICE account number; use kind 'existing'.");
        }

        if (draft.FillFromVoice && kind != CustomerKinds.Existing)
        {
            errors.Add("fillFromVoice", "Only an existing customer can be filled from VOICE.");
        }

        var fromVoice = draft.FillFromVoice && kind == CustomerKinds.Existing;
        var organizationName = errors.Text("organization.name", draft.Organization?.Name, FieldRules.MaxNameLength, required: !fromVoice);
        var address = ValidateAddress(errors, draft.Organization?.Address, required: !fromVoice);
        var administrator = ValidateAdministrator(errors, "administrator", draft.Administrator, caller, required: true);
        errors.ThrowIfAny();

        VoiceAccount? account = null;
        if (kind == CustomerKinds.Existing)
        {
            account = await voice.FindAsync(caller.PartnerId!, voiceNumber!, cancellationToken);
            if (account is null)
            {
                throw ProblemException.Invalid("voiceAccountNumber", "No VOICE account with this number has you as its partner of record.");
            }
        }

        var organization = fromVoice
            ? new Organization(account!.Name, account.Address)
            : new Organization(organizationName!, address!);

        var now = clock.GetUtcNow();
        var region = catalog.HomeRegionOf(organization.Address.CountryRegion);
        var customer = new Customer(
            CustomerId.New(region, now), caller.PartnerId!, kind!, voiceNumber, organization, administrator!, region, now,
            new Dictionary<string, string>());

        if (account is not null)
        {
            var unfinished = await ClaimVoiceNumberAsync(account, customer.CustomerId, caller.PartnerId!, cancellationToken);
            if (unfinished is not null)
            {
                if (unfinished.Administrator != customer.Administrator || unfinished.Organization != customer.Organization)
                {
                    throw ProblemException.Conflict($"VOICE account {account.AccountNumber} already belongs to another customer.");
                }

                // The same request, retried after it got as far as its record: finish it instead of making another.
                await changes.AddCustomerAsync(new CustomerChange(unfinished, FollowUps.CustomerListing(unfinished.CustomerId), AlreadyCommitted: true), cancellationToken);
                return unfinished;
            }
        }

        if (!await changes.AddCustomerAsync(new CustomerChange(customer, FollowUps.CustomerListing(customer.CustomerId)), cancellationToken))
        {
            throw ProblemException.Conflict("A customer with this identifier already exists; retry the request.");
        }

        return customer;
    }

    public async Task<Versioned<Customer>> GetAsync(Caller caller, string customerId, CancellationToken cancellationToken)
    {
        var customer = await FindVisibleAsync(caller, customerId, cancellationToken);
        if (customer.Value.Purged)
        {
            throw ProblemException.Gone("This customer's data was deleted after its retention period ended.");
        }

        return customer;
    }

    /// <summary>The customer if the caller may see it (its partner, or Support), purged or not; 404 otherwise.</summary>
    public async Task<Versioned<Customer>> FindVisibleAsync(Caller caller, string customerId, CancellationToken cancellationToken)
    {
        if (CustomerId.RegionOf(customerId) is not { } region || !catalog.IsRegion(region))
        {
            throw ProblemException.NotFound("customer");
        }

        var customer = await store.GetAsync(customerId, cancellationToken);
        if (customer is null || !(caller.IsSupport || customer.Value.PartnerId == caller.PartnerId))
        {
            throw ProblemException.NotFound("customer");
        }

        return customer;
    }

    public Task<Page<Customer>> ListAsync(Caller caller, string? continuationToken, int? pageSize, CancellationToken cancellationToken)
    {
        var size = pageSize ?? DefaultPageSize;
        if (size is < 1 or > MaxPageSize)
        {
            throw ProblemException.Invalid("pageSize", $"Must be between 1 and {MaxPageSize}.");
        }

        return store.ListAsync(caller.PartnerId!, continuationToken, size, cancellationToken);
    }

    /// <summary>
    /// Gives a customer its VOICE account number (a prospect becomes existing). Idempotent, so a
    /// retry after a crash finishes the subscriptions' side of it.
    /// </summary>
    public async Task<Customer> AssignVoiceAccountAsync(Caller caller, string customerId, string? voiceAccountNumber, string? expectedETag, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var number = errors.VoiceAccountNumber("voiceAccountNumber", voiceAccountNumber, required: true);
        errors.ThrowIfAny();

        var current = await GetAsync(caller, customerId, cancellationToken);
        OptimisticRetry.CheckExpectedETag(expectedETag, current.ETag);
        return await AssignVoiceAccountAsync(current.Value.PartnerId, customerId, number!, cancellationToken);
    }

    /// <summary>The shared core of a partner's and Support's assignment, after access checks.</summary>
    public async Task<Customer> AssignVoiceAccountAsync(string partnerId, string customerId, string number, CancellationToken cancellationToken)
    {
        var account = await voice.FindAsync(partnerId, number, cancellationToken)
            ?? throw ProblemException.Invalid("voiceAccountNumber", "No VOICE account with this number has this customer's partner as its partner of record.");

        var listing = FollowUps.CustomerListing(customerId);
        var assigned = await changes.ChangeCustomerAsync(
            async () => await store.GetAsync(customerId, cancellationToken) ?? throw ProblemException.NotFound("customer"),
            async current =>
            {
                var customer = current.Value;
                if (customer.Purged)
                {
                    throw ProblemException.Gone("This customer's data was deleted after its retention period ended.");
                }

                if (customer.VoiceAccountNumber == number)
                {
                    return new CustomerChange(customer, listing, AlreadyCommitted: true);
                }

                if (customer.VoiceAccountNumber is not null)
                {
                    throw ProblemException.Conflict($"The customer already has VOICE account number {customer.VoiceAccountNumber}; it can't be changed.");
                }

                await ClaimVoiceNumberAsync(account, customerId, partnerId, cancellationToken);
                return new CustomerChange(customer.WithVoiceAccount(number), listing);
            },
            subscription: null,
            signals: null,
            cancellationToken);
        return assigned!.Value;
    }

    /// <summary>
    /// Claims the number for <paramref name="customerId"/>. Returns the partner's own half-created
    /// customer when an earlier attempt holds the claim but never got listed; throws 409 when another
    /// customer holds it.
    /// </summary>
    private async Task<Customer?> ClaimVoiceNumberAsync(VoiceAccount account, string customerId, string partnerId, CancellationToken cancellationToken)
    {
        var region = catalog.HomeRegionOf(account.Address.CountryRegion);
        for (var attempt = 0; attempt < OptimisticRetry.Attempts; attempt++)
        {
            var claim = await store.GetVoiceClaimAsync(region, account.AccountNumber, cancellationToken);
            if (claim is not null)
            {
                if (claim.CustomerId == customerId)
                {
                    return null;
                }

                var holder = await store.GetAsync(claim.CustomerId, cancellationToken);
                if (holder is not null && holder.Value.VoiceAccountNumber == account.AccountNumber)
                {
                    if (holder.Value.PartnerId == partnerId && !await store.IsListedAsync(holder.Value, cancellationToken))
                    {
                        return holder.Value;
                    }

                    throw ProblemException.Conflict($"VOICE account {account.AccountNumber} already belongs to another customer.");
                }

                if (holder is null && clock.GetUtcNow() - claim.ClaimedAt < ClaimGracePeriod)
                {
                    throw ProblemException.Conflict($"VOICE account {account.AccountNumber} is being assigned to another customer right now.");
                }
            }

            if (await store.TryClaimVoiceNumberAsync(region, account.AccountNumber, customerId, claim, cancellationToken))
            {
                return null;
            }
        }

        throw ProblemException.Conflict($"VOICE account {account.AccountNumber} is being assigned to another customer right now.");
    }

    private static Address? ValidateAddress(ValidationErrors errors, AddressDraft? draft, bool required)
    {
        if (draft is null)
        {
            if (required)
            {
                errors.Add("organization.address", "This field is required.");
            }

            return null;
        }

        var street = errors.Text("organization.address.street", draft.Street, FieldRules.MaxAddressLineLength, required: false);
        var city = errors.Text("organization.address.city", draft.City, FieldRules.MaxAddressLineLength, required: false);
        var state = errors.Text("organization.address.stateOrProvince", draft.StateOrProvince, FieldRules.MaxAddressLineLength, required: false);
        var postal = errors.Text("organization.address.postalCode", draft.PostalCode, FieldRules.MaxPostalCodeLength, required: false);
        var country = errors.CountryRegion("organization.address.countryRegion", draft.CountryRegion, required: true);
        return country is null ? null : new Address(street, city, state, postal, country);
    }

    /// <summary>Validates an administrator; shared with Send Activation's optional override.</summary>
    public static Administrator? ValidateAdministrator(ValidationErrors errors, string field, AdministratorDraft? draft, Caller caller, bool required)
    {
        if (draft is null)
        {
            if (required)
            {
                errors.Add(field, "This field is required.");
            }

            return null;
        }

        var name = errors.Text($"{field}.name", draft.Name, FieldRules.MaxNameLength, required: true);
        var accountId = errors.AccountId($"{field}.microsoftAccountId", draft.MicrosoftAccountId, required: true);
        var email = errors.Email($"{field}.contactEmail", draft.ContactEmail, required: true);
        if (accountId is not null && (accountId == caller.VerifiedAddress || accountId == FieldRules.NormalizeAccountId(caller.Name)))
        {
            errors.Add($"{field}.microsoftAccountId", "The customer administrator must use a Microsoft account other than the one you signed in with; someone from your organization may act for the customer, but with another account.");
        }

        return name is null || accountId is null || email is null ? null : new Administrator(name, accountId, email);
    }
}
