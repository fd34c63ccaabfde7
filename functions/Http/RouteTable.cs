using System.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;

namespace RapidStart.Functions.Http;

/// <summary>One HTTP function: its name, route template (without the <c>api/</c> prefix), methods and method.</summary>
public sealed record HttpFunction(string Name, string Route, IReadOnlyList<string> Methods, MethodInfo Method);

/// <summary>
/// The HTTP functions of this assembly, read from their attributes: the local host maps them from
/// here, and the catch-all uses it to tell "wrong method" (405) from "no such route" (404).
/// </summary>
public static class RouteTable
{
    public const string RoutePrefix = "api";

    public static IReadOnlyList<HttpFunction> All { get; } = Discover();

    public static IReadOnlyList<string> AllowedMethods(string path)
    {
        var relative = path.StartsWith("/" + RoutePrefix, StringComparison.OrdinalIgnoreCase) ? path[(RoutePrefix.Length + 1)..] : path;
        var methods = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var function in All.Where(f => !f.Route.StartsWith("{*", StringComparison.Ordinal)))
        {
            var matcher = new TemplateMatcher(TemplateParser.Parse(function.Route), new RouteValueDictionary());
            if (matcher.TryMatch(relative, new RouteValueDictionary()))
            {
                methods.UnionWith(function.Methods);
            }
        }

        return methods.ToArray();
    }

    private static IReadOnlyList<HttpFunction> Discover() =>
        FunctionCatalog.Triggered<HttpTriggerAttribute>()
            .Select(x => new HttpFunction(
                x.Function.Name,
                x.Trigger.Route ?? x.Function.Name,
                (x.Trigger.Methods ?? ["get", "post", "put", "patch", "delete"]).Select(m => m.ToUpperInvariant()).ToArray(),
                x.Function.Method))
            .ToArray();
}
