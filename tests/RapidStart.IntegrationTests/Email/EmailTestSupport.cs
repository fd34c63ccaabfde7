using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using RapidStart.Domain.Notifications;

namespace RapidStart.IntegrationTests.Email;

/// <summary>Shared bits for the email adapter tests: a sample message and the expected derived ids.</summary>
internal static class EmailTestSupport
{
    public static EmailMessage Message(string idempotencyKey, string subject = "Your sign-in link", string to = "ada@example.com") =>
        new(
            To: to,
            Subject: subject,
            PlainText: "Sign in: https://app.example/verify?t=abc",
            Html: "<p>Sign in: <a href=\"https://app.example/verify?t=abc\">here</a></p>",
            IdempotencyKey: idempotencyKey,
            ActionLink: new Uri("https://app.example/verify?t=abc"));

    /// <summary>Recomputed here on purpose, so the tests pin the derivation rather than reuse the production code.</summary>
    public static string ExpectedHash(string idempotencyKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..32];
}

/// <summary>Records log entries with their structured properties so tests can check level and template values.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public List<(LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Properties)> Entries { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? pairs.ToDictionary(p => p.Key, p => p.Value)
            : new Dictionary<string, object?>();
        lock (Entries)
        {
            Entries.Add((logLevel, formatter(state, exception), properties));
        }
    }
}
