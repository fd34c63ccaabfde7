using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using RapidStart.Domain.Callers;
using RapidStart.Domain.Validation;
using RapidStart.Functions.Http;

namespace RapidStart.LocalHost.Identity;

public sealed record DevTokenRequest(string? Sub, string[]? Roles, string? PartnerId);

public sealed record DevTokenResponse(string Token, string TenantId, string ObjectId);

/// <summary>
/// <c>POST /api/dev/token</c>, for scripts and tests: an access token from the local provider (same
/// claims, same key as its sign-in flow) without a browser. Mapped only where the provider exists,
/// in Development; elsewhere the route is unknown (404), like any other.
/// </summary>
public static class DevelopmentTokenEndpoint
{
    public const string Route = "/api/dev/token";

    /// <summary>The endpoint's name, the operationId of its entry in openapi.json.</summary>
    public const string Name = "IssueDevelopmentToken";

    public static void MapDevelopmentToken(this WebApplication app) =>
        app.MapPost(Route, async (HttpContext context, HttpApi api, LocalDirectory directory, LocalTokenIssuer issuer) =>
        {
            var result = await api.RunAnonymousAsync(context.Request, async () =>
            {
                var body = await HttpApi.ReadJsonAsync<DevTokenRequest>(context.Request);
                var errors = new ValidationErrors();
                var subject = errors.Email("sub", body.Sub, required: true);
                // App role names are compared as Entra's are here: 'partner' and 'Partner' are one role.
                var roles = new HashSet<string?>((body.Roles ?? []).Select(r => r?.Trim()), StringComparer.OrdinalIgnoreCase);
                var partner = roles.Contains(Caller.PartnerRole);
                var support = roles.Contains(Caller.SupportRole);
                if (roles.Any(r => !string.Equals(r, Caller.PartnerRole, StringComparison.OrdinalIgnoreCase) && !string.Equals(r, Caller.SupportRole, StringComparison.OrdinalIgnoreCase)))
                {
                    errors.Add("roles", "Roles are 'partner' and 'support' (none for a customer user).");
                }
                else if (partner && support)
                {
                    errors.Add("roles", "A token is a partner's or Support's, not both: they come from different tenants.");
                }

                var partnerId = errors.Text("partnerId", body.PartnerId, 64, required: partner);
                errors.ThrowIfAny();

                var account = partner ? LocalDirectory.InTenant(LocalDirectory.PartnerTenant(partnerId!), subject!)
                    : support ? LocalDirectory.InTenant(directory.Operator, subject!)
                    : directory.SignIn(subject!);
                return ApiResult.Ok(new DevTokenResponse(issuer.AccessToken(account), account.Tenant.Id.ToString("D"), account.ObjectId.ToString("D")));
            });
            await result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
        }).WithName(Name);
}
