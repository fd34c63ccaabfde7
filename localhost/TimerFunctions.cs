using System.Reflection;
using Cronos;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using RapidStart.Functions;

namespace RapidStart.LocalHost;

/// <summary>
/// Runs the Functions app's <c>[TimerTrigger]</c> functions on their NCRONTAB schedules (with
/// seconds, as in Azure Functions), resolving <c>%setting%</c> from configuration like the host does.
/// </summary>
public sealed class TimerFunctions(IServiceProvider services, IConfiguration configuration, TimeProvider clock, ILogger<TimerFunctions> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var timers = FunctionCatalog.Triggered<TimerTriggerAttribute>()
            .Select(x => RunAsync(x.Function.Name, x.Function.Method, ResolveSchedule(x.Trigger.Schedule), stoppingToken));
        return Task.WhenAll(timers);
    }

    private CronExpression ResolveSchedule(string schedule)
    {
        var expression = schedule.StartsWith('%') && schedule.EndsWith('%')
            ? configuration[schedule.Trim('%')] ?? throw new InvalidOperationException($"App setting {schedule.Trim('%')} (the timer schedule) is not set.")
            : schedule;
        return CronExpression.Parse(expression, CronFormat.IncludeSeconds);
    }

    private async Task RunAsync(string name, MethodInfo method, CronExpression schedule, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            var next = schedule.GetNextOccurrence(now.UtcDateTime) ?? DateTime.MaxValue;
            await Task.Delay(next - now.UtcDateTime, clock, stoppingToken);
            try
            {
                var target = method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, method.DeclaringType!);
                var arguments = method.GetParameters().Select(p =>
                    p.ParameterType == typeof(CancellationToken) ? stoppingToken
                    : p.ParameterType == typeof(DurableTaskClient) ? services.GetRequiredService<DurableTaskClient>()
                    : (object?)new TimerInfo()).ToArray();
                await (Task)method.Invoke(target, arguments)!;
                logger.LogInformation("Timer function {Function} ran", name);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Timer function {Function} failed; it runs again on its next schedule", name);
            }
        }
    }
}
