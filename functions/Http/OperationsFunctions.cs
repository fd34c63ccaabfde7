using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Callers;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Validation;
using RapidStart.Infrastructure.Auth;
using RapidStart.Infrastructure.Storage;

namespace RapidStart.Functions.Http;

/// <summary>Tells health whether the orchestration engine can take work. In Azure the Functions host owns that, so it is always ready.</summary>
public interface IEngineReadiness
{
    bool IsReady { get; }
}

public sealed class AlwaysReady : IEngineReadiness
{
    public bool IsReady => true;
}

public sealed record HealthResponse(string Status, string? Detail = null);

public sealed record TokenResponse(string Token);

/// <summary>Health, the development token issuer, and problem answers for unknown routes.</summary>
public sealed class OperationsFunctions(HttpApi api, TableRouter storage, IEngineReadiness engine, DevelopmentTokenIssuer issuer, IOptions<AuthOptions> auth, IHostEnvironment environment)
{
    [Function(nameof(Health))]
    public async Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request)
    {
        try
        {
            await storage.PingAsync(request.HttpContext.RequestAborted);
        }
        catch (Exception e) when (StorageFaults.IsUnavailable(e))
        {
            return new ApiResult(StatusCodes.Status503ServiceUnavailable, new HealthResponse("unavailable", "Storage does not answer.")) { Headers = { ["Retry-After"] = "5" } };
        }

        return engine.IsReady
            ? ApiResult.Ok(new HealthResponse("ok"))
            : new ApiResult(StatusCodes.Status503ServiceUnavailable, new HealthResponse("starting", "The orchestration engine is not ready yet.")) { Headers = { ["Retry-After"] = "2" } };
    }

    /// <summary>Exists only in Development with the development issuer enabled; 404 everywhere else, as if it did not exist.</summary>
    [Function(nameof(IssueDevelopmentToken))]
    public Task<IActionResult> IssueDevelopmentToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "dev/token")] HttpRequest request) =>
        api.RunAnonymousAsync(request, async () =>
        {
            if (!auth.Value.DevelopmentIssuerIsOn(environment))
            {
                throw ProblemException.NotFound("route");
            }

            var body = await HttpApi.ReadJsonAsync<DevTokenRequest>(request);
            var errors = new ValidationErrors();
            var subject = errors.Text("sub", body.Sub, FieldRules.MaxEmailLength, required: true);
            var roles = body.Roles ?? [];
            if (roles.Any(r => r is not (Caller.PartnerRole or Caller.SupportRole)))
            {
                errors.Add("roles", "Roles are 'partner' and 'support' (none for a customer user).");
            }

            var partnerId = errors.Text("partnerId", body.PartnerId, 64, required: roles.Contains(Caller.PartnerRole));
            errors.ThrowIfAny();
            return ApiResult.Ok(new TokenResponse(issuer.Issue(subject!, roles, partnerId)));
        });

    /// <summary>Every path and method no other function serves: a problem, not an empty 404.</summary>
    [Function(nameof(UnknownRoute))]
    public IActionResult UnknownRoute(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", "head", "options", Route = "{*path}")] HttpRequest request)
    {
        var allowed = RouteTable.AllowedMethods(request.Path.Value ?? "");
        if (allowed.Count > 0)
        {
            var result = Problems.Create(StatusCodes.Status405MethodNotAllowed, "Method not allowed.", $"{request.Method} is not allowed here; use {string.Join(", ", allowed)}.", request);
            result.Headers["Allow"] = string.Join(", ", allowed);
            return result;
        }

        return Problems.Create(StatusCodes.Status404NotFound, "Not found.", "There is no such route in the RapidStart API; see /api/openapi.json.", request);
    }
}
