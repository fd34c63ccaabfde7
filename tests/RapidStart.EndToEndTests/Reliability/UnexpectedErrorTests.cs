using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using RapidStart.Domain.Voice;
using RapidStart.Functions.Http;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>The local host with a VOICE port that throws what no code expects (a bug), and the host's error log captured.</summary>
public sealed class BrokenVoiceHost : LocalHostFixture
{
    public const string Secret = "connection string of the VOICE backend: secret-42";

    public ConcurrentQueue<(string Category, LogLevel Level, string Message, Exception? Exception)> Errors { get; } = new();

    protected override string NamePrefix => "bug";

    protected override void ConfigureHostServices(IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<IVoiceDirectory, ThrowingVoiceDirectory>());
        services.AddSingleton<ILoggerProvider>(new CapturingLoggerProvider(Errors));
    }

    private sealed class ThrowingVoiceDirectory : IVoiceDirectory
    {
        public Task<VoiceAccount?> FindAsync(string partnerId, string accountNumber, CancellationToken cancellationToken) =>
            throw new InvalidOperationException(Secret);

        public Task<IReadOnlyList<VoiceAccount>> ListAsync(string partnerId, CancellationToken cancellationToken) =>
            throw new InvalidOperationException(Secret);
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<(string, LogLevel, string, Exception?)> errors) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, errors);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel, string, Exception?)> errors) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    errors.Enqueue((category, logLevel, formatter(state, exception), exception));
                }
            }
        }
    }
}

/// <summary>A bug is still a problem response: 500, problem+json, a trace ID, nothing of the exception; and it is logged with that trace.</summary>
public sealed class UnexpectedErrorTests(BrokenVoiceHost host) : IClassFixture<BrokenVoiceHost>
{
    [Theory]
    [InlineData("/api/voice/accounts?name=northwind")]
    [InlineData("/api/voice/accounts/V-100201")]
    public async Task An_unhandled_exception_answers_a_500_problem_with_a_trace_id_and_no_exception_text(string url)
    {
        var partner = await host.PartnerAsync();

        var response = await partner.GetAsync(url);

        var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.InternalServerError);
        var body = problem.GetRawText();
        Assert.DoesNotContain("secret", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(nameof(InvalidOperationException), body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        var traceId = problem.GetProperty("traceId").GetString();
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        Assert.Contains(traceId!, problem.GetProperty("detail").GetString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());

        var logged = host.Errors.Where(e => e.Category == typeof(UnexpectedErrorMiddleware).FullName && e.Message.Contains(traceId!, StringComparison.Ordinal)).ToArray();
        var entry = Assert.Single(logged);
        Assert.Equal(BrokenVoiceHost.Secret, entry.Exception?.Message);
        Assert.Contains(url.Split('?')[0], entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_keep_their_own_status_and_carry_the_trace_id_too()
    {
        var response = await host.Http.GetAsync("/api/customers");

        var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("traceId").GetString());
    }
}
