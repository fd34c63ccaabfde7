using System.Text.RegularExpressions;

namespace RapidStart.EndToEndTests;

/// <summary>Reads the .eml files the local email adapter writes, as the invited administrator would read their mail.</summary>
public static partial class Mailbox
{
    /// <summary>Every activation token mailed for the customer, oldest first, waiting until at least <paramref name="count"/> exist.</summary>
    public static async Task<IReadOnlyList<string>> ActivationTokensAsync(string directory, string customerId, int count = 1, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var tokens = Directory.Exists(directory)
                ? Directory.GetFiles(directory, "*.eml")
                    .Select(f => (File: f, Text: File.ReadAllText(f)))
                    .OrderBy(f => File.GetLastWriteTimeUtc(f.File))
                    .SelectMany(f => Link().Matches(f.Text).Select(m => Uri.UnescapeDataString(m.Groups[1].Value)).Distinct())
                    .Where(t => t.StartsWith(customerId + ".", StringComparison.Ordinal))
                    .Distinct()
                    .ToList()
                : [];
            if (tokens.Count >= count || DateTime.UtcNow > deadline)
            {
                Assert.True(tokens.Count >= count, $"Expected {count} activation email(s) for {customerId}, found {tokens.Count}.");
                return tokens;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Subjects of every message sent to the address.</summary>
    public static IReadOnlyList<string> SubjectsTo(string directory, string address) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.eml")
                .Select(path => MimeKit.MimeMessage.Load(path))
                .Where(message => message.To.Mailboxes.Any(m => string.Equals(m.Address, address, StringComparison.OrdinalIgnoreCase)))
                .Select(message => message.Subject ?? "")
                .ToList()
            : [];

    [GeneratedRegex(@"activate\?token=([A-Za-z0-9._~%-]+)")]
    private static partial Regex Link();

}
