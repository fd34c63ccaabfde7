using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using RapidStart.Domain.Callers;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Changes;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Notifications;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Subscriptions;
using RapidStart.Domain.Validation;

namespace RapidStart.UnitTests.TestSupport;

/// <summary>Well-known values and builders shared by the unit tests, so each test states only what it cares about.</summary>
internal static class TestData
{
    public const string PartnerId = "P-1001";
    public const string OtherPartnerId = "P-2002";
    public const string PartnerSubject = "pat@partner.example";
    public const string AdministratorAccount = "dana@contoso.com";
    public const string AdministratorEmail = "it@contoso.com";
    public const string VoiceNumber = "V-100200";

    /// <summary>A Monday morning, far from any daylight-saving or month-end edge.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    public static readonly TimeSpan Trial = TimeSpan.FromDays(90);
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    public static FakeTimeProvider Clock(DateTimeOffset? at = null) => new(at ?? Start);

    public const string WorkTenant = "3c1f8a52-7d4e-4b8a-9a51-2f0f7d6c1e90";

    /// <summary>A stable Entra identity for an address, as the identity platform would keep one.</summary>
    public static AccountIdentity IdentityOf(string address, string tenantId = WorkTenant) =>
        new(tenantId, new Guid(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(tenantId + address))).ToString("D"));

    public static Caller Partner(string partnerId = PartnerId, string subject = PartnerSubject) =>
        new(IdentityOf(subject), subject, subject, partnerId, IsSupport: false);

    public static Caller Support(string subject = "sam@support.example") =>
        new(IdentityOf(subject), subject, subject, null, IsSupport: true);

    /// <summary>A customer user signed in with <paramref name="subject"/> as their verified address.</summary>
    public static Caller User(string subject) =>
        new(IdentityOf(FieldRules.NormalizeAccountId(subject)), FieldRules.NormalizeAccountId(subject), subject, null, IsSupport: false);

    public static string NewCustomerId(string region = "eu-west") => CustomerId.New(region, Start);

    public static Address Address(string country = "DE") => new("1 Hauptstraße", "Berlin", null, "10115", country);

    public static Customer Customer(
        string? customerId = null,
        string partnerId = PartnerId,
        string? voiceNumber = null,
        string region = "eu-west",
        IReadOnlyDictionary<string, string>? subscriptions = null,
        bool purged = false) =>
        new(
            customerId ?? NewCustomerId(region),
            partnerId,
            voiceNumber is null ? CustomerKinds.Prospect : CustomerKinds.Existing,
            voiceNumber,
            purged ? null : new Organization("Contoso GmbH", Address()),
            purged ? null : new Administrator("Dana Admin", AdministratorAccount, AdministratorEmail),
            region,
            Start,
            subscriptions ?? new Dictionary<string, string>(),
            purged);

    public static Customer WithRapidStart(this Customer customer, string region = "eu-west") =>
        customer.WithSubscription(ServiceCatalog.RapidStartServiceId, region);

    public static SubscriptionKey KeyOf(Customer customer, string region = "eu-west") =>
        new(region, customer.CustomerId, ServiceCatalog.RapidStartServiceId);

    /// <summary>A freshly signed-up subscription (Created), with or without a trial.</summary>
    public static Subscription Subscription(Customer customer, bool trial = true, DateTimeOffset? at = null, string region = "eu-west") =>
        Domain.Subscriptions.Subscription.SignUp(
            customer.CustomerId, customer.PartnerId, ServiceCatalog.RapidStartServiceId, "DE", region,
            at ?? Start, trial ? Trial : null, "partner:test").Subscription;

    /// <summary>A subscription whose invitation <paramref name="sequence"/> has been requested (InvitationSent).</summary>
    public static Subscription Invited(Customer customer, int sequence = 1, bool trial = true, DateTimeOffset? at = null, string? contactEmail = null)
    {
        var subscription = Subscription(customer, trial, at);
        for (var i = 0; i < sequence; i++)
        {
            subscription = subscription.RequestInvitation(
                (at ?? Start).AddMinutes(i), AdministratorAccount, contactEmail ?? AdministratorEmail, "Dana Admin", "partner:test", TimeSpan.FromHours(1)).Item1;
        }

        return subscription;
    }

    /// <summary>
    /// The real write path over mocked stores: services are tested through it, so what they ask the
    /// stores to do (commit, listing, signal) is what a test sees. Follow-up rows go to <paramref name="followUps"/>.
    /// </summary>
    public static ChangeUnit Changes(
        ISubscriptionStore store, ICustomerStore customers, TimeProvider clock, IEmailSender? email = null, IFollowUpStore? followUps = null)
    {
        followUps ??= new Mock<IFollowUpStore>().Object;
        var dispatcher = new FollowUpDispatcher(store, customers, followUps, email ?? new Mock<IEmailSender>().Object, clock, NullLogger<FollowUpDispatcher>.Instance);
        return new ChangeUnit(store, customers, followUps, dispatcher, clock);
    }

    public static async Task<ProblemException> ThrowsProblemAsync(ProblemKind kind, Func<Task> action)
    {
        var problem = await Assert.ThrowsAsync<ProblemException>(action);
        Assert.Equal(kind, problem.Kind);
        return problem;
    }
}
