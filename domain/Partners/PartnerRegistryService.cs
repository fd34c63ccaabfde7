using System.Text.RegularExpressions;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Validation;

namespace RapidStart.Domain.Partners;

/// <summary>
/// Support's management of the partner registry. The rules: a partner id in VOICE's shape, a name,
/// and one or more Entra tenant ids (GUIDs); a tenant belongs to at most one partner.
/// </summary>
public sealed partial class PartnerRegistryService(IPartnerRegistry registry)
{
    public const int MaxTenantsPerPartner = 50;

    public Task<IReadOnlyList<PartnerRegistration>> ListAsync(CancellationToken cancellationToken) => registry.ListAsync(cancellationToken);

    /// <summary>Creates or replaces a partner's registration; true when it was created.</summary>
    public async Task<(PartnerRegistration Registration, bool Created)> PutAsync(string partnerId, string? name, IReadOnlyList<string?>? tenantIds, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var id = ValidPartnerId(partnerId);
        var validName = errors.Text("name", name, FieldRules.MaxNameLength, required: true);
        var tenants = new List<string>();
        if (tenantIds is null || tenantIds.Count == 0)
        {
            errors.Add("tenantIds", "Name at least one Microsoft Entra tenant ID.");
        }
        else if (tenantIds.Count > MaxTenantsPerPartner)
        {
            errors.Add("tenantIds", $"At most {MaxTenantsPerPartner} tenants per partner.");
        }
        else
        {
            for (var i = 0; i < tenantIds.Count; i++)
            {
                if (Guid.TryParseExact(FieldRules.Normalize(tenantIds[i]) ?? "", "D", out var tenant))
                {
                    tenants.Add(tenant.ToString("D"));
                }
                else
                {
                    errors.Add($"tenantIds[{i}]", "A tenant ID is a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47.");
                }
            }
        }

        errors.ThrowIfAny();
        var registration = new PartnerRegistration(id, validName!, tenants.Distinct(StringComparer.Ordinal).ToArray());
        var created = await registry.PutAsync(registration, cancellationToken);
        return (registration, created);
    }

    public async Task RemoveAsync(string partnerId, CancellationToken cancellationToken)
    {
        if (!await registry.RemoveAsync(ValidPartnerId(partnerId), cancellationToken))
        {
            throw ProblemException.NotFound("partner");
        }
    }

    private static string ValidPartnerId(string partnerId)
    {
        var id = FieldRules.Normalize(partnerId);
        return id is not null && PartnerIdShape().IsMatch(id)
            ? id
            : throw ProblemException.Invalid("partnerId", "A partner ID is 2 to 64 letters, digits and hyphens, such as P-1001.");
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9-]{0,62}[A-Za-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex PartnerIdShape();
}
