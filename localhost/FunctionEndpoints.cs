using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using RapidStart.Functions.Http;

namespace RapidStart.LocalHost;

/// <summary>
/// Serves every <c>[HttpTrigger]</c> function of the Functions app at <c>/api/{Route}</c>, the way the
/// Functions host would. It exists because Azure Functions Core Tools can't be installed where
/// this project is developed. It binds what our functions take: <see cref="HttpRequest"/>, route
/// values as strings, <see cref="CancellationToken"/>, <see cref="FunctionContext"/> (not supported:
/// refused at start) and <c>[DurableClient] DurableTaskClient</c>; anything else stops start-up, so a
/// function the local host can't serve faithfully is caught at once.
/// </summary>
public static class FunctionEndpoints
{
    public static void MapFunctions(this WebApplication app)
    {
        // The catch-all goes last so that real routes win, as in the Functions host.
        foreach (var function in RouteTable.All.OrderBy(f => f.Route.Contains("{*", StringComparison.Ordinal)))
        {
            var binders = function.Method.GetParameters().Select(p => BinderFor(function, p)).ToArray();
            var endpoint = app.MapMethods($"/{RouteTable.RoutePrefix}/{function.Route}", function.Methods, async context =>
            {
                var target = function.Method.IsStatic ? null : ActivatorUtilities.CreateInstance(context.RequestServices, function.Method.DeclaringType!);
                var arguments = binders.Select(bind => bind(context)).ToArray();
                var returned = function.Method.Invoke(target, arguments);
                var result = returned switch
                {
                    Task<IActionResult> pending => await pending,
                    IActionResult immediate => immediate,
                    _ => throw new InvalidOperationException($"Function {function.Name} returned {returned?.GetType().Name ?? "null"}, not an IActionResult."),
                };
                await result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
            }).WithName(function.Name);

            if (function.Route.Contains("{*", StringComparison.Ordinal))
            {
                endpoint.WithOrder(int.MaxValue);
            }
        }
    }

    private static Func<HttpContext, object?> BinderFor(HttpFunction function, ParameterInfo parameter)
    {
        if (parameter.ParameterType == typeof(HttpRequest))
        {
            return context => context.Request;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return context => context.RequestAborted;
        }

        if (parameter.ParameterType == typeof(DurableTaskClient) && parameter.GetCustomAttribute<DurableClientAttribute>() is not null)
        {
            return context => context.RequestServices.GetRequiredService<DurableTaskClient>();
        }

        if (parameter.ParameterType == typeof(string) && function.Route.Contains($"{{{parameter.Name}}}", StringComparison.Ordinal))
        {
            return context => context.GetRouteValue(parameter.Name!) as string;
        }

        throw new InvalidOperationException(
            $"The local host can't bind parameter '{parameter.Name}' ({parameter.ParameterType.Name}) of function {function.Name}. Extend FunctionEndpoints or change the function.");
    }
}
