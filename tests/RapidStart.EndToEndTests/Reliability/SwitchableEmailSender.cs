using RapidStart.Domain.Notifications;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>
/// The email port for outage tests: passes mail on to the host's own adapter (the pickup folder)
/// until told to fail, then throws for the messages a predicate picks, until healed.
/// </summary>
public sealed class SwitchableEmailSender : IEmailSender
{
    private Func<EmailMessage, bool>? _failWhen;
    private int _failures;

    /// <summary>The adapter mail goes to while healthy; set when the host builds its services.</summary>
    public IEmailSender? Inner { get; set; }

    public int Failures => Volatile.Read(ref _failures);

    public void FailAll() => _failWhen = _ => true;

    public void FailWhen(Func<EmailMessage, bool> predicate) => _failWhen = predicate;

    public void Heal() => _failWhen = null;

    public Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        if (_failWhen is { } fail && fail(message))
        {
            Interlocked.Increment(ref _failures);
            throw new InvalidOperationException($"Injected email outage: '{message.Subject}' to {message.To} was not sent.");
        }

        return (Inner ?? throw new InvalidOperationException("No inner email sender.")).SendAsync(message, cancellationToken);
    }
}
