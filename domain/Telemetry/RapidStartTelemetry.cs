using System.Diagnostics;
using System.Diagnostics.Metrics;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Domain.Telemetry;

/// <summary>
/// The product's own traces and metrics. Tags carry customer and subscription identifiers, never
/// tokens, names or email addresses.
/// </summary>
public static class RapidStartTelemetry
{
    public const string Name = "RapidStart";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Transitions = Meter.CreateCounter<long>(
        "rapidstart.lifecycle.transitions", unit: "{transition}", description: "Subscription lifecycle transitions, by from and to status.");

    /// <summary>Counts one committed transition of a subscription's lifecycle.</summary>
    public static void RecordTransition(SubscriptionKey key, AuditEntry entry)
    {
        Transitions.Add(1,
            new KeyValuePair<string, object?>("rapidstart.from", entry.From?.ToString() ?? "none"),
            new KeyValuePair<string, object?>("rapidstart.to", entry.To.ToString()),
            new KeyValuePair<string, object?>("rapidstart.region", key.Region),
            new KeyValuePair<string, object?>("rapidstart.service_id", key.ServiceId));
        Activity.Current?.AddEvent(new ActivityEvent("lifecycle.transition", tags: new ActivityTagsCollection
        {
            ["rapidstart.customer_id"] = key.CustomerId,
            ["rapidstart.subscription_id"] = key.ToString(),
            ["rapidstart.from"] = entry.From?.ToString(),
            ["rapidstart.to"] = entry.To.ToString(),
        }));
    }
}
