using RapidStart.Domain.Callers;
using RapidStart.Domain.Validation;

namespace RapidStart.LocalHost.Identity;

/// <summary>An Entra-like tenant of the local directory, known by the one domain it verifies.</summary>
/// <param name="Role">The app role its users get: <c>Partner</c>, <c>Support</c>, or none.</param>
public sealed record LocalTenant(Guid Id, string Domain, string? PartnerId, string? Role)
{
    public bool IsPersonal => Id == LocalDirectory.PersonalAccountsTenantId;
}

/// <summary>A signed-in identity of the local directory, as its tokens describe it.</summary>
/// <param name="EmailVerified">Entra's <c>xms_edov</c>: the tenant verifies the address's domain (null for personal accounts, which don't carry it).</param>
public sealed record LocalAccount(LocalTenant Tenant, Guid ObjectId, string Address, string Name, bool? EmailVerified, IReadOnlyList<string> Roles);

/// <summary>
/// The local provider's directory. Deterministic, so identities are stable across restarts and
/// need no storage: every identifier is a name-based GUID. Tenants: one per partner of record in
/// the VOICE seed file (role Partner, domain <c>{partnerid}.example</c>), the operator's (role
/// Support, domain <c>rapidstart.example</c>), Microsoft's personal-accounts tenant (outlook.com,
/// hotmail.com, live.com), and for any other address a work tenant of its own e-mail domain.
/// </summary>
public sealed class LocalDirectory
{
    /// <summary>The tenant of personal Microsoft accounts, as in Entra.</summary>
    public static readonly Guid PersonalAccountsTenantId = Guid.Parse(RapidStart.Infrastructure.Auth.AuthOptions.PersonalAccountsTenantId);

    public const string OperatorDomain = "rapidstart.example";

    private const string TenantSpace = "rapidstart-local-tenant";
    private const string UserSpace = "rapidstart-local-user";

    private static readonly HashSet<string> PersonalDomains = new(StringComparer.OrdinalIgnoreCase) { "outlook.com", "hotmail.com", "live.com" };

    private readonly Dictionary<string, LocalTenant> _seedPartnersByDomain;

    public LocalDirectory(IEnumerable<string> seedPartnerIds)
    {
        SeedPartnerTenants = seedPartnerIds.Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).Select(PartnerTenant).ToList();
        _seedPartnersByDomain = SeedPartnerTenants.ToDictionary(t => t.Domain, StringComparer.OrdinalIgnoreCase);
        Operator = new LocalTenant(TenantIdOf(OperatorDomain), OperatorDomain, null, Caller.SupportRole);
    }

    /// <summary>The tenants registered to their partners in the partner registry at start.</summary>
    public IReadOnlyList<LocalTenant> SeedPartnerTenants { get; }

    /// <summary>The operator's own tenant, whose users have role Support.</summary>
    public LocalTenant Operator { get; }

    /// <summary>The tenant of any partner id (its users have role Partner), whether or not it is in the seed file.</summary>
    public static LocalTenant PartnerTenant(string partnerId)
    {
        var domain = partnerId.Trim().ToLowerInvariant() + ".example";
        return new LocalTenant(TenantIdOf(domain), domain, partnerId.Trim(), Caller.PartnerRole);
    }

    public static Guid TenantIdOf(string domain) => DeterministicGuid.From(TenantSpace, domain.ToLowerInvariant());

    public static bool IsAddress(string? value) => value is not null && FieldRules.IsEmail(value);

    /// <summary>The identity an address signs in as, in the tenant its domain belongs to.</summary>
    public LocalAccount SignIn(string address)
    {
        var domain = DomainOf(address);
        var tenant = PersonalDomains.Contains(domain) ? new LocalTenant(PersonalAccountsTenantId, domain, null, null)
            : string.Equals(domain, OperatorDomain, StringComparison.OrdinalIgnoreCase) ? Operator
            : _seedPartnersByDomain.TryGetValue(domain, out var partner) ? partner
            : new LocalTenant(TenantIdOf(domain), domain.ToLowerInvariant(), null, null);
        return InTenant(tenant, address);
    }

    /// <summary>
    /// The identity of <paramref name="address"/> as a member of <paramref name="tenant"/> (a guest's,
    /// when the tenant doesn't verify its domain: then <c>xms_edov</c> is false).
    /// </summary>
    public static LocalAccount InTenant(LocalTenant tenant, string address)
    {
        var objectId = DeterministicGuid.From(UserSpace, $"{tenant.Id:D}/{address.ToLowerInvariant()}");
        bool? verified = tenant.IsPersonal ? null : string.Equals(DomainOf(address), tenant.Domain, StringComparison.OrdinalIgnoreCase);
        return new LocalAccount(tenant, objectId, address, DisplayNameOf(address), verified, tenant.Role is null ? [] : [tenant.Role]);
    }

    private static string DomainOf(string address) => address[(address.LastIndexOf('@') + 1)..];

    /// <summary>"pat.smith@x.example" → "Pat Smith".</summary>
    private static string DisplayNameOf(string address)
    {
        var words = address[..address.LastIndexOf('@')].Split(['.', '_', '-', '+'], StringSplitOptions.RemoveEmptyEntries);
        return words.Length == 0 ? address : string.Join(' ', words.Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
    }
}
