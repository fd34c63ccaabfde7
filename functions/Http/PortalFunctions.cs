using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using RapidStart.Domain.Portal;

namespace RapidStart.Functions.Http;

/// <summary>The customer portal: users and roles of one organization.</summary>
public sealed class PortalFunctions(HttpApi api, PortalService portal)
{
    [Function(nameof(ListPortalUsers))]
    public Task<IActionResult> ListPortalUsers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "portal/customers/{customerId}/users")] HttpRequest request,
        string customerId) =>
        api.RunAsync(request, Access.Authenticated, async caller =>
        {
            var users = await portal.ListAsync(caller, customerId, request.HttpContext.RequestAborted);
            return ApiResult.Ok(new ItemsResponse<PortalUserResponse>(users.Select(PortalUserResponse.Of).ToArray()));
        });

    [Function(nameof(AddPortalUser))]
    public Task<IActionResult> AddPortalUser(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "portal/customers/{customerId}/users")] HttpRequest request,
        string customerId) =>
        api.RunAsync(request, Access.Authenticated, async caller =>
        {
            var body = await HttpApi.ReadJsonAsync<AddUserRequest>(request);
            var user = await portal.AddAsync(caller, customerId, body.MicrosoftAccountId, body.DisplayName, body.Role, request.HttpContext.RequestAborted);
            return ApiResult.Created(PortalUserResponse.Of(user), $"/api/portal/customers/{customerId}/users/{Uri.EscapeDataString(user.MicrosoftAccountId)}")
                .WithETag(user.ETag);
        });

    [Function(nameof(ChangePortalUserRole))]
    public Task<IActionResult> ChangePortalUserRole(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "portal/customers/{customerId}/users/{microsoftAccountId}")] HttpRequest request,
        string customerId,
        string microsoftAccountId) =>
        api.RunAsync(request, Access.Authenticated, async caller =>
        {
            var body = await HttpApi.ReadJsonAsync<ChangeRoleRequest>(request);
            var user = await portal.ChangeRoleAsync(
                caller, customerId, Uri.UnescapeDataString(microsoftAccountId), body.Role, HttpApi.ExpectedETag(request), request.HttpContext.RequestAborted);
            return ApiResult.Ok(PortalUserResponse.Of(user)).WithETag(user.ETag);
        });

    [Function(nameof(RemovePortalUser))]
    public Task<IActionResult> RemovePortalUser(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "portal/customers/{customerId}/users/{microsoftAccountId}")] HttpRequest request,
        string customerId,
        string microsoftAccountId) =>
        api.RunAsync(request, Access.Authenticated, async caller =>
        {
            await portal.RemoveAsync(caller, customerId, Uri.UnescapeDataString(microsoftAccountId), HttpApi.ExpectedETag(request), request.HttpContext.RequestAborted);
            return ApiResult.NoContent();
        });
}
