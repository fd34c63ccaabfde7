using RapidStart.LocalHost;
using RapidStart.LocalHost.Identity;

var app = LocalHostApp.Build(args);
var url = app.Configuration[$"{LocalHostOptions.SectionName}:Url"] ?? new LocalHostOptions().Url;
app.Lifetime.ApplicationStarted.Register(() =>
{
    Console.WriteLine($"RapidStart local host: {url}/api  (health: {url}/api/health, partner console: {url}/api/console)");
    if (app.Environment.IsDevelopment())
    {
        var identity = app.Services.GetRequiredService<LocalIdentitySettings>();
        Console.WriteLine($"Local identity provider (stands in for Entra ID): authority {identity.Options.Authority}, client id {identity.ClientId}; sign in as anyone, e.g. agent@p-1001.example (partner), help@rapidstart.example (Support)");
        Console.WriteLine($"  its certificate: {LocalIdentityKeys.PemPathOf(Path.GetFullPath(identity.Options.CertificatePath))} (SPKI SHA-256 {LocalIdentityKeys.SpkiHash(identity.Certificate)})");
        Console.WriteLine($"Development token: curl -s -X POST {url}/api/dev/token -H 'Content-Type: application/json' -d '{{\"sub\":\"pat@partner.example\",\"roles\":[\"partner\"],\"partnerId\":\"P-1001\"}}'");
    }
});
app.Run();
