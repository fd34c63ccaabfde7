using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Subscriptions;
using RapidStart.Functions.Lifecycle;

namespace RapidStart.Functions.Http;

/// <summary>Support's routes: read any customer, reactivate during retention.</summary>
public sealed class SupportFunctions(HttpApi api, CustomerService customers, SubscriptionService subscriptions, LifecycleSignalsFactory signals)
{
    [Function(nameof(SupportGetCustomer))]
    public Task<IActionResult> SupportGetCustomer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "support/customers/{customerId}")] HttpRequest request,
        string customerId) =>
        api.RunAsync(request, Access.Support, async caller =>
        {
            var customer = await customers.FindVisibleAsync(caller, customerId, request.HttpContext.RequestAborted);
            var services = await subscriptions.ListForCustomerAsync(customer.Value, request.HttpContext.RequestAborted);
            return ApiResult.Ok(new SupportCustomerResponse(CustomerResponse.Of(customer.Value), services.Select(SubscriptionResponse.Of).ToArray()))
                .WithETag(customer.ETag);
        });

    [Function(nameof(Reactivate))]
    public Task<IActionResult> Reactivate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "support/customers/{customerId}/services/{serviceId}/reactivate")] HttpRequest request,
        string customerId,
        string serviceId,
        [DurableClient] DurableTaskClient durable) =>
        api.RunAsync(request, Access.Support, async caller =>
        {
            var body = await HttpApi.ReadJsonAsync<VoiceAccountRequest>(request);
            var subscription = await subscriptions.ReactivateAsync(caller, customerId, serviceId, body.VoiceAccountNumber, signals.For(durable), request.HttpContext.RequestAborted);
            return ApiResult.Ok(SubscriptionResponse.Of(subscription));
        });
}
