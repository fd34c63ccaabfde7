using RapidStart.Functions.Composition;
using RapidStart.Functions.Http;
using RapidStart.Functions.Lifecycle;
using RapidStart.LocalHost.Identity;

namespace RapidStart.LocalHost;

/// <summary>Builds the local host: the Functions app's classes and routes on Kestrel, with a Durable sidecar on Azurite.</summary>
public static class LocalHostApp
{
    /// <param name="configureServices">
    /// Runs right after the RapidStart services are added, so a test can add to them or replace one
    /// (a fault-injecting <c>TableClientOptions</c>, its own <c>IEmailSender</c>).
    /// </param>
    public static WebApplication Build(string[] args, IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ExpirySweepFunction.ScheduleSetting] = ExpirySweepFunction.DefaultSchedule,
            ["RapidStart:Voice:SeedFile"] = Path.Combine(AppContext.BaseDirectory, "voice-sample.json"),
        });
        builder.Configuration.AddEnvironmentVariables();
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var options = builder.Configuration.GetSection(LocalHostOptions.SectionName).Get<LocalHostOptions>() ?? new LocalHostOptions();
        var url = new Uri(options.Url);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Parse(url.Host), url.Port));

        // Development only (it checks): the OpenID Connect provider standing in for Entra ID, and the
        // Auth settings that point the API at it; first, so those settings are there for the rest.
        builder.AddLocalIdentity();
        builder.Services.AddRapidStart(builder.Configuration);

        // Stop the Durable worker, the sidecar and Kestrel together: stopped in sequence, Kestrel
        // would wait out the whole timeout on the worker's open work-item stream.
        builder.Services.Configure<HostOptions>(host =>
        {
            host.ShutdownTimeout = options.ShutdownTimeout;
            host.ServicesStopConcurrently = true;
        });
        configureServices?.Invoke(builder.Services);
        builder.AddDurableSidecar(options);
        builder.Services.AddSingleton<EngineReadiness>();
        builder.Services.AddSingleton<IEngineReadiness>(sp => sp.GetRequiredService<EngineReadiness>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EngineReadiness>());
        if (options.RunTimers)
        {
            builder.Services.AddHostedService<TimerFunctions>();
        }

        var app = builder.Build();
        app.UseProblemsForUnexpectedErrors();
        app.UseRouting();
        app.UseLocalIdentity();
        app.MapDurableSidecar(options);
        app.MapFunctions();
        return app;
    }
}
