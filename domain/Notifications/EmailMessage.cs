namespace RapidStart.Domain.Notifications;

/// <summary>
/// One email, already composed. <see cref="IdempotencyKey"/> is stable across retries of the same
/// logical send, so an adapter that can deduplicate (pickup folder, ACS Operation-Id) sends it once.
/// <see cref="Kind"/> says which lifecycle message it is (<see cref="NotificationKinds"/>) in every
/// language, so filters and tests need not read a translated subject.
/// </summary>
public sealed record EmailMessage(
    string To,
    string Subject,
    string PlainText,
    string Html,
    string IdempotencyKey,
    Uri? ActionLink = null,
    string? Kind = null);

/// <summary>The lifecycle's messages; the MIME header <c>X-RapidStart-Notification</c> carries one.</summary>
public static class NotificationKinds
{
    public const string Header = "X-RapidStart-Notification";
    public const string Invitation = "invitation";
    public const string TrialReminder = "trial-reminder";
    public const string Inactivated = "inactivated";
    public const string Purged = "purged";
}
