using MimeKit;
using RapidStart.Domain.Notifications;

namespace RapidStart.Infrastructure.Email;

/// <summary>
/// The one place an <see cref="EmailMessage"/> becomes a MIME message, so the .eml a developer opens
/// locally is byte-for-byte the shape the SMTP relay receives in production.
/// </summary>
internal static class EmailMimeBuilder
{
    public static MimeMessage Build(EmailMessage message, EmailOptions options, DateTimeOffset date)
    {
        var body = new BodyBuilder
        {
            TextBody = message.PlainText,
            HtmlBody = message.Html,
        };

        var mime = new MimeMessage
        {
            Subject = message.Subject,
            Date = date,
            MessageId = EmailIdempotency.MessageId(message.IdempotencyKey),
            Body = body.ToMessageBody(), // text + html => multipart/alternative
        };
        mime.From.Add(new MailboxAddress(options.FromDisplayName, options.From));
        mime.To.Add(MailboxAddress.Parse(message.To));
        if (message.Kind is { } kind)
        {
            mime.Headers.Add(NotificationKinds.Header, kind);
        }

        return mime;
    }
}
