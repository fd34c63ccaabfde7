using RapidStart.LocalHost;

var app = LocalHostApp.Build(args);
var url = app.Configuration[$"{LocalHostOptions.SectionName}:Url"] ?? new LocalHostOptions().Url;
app.Lifetime.ApplicationStarted.Register(() =>
{
    Console.WriteLine($"RapidStart local host: {url}/api  (health: {url}/api/health, partner console: {url}/api/console)");
    if (app.Environment.IsDevelopment())
    {
        Console.WriteLine($"Development token: curl -s -X POST {url}/api/dev/token -H 'Content-Type: application/json' -d '{{\"sub\":\"pat@partner.example\",\"roles\":[\"partner\"],\"partnerId\":\"P-1001\"}}'");
    }
});
app.Run();
