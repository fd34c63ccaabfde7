using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Subscriptions;
using RapidStart.Functions.Lifecycle;

namespace RapidStart.Functions.Http;

/// <summary>The partner portal's customer routes.</summary>
public sealed class CustomerFunctions(HttpApi api, CustomerService customers, SubscriptionService subscriptions, LifecycleSignalsFactory signals)
{
    [Function(nameof(CreateCustomer))]
    public Task<IActionResult> CreateCustomer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "customers")] HttpRequest request) =>
        api.RunAsync(request, Access.Partner, async caller =>
        {
            var draft = await HttpApi.ReadJsonAsync<CustomerDraft>(request);
            var customer = await customers.CreateAsync(caller, draft, request.HttpContext.RequestAborted);
            return ApiResult.Created(CustomerResponse.Of(customer), $"/api/customers/{customer.CustomerId}");
        });

    [Function(nameof(ListCustomers))]
    public Task<IActionResult> ListCustomers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "customers")] HttpRequest request) =>
        api.RunAsync(request, Access.Partner, async caller =>
        {
            var page = await customers.ListAsync(caller, request.Query["continuationToken"], QueryInt.Read(request, "pageSize"), request.HttpContext.RequestAborted);
            return ApiResult.Ok(new ItemsResponse<CustomerResponse>(page.Items.Select(CustomerResponse.Of).ToArray(), page.ContinuationToken));
        });

    [Function(nameof(GetCustomer))]
    public Task<IActionResult> GetCustomer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "customers/{customerId}")] HttpRequest request,
        string customerId) =>
        api.RunAsync(request, Access.Partner, async caller =>
        {
            var customer = await customers.GetAsync(caller, customerId, request.HttpContext.RequestAborted);
            return ApiResult.Ok(CustomerResponse.Of(customer.Value)).WithETag(customer.ETag);
        });

    [Function(nameof(AssignVoiceAccount))]
    public Task<IActionResult> AssignVoiceAccount(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "customers/{customerId}/voice-account")] HttpRequest request,
        string customerId,
        [DurableClient] DurableTaskClient durable) =>
        api.RunAsync(request, Access.Partner, async caller =>
        {
            var body = await HttpApi.ReadJsonAsync<VoiceAccountRequest>(request);
            var customer = await subscriptions.AssignVoiceAccountAsync(
                caller, customerId, body.VoiceAccountNumber, HttpApi.ExpectedETag(request), signals.For(durable), request.HttpContext.RequestAborted);
            return ApiResult.Ok(CustomerResponse.Of(customer));
        });
}

public static class QueryInt
{
    public static int? Read(HttpRequest request, string name)
    {
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Domain.Problems.ProblemException.Invalid(name, "Must be a whole number.");
    }
}
