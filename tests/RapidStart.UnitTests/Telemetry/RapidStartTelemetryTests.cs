using System.Diagnostics.Metrics;
using RapidStart.Domain.Subscriptions;
using RapidStart.Domain.Telemetry;

namespace RapidStart.UnitTests.Telemetry;

public sealed class RapidStartTelemetryTests
{
    [Fact]
    public void Each_transition_is_counted_with_from_to_region_and_service_but_no_personal_data()
    {
        var measurements = new List<(long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == RapidStartTelemetry.Name && instrument.Name == "rapidstart.lifecycle.transitions")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            lock (measurements)
            {
                measurements.Add((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        });
        listener.Start();
        var key = new SubscriptionKey("eu-west", "eu-west-01m8test0000000000000000", "rapidstart");

        RapidStartTelemetry.RecordTransition(key, new AuditEntry(DateTimeOffset.UnixEpoch, "customer:dana@contoso.example", SubscriptionStatus.InvitationSent, SubscriptionStatus.Active, "accepted"));

        var (value, recorded) = Assert.Single(measurements, m => (string?)m.Tags["rapidstart.to"] == "Active" && (string?)m.Tags["rapidstart.region"] == "eu-west");
        Assert.Equal(1, value);
        Assert.Equal("InvitationSent", recorded["rapidstart.from"]);
        Assert.Equal("rapidstart", recorded["rapidstart.service_id"]);
        Assert.DoesNotContain(recorded.Values, v => v is string text && text.Contains('@'));
    }
}
