using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Hosting;
using RapidStart.Functions.Http;

namespace RapidStart.Functions.Composition;

/// <summary>Puts <see cref="UnexpectedErrors"/> around every HTTP function, in either host.</summary>
public static class UnexpectedErrorExtensions
{
    /// <summary>The Functions app: worker middleware, for HTTP-triggered functions only.</summary>
    public static IFunctionsWorkerApplicationBuilder UseProblemsForUnexpectedErrors(this IFunctionsWorkerApplicationBuilder builder) =>
        builder.UseWhen<UnexpectedErrorFunctionMiddleware>(UnexpectedErrorFunctionMiddleware.Applies);

    /// <summary>The local host: ASP.NET Core middleware around the <c>/api</c> routes (not the Durable sidecar's gRPC).</summary>
    public static IApplicationBuilder UseProblemsForUnexpectedErrors(this IApplicationBuilder app) =>
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments("/" + RouteTable.RoutePrefix),
            api => api.UseMiddleware<UnexpectedErrorMiddleware>());
}
