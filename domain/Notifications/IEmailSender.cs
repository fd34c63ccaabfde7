namespace RapidStart.Domain.Notifications;

/// <summary>The port every email leaves through; adapters live in infra.</summary>
public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken);
}
