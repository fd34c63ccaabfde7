using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using RapidStart.Infrastructure.Email;

namespace RapidStart.IntegrationTests.Email;

public sealed class PickupDirectoryEmailSenderTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "rapidstart-pickup-" + Guid.NewGuid().ToString("N"), "nested");
    private readonly ListLogger<PickupDirectoryEmailSender> _logger = new();
    private readonly PickupDirectoryEmailSender _sender;

    public PickupDirectoryEmailSenderTests()
    {
        var options = new EmailOptions { PickupDirectory = _directory, From = "team@rapidstart.test", FromDisplayName = "Team" };
        _sender = new PickupDirectoryEmailSender(Options.Create(options), new FakeTimeProvider(Now), _logger);
    }

    public void Dispose()
    {
        var root = Path.GetDirectoryName(_directory)!;
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Writes_an_eml_that_parses_back_with_both_parts_and_headers()
    {
        var email = EmailTestSupport.Message("signin:ada:1");

        await _sender.SendAsync(email, CancellationToken.None);

        var file = Assert.Single(Directory.GetFiles(_directory));
        Assert.Equal(EmailTestSupport.ExpectedHash("signin:ada:1") + ".eml", Path.GetFileName(file));

        var parsed = await MimeMessage.LoadAsync(file);
        Assert.Equal("ada@example.com", Assert.IsType<MailboxAddress>(Assert.Single(parsed.To)).Address);
        var from = Assert.IsType<MailboxAddress>(Assert.Single(parsed.From));
        Assert.Equal(("Team", "team@rapidstart.test"), (from.Name, from.Address));
        Assert.Equal("Your sign-in link", parsed.Subject);
        Assert.Equal(Now, parsed.Date);
        Assert.Equal(EmailTestSupport.ExpectedHash("signin:ada:1") + "@rapidstart", parsed.MessageId);

        var alternative = Assert.IsType<MultipartAlternative>(parsed.Body);
        var parts = alternative.OfType<TextPart>().ToDictionary(p => p.ContentType.MimeType, p => p.Text);
        Assert.Equal(email.PlainText, parts["text/plain"].TrimEnd());
        Assert.Equal(email.Html, parts["text/html"].TrimEnd());
    }

    [Fact]
    public async Task Logs_the_recipient_subject_path_and_action_link_as_structured_values()
    {
        var email = EmailTestSupport.Message("signin:ada:log");

        await _sender.SendAsync(email, CancellationToken.None);

        var entry = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Information);
        Assert.Equal("Email to {To} '{Subject}' written to {Path}; link {ActionLink}", entry.Properties["{OriginalFormat}"]);
        Assert.Equal(email.To, entry.Properties["To"]);
        Assert.Equal(email.ActionLink, entry.Properties["ActionLink"]);
        Assert.Equal(Assert.Single(Directory.GetFiles(_directory)), entry.Properties["Path"]);
    }

    [Fact]
    public async Task Same_idempotency_key_twice_leaves_one_file_with_the_first_message()
    {
        await _sender.SendAsync(EmailTestSupport.Message("signin:ada:2", subject: "first"), CancellationToken.None);
        await _sender.SendAsync(EmailTestSupport.Message("signin:ada:2", subject: "second"), CancellationToken.None);

        var file = Assert.Single(Directory.GetFiles(_directory));
        Assert.Equal("first", (await MimeMessage.LoadAsync(file)).Subject);
        Assert.Single(_logger.Entries, e => e.Level == LogLevel.Information);
        Assert.Single(_logger.Entries, e => e.Level == LogLevel.Debug && e.Message.Contains("suppressed"));
    }

    [Fact]
    public async Task Different_idempotency_keys_leave_two_files()
    {
        await _sender.SendAsync(EmailTestSupport.Message("signin:ada:3"), CancellationToken.None);
        await _sender.SendAsync(EmailTestSupport.Message("signin:ada:4"), CancellationToken.None);

        var names = Directory.GetFiles(_directory).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(
            new[] { EmailTestSupport.ExpectedHash("signin:ada:3") + ".eml", EmailTestSupport.ExpectedHash("signin:ada:4") + ".eml" }.Order(),
            names);
    }

    [Fact]
    public async Task Concurrent_sends_of_one_key_leave_one_file_and_no_temp_files()
    {
        var sends = Enumerable.Range(0, 8)
            .Select(_ => Task.Run(() => _sender.SendAsync(EmailTestSupport.Message("signin:ada:race"), CancellationToken.None)));

        await Task.WhenAll(sends);

        var file = Assert.Single(Directory.GetFiles(_directory));
        Assert.EndsWith(".eml", file);
    }
}
