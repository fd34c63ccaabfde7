using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using RapidStart.Domain.Problems;

namespace RapidStart.Functions.Http;

/// <summary>
/// RFC 9457 problem details, the body of every error this API returns. <c>traceId</c> is the W3C trace
/// of the request, so a problem reported by a client leads to its logs and spans.
/// </summary>
public sealed record ProblemBody(string Type, string Title, int Status, string Detail, IReadOnlyDictionary<string, string[]>? Errors = null, string? Instance = null, string? TraceId = null);

public static class Problems
{
    public const string ContentType = "application/problem+json; charset=utf-8";

    public static int StatusOf(ProblemKind kind) => kind switch
    {
        ProblemKind.Invalid => StatusCodes.Status400BadRequest,
        ProblemKind.Unauthenticated => StatusCodes.Status401Unauthorized,
        ProblemKind.Forbidden => StatusCodes.Status403Forbidden,
        ProblemKind.NotFound => StatusCodes.Status404NotFound,
        ProblemKind.Conflict => StatusCodes.Status409Conflict,
        ProblemKind.Gone => StatusCodes.Status410Gone,
        ProblemKind.PreconditionFailed => StatusCodes.Status412PreconditionFailed,
        ProblemKind.RuleRefused => StatusCodes.Status422UnprocessableEntity,
        ProblemKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
        ProblemKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static ApiResult From(ProblemException problem, HttpRequest request)
    {
        var status = StatusOf(problem.Kind);
        var result = Create(status, problem.Title, problem.Message, request, problem.Errors);
        if (problem.RetryAfter is { } retryAfter)
        {
            result.WithRetryAfter(retryAfter);
        }

        return result;
    }

    public static ApiResult Create(int status, string title, string detail, HttpRequest request, IReadOnlyDictionary<string, string[]>? errors = null) =>
        new(status, new ProblemBody(TypeFor(status), title, status, detail, errors, request.Path.Value, TraceIdOf(request.HttpContext)), ContentType);

    /// <summary>A bug, not a refusal: nothing of the exception is told, only the trace that leads to it.</summary>
    public static ApiResult Unexpected(HttpRequest request) =>
        Create(StatusCodes.Status500InternalServerError, "Internal server error.", $"The request failed on the server's side. Nothing was told here of why; quote the trace ID {TraceIdOf(request.HttpContext)} to support.", request);

    /// <summary>The W3C trace ID of the current request (its activity), or ASP.NET Core's request ID without one.</summary>
    public static string TraceIdOf(HttpContext context) =>
        Activity.Current is { } activity ? activity.TraceId.ToHexString() : context.TraceIdentifier;

    public static ApiResult Unauthenticated(HttpRequest request)
    {
        var result = Create(StatusCodes.Status401Unauthorized, "Authentication required.", "Send a valid bearer token in the Authorization header.", request);
        result.Headers["WWW-Authenticate"] = "Bearer";
        return result;
    }

    public static ApiResult Unavailable(HttpRequest request)
    {
        var result = Create(StatusCodes.Status503ServiceUnavailable, "Storage unavailable.", "The service's storage did not answer. Retry later: a retry of the same request finishes whatever this one started.", request);
        result.Headers["Retry-After"] = "5";
        return result;
    }

    private static string TypeFor(int status) => $"https://www.rfc-editor.org/rfc/rfc9110#status.{status}";
}
