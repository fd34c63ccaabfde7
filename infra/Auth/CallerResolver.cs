using Microsoft.Extensions.Options;
using RapidStart.Domain.Callers;
using RapidStart.Domain.Partners;

namespace RapidStart.Infrastructure.Auth;

/// <summary>
/// Turns a bearer token into a <see cref="Caller"/>: the token says who the person is and which app
/// roles their tenant gave them; the partner registry (never a claim) says which partner a Partner
/// acts for; Support must come from the operator's own tenant.
/// </summary>
public sealed class CallerResolver(BearerTokenValidator tokens, IPartnerRegistry partners, IOptions<AuthOptions> options)
{
    /// <summary>The caller, or null when there is no valid token (401).</summary>
    public async Task<Caller?> ResolveAsync(string? authorizationHeader, CancellationToken cancellationToken)
    {
        var account = await tokens.ValidateAsync(authorizationHeader, cancellationToken);
        return account is null ? null : await ResolveAsync(account, cancellationToken);
    }

    public async Task<Caller> ResolveAsync(SignedInAccount account, CancellationToken cancellationToken)
    {
        var tenantId = account.Identity.TenantId;
        var partnerId = account.HasRole(Caller.PartnerRole) ? await partners.FindPartnerIdAsync(tenantId, cancellationToken) : null;
        var operatorTenant = options.Value.OperatorTenantId;
        var isSupport = account.HasRole(Caller.SupportRole)
            && !string.IsNullOrEmpty(operatorTenant)
            && string.Equals(tenantId, operatorTenant, StringComparison.OrdinalIgnoreCase);
        return new Caller(account.Identity, account.VerifiedAddress, account.Name, partnerId, isSupport);
    }
}
