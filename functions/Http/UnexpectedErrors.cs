using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace RapidStart.Functions.Http;

/// <summary>
/// The one answer to an exception that no function turned into a problem (a bug, not a refusal): it is
/// logged with its trace, and the client gets a 500 <c>application/problem+json</c> with that trace ID
/// and no exception text or stack. Both hosts route every unhandled exception here: the Functions app
/// through <see cref="UnexpectedErrorFunctionMiddleware"/>, the local host through
/// <see cref="UnexpectedErrorMiddleware"/>.
/// </summary>
public static class UnexpectedErrors
{
    public static ApiResult Handle(HttpContext context, Exception exception, ILogger logger)
    {
        if (exception is TargetInvocationException { InnerException: { } inner })
        {
            exception = inner;
        }

        logger.LogError(
            exception,
            "Unhandled {ExceptionType} while serving {Method} {Path} (trace {TraceId})",
            exception.GetType().Name,
            context.Request.Method,
            context.Request.Path.Value,
            Problems.TraceIdOf(context));
        return Problems.Unexpected(context.Request);
    }

    /// <summary>Whether the client went away: then there is no one to answer, and nothing went wrong.</summary>
    public static bool ClientLeft(HttpContext context, Exception exception) =>
        exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested;
}

/// <summary>The Functions app's handler, for HTTP-triggered functions: the answer becomes the invocation's result.</summary>
public sealed class UnexpectedErrorFunctionMiddleware(ILogger<UnexpectedErrorFunctionMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (context.GetHttpContext() is { } http && !UnexpectedErrors.ClientLeft(http, e))
        {
            context.GetInvocationResult().Value = UnexpectedErrors.Handle(http, e, logger);
        }
    }

    /// <summary>Only HTTP-triggered functions have a client to answer; others fail as the host expects.</summary>
    public static bool Applies(FunctionContext context) =>
        context.FunctionDefinition.InputBindings.Values.Any(b => b.Type.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase));
}

/// <summary>The local host's handler (ASP.NET Core middleware around its <c>/api</c> routes).</summary>
public sealed class UnexpectedErrorMiddleware(RequestDelegate next, ILogger<UnexpectedErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && !UnexpectedErrors.ClientLeft(context, e))
        {
            context.Response.Clear();
            await UnexpectedErrors.Handle(context, e, logger).ExecuteResultAsync(new ActionContext { HttpContext = context });
        }
    }
}
