using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using RapidStart.Domain.Activation;
using RapidStart.Domain.Localization;
using RapidStart.Domain.Problems;
using RapidStart.Functions.Http.Views;
using RapidStart.Functions.Lifecycle;

namespace RapidStart.Functions.Http;

/// <summary>
/// The customer administrator opens the link (an HTML page, in their language; see <see cref="PageLanguage"/>)
/// and accepts (JSON, with their own bearer token). The pages themselves are views (<c>Http/Views</c>).
/// </summary>
public sealed class ActivationFunctions(
    HttpApi api,
    ActivationService activation,
    LifecycleSignalsFactory signals,
    ActivationAttemptLimiter limiter)
{
    [Function(nameof(ShowActivation))]
    public Task<IActionResult> ShowActivation(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "activate")] HttpRequest request) =>
        api.RunAnonymousAsync(request, async () =>
        {
            var client = request.HttpContext.Connection.RemoteIpAddress;
            try
            {
                limiter.EnsureAllowed(client);
                var view = await activation.ViewAsync(request.Query["token"], request.HttpContext.RequestAborted);
                var language = PageLanguage.Choose(request, view.DefaultLanguage);
                return Localized(ApiResult.Html(StatusCodes.Status200OK, ActivationPage.Render(view, language, code => PageLanguage.LinkTo(request, code))), language);
            }
            catch (ProblemException problem) when (problem.Kind is ProblemKind.NotFound or ProblemKind.Gone or ProblemKind.TooManyRequests)
            {
                if (problem.Kind != ProblemKind.TooManyRequests)
                {
                    limiter.RecordFailure(client);
                }

                var language = PageLanguage.Choose(request, Language.English);
                var page = Localized(ApiResult.Html(Problems.StatusOf(problem.Kind), RefusalPage.Render(problem, language, code => PageLanguage.LinkTo(request, code))), language);
                if (problem.RetryAfter is { } retryAfter)
                {
                    page.WithRetryAfter(retryAfter);
                }

                return page;
            }
        });

    /// <summary>Says which language the page is in, and that another Accept-Language may get another page.</summary>
    private static ApiResult Localized(ApiResult page, Language language)
    {
        page.Headers["Content-Language"] = language.Code;
        page.Headers["Vary"] = "Accept-Language";
        return page;
    }

    [Function(nameof(AcceptActivation))]
    public Task<IActionResult> AcceptActivation(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "activate")] HttpRequest request,
        [DurableClient] DurableTaskClient durable) =>
        api.RunAsync(request, Access.Authenticated, async caller =>
        {
            var client = request.HttpContext.Connection.RemoteIpAddress;
            limiter.EnsureAllowed(client);
            var body = await HttpApi.ReadJsonAsync<AcceptRequest>(request);
            try
            {
                var subscription = await activation.AcceptAsync(
                    caller, body.Token, body.AcceptAgreement, body.AcceptPrivacyStatement, signals.For(durable), request.HttpContext.RequestAborted);
                return ApiResult.Ok(SubscriptionResponse.Of(subscription));
            }
            catch (ProblemException problem) when (problem.Kind is ProblemKind.NotFound or ProblemKind.Gone)
            {
                limiter.RecordFailure(client);
                throw;
            }
        });
}
