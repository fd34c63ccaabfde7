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

/// <summary>Health, and problem answers for unknown routes.</summary>
public sealed class OperationsFunctions(TableRouter storage, IEngineReadiness engine)
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
