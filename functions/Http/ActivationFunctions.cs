using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using RapidStart.Domain.Activation;
using RapidStart.Domain.Problems;
using RapidStart.Functions.Lifecycle;

namespace RapidStart.Functions.Http;

/// <summary>The customer administrator opens the link (an HTML page) and accepts (JSON, with their own bearer token).</summary>
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
                return ApiResult.Html(StatusCodes.Status200OK, ActivationPage.Render(view));
            }
            catch (ProblemException problem) when (problem.Kind is ProblemKind.NotFound or ProblemKind.Gone or ProblemKind.TooManyRequests)
            {
                if (problem.Kind != ProblemKind.TooManyRequests)
                {
                    limiter.RecordFailure(client);
                }

                var page = ApiResult.Html(Problems.StatusOf(problem.Kind), ActivationPage.RenderRefusal(problem));
                if (problem.RetryAfter is { } retryAfter)
                {
                    page.WithRetryAfter(retryAfter);
                }

                return page;
            }
        });

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

/// <summary>The activation page. Every value from storage is HTML-encoded; the script reads the invitation token from the URL, never from markup.</summary>
public static class ActivationPage
{
    /// <param name="view">What the invitation shows.</param>
    /// <remarks>
    /// Its scripts sign in with MSAL.js (the invited account as the login hint) and accept with the
    /// access token MSAL holds: the page has no token field.
    /// </remarks>
    public static string Render(ActivationView view)
    {
        string E(string value) => WebUtility.HtmlEncode(value);
        return Layout("Activate RapidStart Services", $"""
            <h1>Activate RapidStart Services</h1>
            <p>Your partner <strong>{E(view.PartnerId)}</strong> invites <strong>{E(view.AdministratorName)}</strong>
            to administer RapidStart Services for <strong id="organization">{E(view.OrganizationName)}</strong>
            (country/region of use: {E(view.CountryRegion)}).</p>
            <p>Sign in with the Microsoft account <strong id="account">{E(view.MicrosoftAccountId)}</strong>; the invitation works for no other account.
            It expires on {view.ExpiresAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC.</p>
            <section>
              <h2>Online services agreement (version {E(view.AgreementVersion)})</h2>
              <p>By accepting, the organization agrees to the RapidStart online services agreement, version {E(view.AgreementVersion)}.</p>
              <label><input type="checkbox" id="acceptAgreement"> I accept the online services agreement</label>
            </section>
            <section>
              <h2>Privacy statement (version {E(view.PrivacyStatementVersion)})</h2>
              <p>RapidStart processes the organization's data as described in its privacy statement, version {E(view.PrivacyStatementVersion)}.</p>
              <label><input type="checkbox" id="acceptPrivacyStatement"> I accept the privacy statement</label>
            </section>
            <section id="signin" aria-labelledby="signin-heading">
              <h2 id="signin-heading">Sign in</h2>
              <p id="whoami" role="status">Not signed in.</p>
              <div id="mismatch" class="problem" role="alert" hidden>
                <p id="mismatch-text"></p>
                <button id="anotherAccount" type="button">Use another account</button>
              </div>
              <p>
                <button id="signIn" type="button" hidden>Sign in with Microsoft</button>
                <button id="signOut" type="button" hidden>Sign out</button>
              </p>
            </section>
            <button id="accept" type="button" disabled>Accept</button>
            <p id="result" role="status"></p>
            <script src="console/msal-browser.min.js" defer></script>
            <script src="console/auth.js" defer></script>
            <script src="console/activation.js" defer></script>
            """);
    }


    public static string RenderRefusal(ProblemException problem)
    {
        var (heading, advice) = problem.Kind switch
        {
            ProblemKind.Gone => ("This activation link no longer works", problem.Message),
            ProblemKind.TooManyRequests => ("Too many attempts", problem.Message),
            _ => ("Activation link not recognised", "Check that you opened the whole link from the invitation email. If it still fails, ask your partner to send a new activation."),
        };
        return Layout(heading, $"<h1>{WebUtility.HtmlEncode(heading)}</h1><p>{WebUtility.HtmlEncode(advice)}</p>");
    }

    private static string Layout(string title, string body) => $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{WebUtility.HtmlEncode(title)}</title>
        <link rel="stylesheet" href="console/activation.css">
        </head><body>
        {body}
        </body></html>
        """;
}
