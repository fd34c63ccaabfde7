using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using RapidStart.Domain.Partners;

namespace RapidStart.Functions.Http;

public sealed record PartnerRegistrationRequest(string? Name, string?[]? TenantIds);

public sealed record PartnerRegistrationResponse(string PartnerId, string Name, IReadOnlyList<string> TenantIds)
{
    public static PartnerRegistrationResponse Of(PartnerRegistration registration) => new(registration.PartnerId, registration.Name, registration.TenantIds);
}

/// <summary>Support's partner registry: which Entra tenants act for which partner.</summary>
public sealed class PartnerRegistryFunctions(HttpApi api, PartnerRegistryService registry)
{
    [Function(nameof(ListPartners))]
    public Task<IActionResult> ListPartners(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "support/partners")] HttpRequest request) =>
        api.RunAsync(request, Access.Support, async _ =>
        {
            var partners = await registry.ListAsync(request.HttpContext.RequestAborted);
            return ApiResult.Ok(new ItemsResponse<PartnerRegistrationResponse>(partners.Select(PartnerRegistrationResponse.Of).ToArray()));
        });

    [Function(nameof(PutPartner))]
    public Task<IActionResult> PutPartner(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "support/partners/{partnerId}")] HttpRequest request,
        string partnerId) =>
        api.RunAsync(request, Access.Support, async _ =>
        {
            var body = await HttpApi.ReadJsonAsync<PartnerRegistrationRequest>(request);
            var (registration, created) = await registry.PutAsync(partnerId, body.Name, body.TenantIds, request.HttpContext.RequestAborted);
            var response = PartnerRegistrationResponse.Of(registration);
            return created
                ? ApiResult.Created(response, $"/api/support/partners/{Uri.EscapeDataString(registration.PartnerId)}")
                : ApiResult.Ok(response);
        });

    [Function(nameof(DeletePartner))]
    public Task<IActionResult> DeletePartner(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "support/partners/{partnerId}")] HttpRequest request,
        string partnerId) =>
        api.RunAsync(request, Access.Support, async _ =>
        {
            await registry.RemoveAsync(partnerId, request.HttpContext.RequestAborted);
            return ApiResult.NoContent();
        });
}
