using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RapidStart.Domain.Lifecycle;
using RapidStart.Domain.Subscriptions;

namespace RapidStart.Testing;

/// <summary>
/// Counts, per customer, the trial reminders the host did not send because their time had passed:
/// dropped by the activity that ran after the deadline (<see cref="LifecycleTransitions.SendTrialReminderAsync"/>),
/// or skipped by an orchestration that got to it too late (<c>ActivationLifecycle</c>); both log a
/// warning with the subscription as its <c>Subscription</c> value. A busy engine runs timers late; a
/// reminder not sent that way is the product's rule, not a lost mail, and <see cref="ConcurrentLives"/>
/// tells the two apart.
/// </summary>
public sealed class DroppedReminderLog : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, int> _byCustomer = new(StringComparer.Ordinal);

    /// <summary>Adds the log to a host's logging (a local host's <c>configureServices</c>).</summary>
    public void AddTo(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(this);

    public int For(string customerId) => _byCustomer.GetValueOrDefault(customerId);

    public int Total => _byCustomer.Values.Sum();

    public ILogger CreateLogger(string categoryName) =>
        categoryName == typeof(LifecycleTransitions).FullName || categoryName == nameof(Functions.Lifecycle.ActivationLifecycle)
            ? new Listener(this)
            : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Listener(DroppedReminderLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel < LogLevel.Warning || state is not IReadOnlyList<KeyValuePair<string, object?>> values
                || !values.Any(v => v.Key == "{OriginalFormat}" && v.Value is string format && format.StartsWith("Trial reminder for {Subscription} ", StringComparison.Ordinal)
                    && (format.Contains(" dropped", StringComparison.Ordinal) || format.Contains(" skipped", StringComparison.Ordinal))))
            {
                return;
            }

            if (values.FirstOrDefault(v => v.Key == "Subscription").Value is SubscriptionKey key)
            {
                log._byCustomer.AddOrUpdate(key.CustomerId, 1, (_, n) => n + 1);
            }
        }
    }
}
