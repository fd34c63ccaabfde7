using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Notifications;

namespace RapidStart.Infrastructure.Email;

/// <summary>
/// Sends through any SMTP relay so the app is not tied to one email vendor. SMTP itself cannot deduplicate,
/// so the Message-Id is derived from the idempotency key: a retried send carries the same Message-Id and
/// receiving systems that honour it drop the copy.
/// </summary>
public sealed class SmtpEmailSender : IEmailSender
{
    private readonly EmailOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<SmtpEmailSender> _logger;

    public SmtpEmailSender(IOptions<EmailOptions> options, TimeProvider timeProvider, ILogger<SmtpEmailSender> logger)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);

        var smtp = _options.Smtp;
        var host = smtp.Host ?? throw new InvalidOperationException(
            $"{EmailOptions.SectionName}:Smtp:Host is not configured.");
        var mime = EmailMimeBuilder.Build(message, _options, _timeProvider.GetUtcNow());

        // A client per send: MailKit's SmtpClient is not thread-safe, and emails here are rare enough
        // that a pooled connection is not worth its reconnect logic.
        using var client = new SmtpClient();
        var security = smtp.UseStartTls ? SecureSocketOptions.StartTlsWhenAvailable : SecureSocketOptions.None;
        await client.ConnectAsync(host, smtp.Port, security, cancellationToken);

        if (!string.IsNullOrEmpty(smtp.UserName))
        {
            await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? string.Empty, cancellationToken);
        }

        await client.SendAsync(mime, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);

        _logger.LogInformation(
            "Email {MessageId} sent via SMTP relay {SmtpHost}:{SmtpPort}",
            mime.MessageId, host, smtp.Port);
    }
}
