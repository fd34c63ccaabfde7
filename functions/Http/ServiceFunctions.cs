using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using RapidStart.Domain.Catalog;
using RapidStart.Domain.Subscriptions;
using RapidStart.Functions.Lifecycle;

namespace RapidStart.Functions.Http;

public sealed record CatalogServiceResponse(string ServiceId, string Name, DateTimeOffset? EndOfSupport, IReadOnlyList<CatalogCountry> Countries);

/// <summary>The catalog, sign-up, Send Activation and the Service List.</summary>
public sealed class ServiceFunctions(HttpApi api, ServiceCatalog catalog, SubscriptionService subscriptions, LifecycleSignalsFactory signals)
{
    [Function(nameof(GetCatalog))]
    public Task<IActionResult> GetCatalog(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "catalog/services")] HttpRequest request) =>
        api.RunAsync(request, Access.Partner, _ => Task.FromResult<IActionResult>(ApiResult.Ok(new ItemsResponse<CatalogServiceResponse>(
            catalog.Services.Select(s => new CatalogServiceResponse(s.ServiceId, s.Name, s.EndOfSupport, s.Countries)).ToArray()))));

    [Function(nameof(SignUp))]
    public Task<IActionResult> SignUp(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "customers/{customerId}/services")] HttpRequest request,
        string customerId,
        [DurableClient] DurableTaskClient durable) =>
        api.RunAsync(request, Access.Partner, async caller =>
        {
            var body = await HttpApi.ReadJsonAsync<SignUpRequest>(request);
            var subscription = await subscriptions.SignUpAsync(caller, customerId, body.ServiceId, body.CountryRegion, signals.For(durable), request.HttpContext.RequestAborted);
            return ApiResult.Created(SubscriptionResponse.Of(subscription), $"/api/customers/{customerId}/services/{subscription.ServiceId}");
        });

    [Function(nameof(GetSubscription))]
    public Task<IActionResult> GetSubscription(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "customers/{customerId}/services/{serviceId}")] HttpRequest request,
        string customerId,
        string serviceId) =>
        api.RunAsync(request, Access.Partner, async caller =>
        {
            var subscription = await subscriptions.GetAsync(caller, customerId, serviceId, request.HttpContext.RequestAborted);
            return ApiResult.Ok(SubscriptionResponse.Of(subscription.Value)).WithETag(subscription.ETag);
        });

    [Function(nameof(ChangeCountry))]
    public Task<IActionResult> ChangeCountry(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "customers/{customerId}/services/{serviceId}")] HttpRequest request,
        string customerId,
        string serviceId) =>
        api.RunAsync(request, Access.Partner, async caller =>
        {
            await HttpApi.ReadJsonAsync<CountryChangeRequest>(request);
            await subscriptions.RefuseCountryChangeAsync(caller, customerId, serviceId, HttpApi.ExpectedETag(request), request.HttpContext.RequestAborted);
            throw new InvalidOperationException("A country/region change must always be refused.");
        });

    [Function(nameof(SendActivation))]
    public Task<IActionResult> SendActivation(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "customers/{customerId}/services/{serviceId}/activation")] HttpRequest request,
        string customerId,
        string serviceId,
        [DurableClient] DurableTaskClient durable) =>
        api.RunAsync(request, Access.Partner, async caller =>
        {
            var body = await HttpApi.ReadJsonAsync<SendActivationRequest>(request, optional: true);
            var subscription = await subscriptions.SendActivationAsync(
                caller, customerId, serviceId, body?.Administrator, HttpApi.ExpectedETag(request), signals.For(durable), request.HttpContext.RequestAborted);
            return ApiResult.Accepted(SubscriptionResponse.Of(subscription));
        });

    [Function(nameof(RevokeActivation))]
    public Task<IActionResult> RevokeActivation(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "customers/{customerId}/services/{serviceId}/activation")] HttpRequest request,
        string customerId,
        string serviceId,
        [DurableClient] DurableTaskClient durable) =>
        api.RunAsync(request, Access.Partner, async caller =>
        {
            await subscriptions.RevokeActivationAsync(caller, customerId, serviceId, HttpApi.ExpectedETag(request), signals.For(durable), request.HttpContext.RequestAborted);
            return ApiResult.NoContent();
        });

    [Function(nameof(GetHistory))]
    public Task<IActionResult> GetHistory(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "customers/{customerId}/services/{serviceId}/history")] HttpRequest request,
        string customerId,
        string serviceId) =>
        api.RunAsync(request, Access.Partner, async caller =>
        {
            var history = await subscriptions.GetHistoryAsync(caller, customerId, serviceId, request.HttpContext.RequestAborted);
            return ApiResult.Ok(new ItemsResponse<HistoryItemResponse>(history.Select(HistoryItemResponse.Of).ToArray()));
        });

    [Function(nameof(ListServices))]
    public Task<IActionResult> ListServices(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "services")] HttpRequest request) =>
        api.RunAsync(request, Access.Partner, async caller =>
        {
            var page = await subscriptions.ListAsync(caller, request.Query["status"], request.Query["continuationToken"], QueryInt.Read(request, "pageSize"), request.HttpContext.RequestAborted);
            return ApiResult.Ok(new ItemsResponse<SubscriptionResponse>(page.Items.Select(SubscriptionResponse.Of).ToArray(), page.ContinuationToken));
        });
}
