namespace RapidStart.Domain.Notifications;

/// <summary>
/// One email, already composed. <see cref="IdempotencyKey"/> is stable across retries of the same
/// logical send, so an adapter that can deduplicate (pickup folder, ACS Operation-Id) sends it once.
/// </summary>
public sealed record EmailMessage(
    string To,
    string Subject,
    string PlainText,
    string Html,
    string IdempotencyKey,
    Uri? ActionLink = null);
