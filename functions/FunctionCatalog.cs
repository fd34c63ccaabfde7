using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace RapidStart.Functions;

/// <summary>One <c>[Function]</c> method of the app: its name, the method, and its trigger parameter and attribute.</summary>
public sealed record FunctionMethod(string Name, MethodInfo Method, ParameterInfo TriggerParameter, TriggerBindingAttribute Trigger);

/// <summary>
/// Every <c>[Function]</c> method of the app, read once from the attributes the Functions host reads.
/// The local host serves the app from here (HTTP routes, timers, orchestrations and activities), and
/// the catch-all route uses the HTTP ones to tell "wrong method" (405) from "no such route" (404).
/// </summary>
public static class FunctionCatalog
{
    public static IReadOnlyList<FunctionMethod> All { get; } = Discover();

    /// <summary>The functions with a trigger of type <typeparamref name="T"/>, with that trigger.</summary>
    public static IEnumerable<(FunctionMethod Function, T Trigger)> Triggered<T>()
        where T : TriggerBindingAttribute =>
        All.Where(f => f.Trigger is T).Select(f => (f, (T)f.Trigger));

    private static IReadOnlyList<FunctionMethod> Discover() =>
        typeof(FunctionCatalog).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            .Select(method => (Method: method, Function: method.GetCustomAttribute<FunctionAttribute>()))
            .Where(x => x.Function is not null)
            .Select(x =>
            {
                var trigger = x.Method.GetParameters()
                    .Select(p => (Parameter: p, Attribute: p.GetCustomAttribute<TriggerBindingAttribute>()))
                    .Single(p => p.Attribute is not null);
                return new FunctionMethod(x.Function!.Name, x.Method, trigger.Parameter, trigger.Attribute!);
            })
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToArray();
}
