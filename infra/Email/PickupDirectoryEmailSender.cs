using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Notifications;

namespace RapidStart.Infrastructure.Email;

/// <summary>
/// Local stand-in for a mail server: each email becomes an .eml file any mail client can open, so sign-in
/// links and templates can be exercised on a developer machine with no relay and no secrets. The file is
/// named after the idempotency key, which makes a retried send a no-op just like the real providers.
/// </summary>
public sealed class PickupDirectoryEmailSender : IEmailSender
{
    private readonly EmailOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<PickupDirectoryEmailSender> _logger;

    public PickupDirectoryEmailSender(
        IOptions<EmailOptions> options,
        TimeProvider timeProvider,
        ILogger<PickupDirectoryEmailSender> logger)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);

        var directory = Path.GetFullPath(_options.PickupDirectory);
        Directory.CreateDirectory(directory);

        var path = Path.Combine(directory, EmailIdempotency.Hash(message.IdempotencyKey) + ".eml");
        if (File.Exists(path))
        {
            LogDuplicate(message, path);
            return;
        }

        var mime = EmailMimeBuilder.Build(message, _options, _timeProvider.GetUtcNow());

        // Write next to the target and move into place, so a reader (or a crash) never sees half a file.
        var tempPath = Path.Combine(directory, $"{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await mime.WriteToAsync(tempPath, cancellationToken);
            File.Move(tempPath, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // A concurrent send of the same key won the race; theirs is the same email.
            LogDuplicate(message, path);
            return;
        }
        finally
        {
            File.Delete(tempPath); // no-op once moved
        }

        _logger.LogInformation(
            "Email to {To} '{Subject}' written to {Path}; link {ActionLink}",
            message.To, message.Subject, path, message.ActionLink);
    }

    private void LogDuplicate(EmailMessage message, string path) =>
        _logger.LogDebug(
            "Duplicate email for idempotency key {IdempotencyKey} suppressed; {Path} already exists",
            message.IdempotencyKey, path);
}
