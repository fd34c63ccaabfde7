using RapidStart.LocalHost;

var app = LocalHostApp.Build(args);
var options = app.Configuration.GetSection(LocalHostOptions.SectionName).Get<LocalHostOptions>() ?? new LocalHostOptions();
var url = options.Url;
app.Lifetime.ApplicationStarted.Register(() =>
{
    Console.WriteLine($"RapidStart local host: {url}/api  (health: {url}/api/health, partner console: {url}/api/console, API reference: {url}/api/docs)");
    if (options.DashboardUrl is { Length: > 0 } dashboard)
    {
        Console.WriteLine($"Telemetry (traces, logs, metrics): Aspire dashboard on {dashboard}");
    }

    if (app.Environment.IsDevelopment())
    {
        Console.WriteLine($"Development token: curl -s -X POST {url}/api/dev/token -H 'Content-Type: application/json' -d '{{\"sub\":\"pat@partner.example\",\"roles\":[\"partner\"],\"partnerId\":\"P-1001\"}}'");
    }
});
app.Run();
