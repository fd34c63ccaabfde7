using RapidStart.Domain.Customers;

namespace RapidStart.Domain.Voice;

/// <summary>An account in VOICE, the partner CRM that owns account numbers and the partner of record.</summary>
public sealed record VoiceAccount(string AccountNumber, string PartnerOfRecord, string Name, Address Address);

/// <summary>
/// The port to VOICE. Every read is scoped to one partner of record: a partner never learns whether
/// another partner's account exists.
/// </summary>
public interface IVoiceDirectory
{
    Task<VoiceAccount?> FindAsync(string partnerId, string accountNumber, CancellationToken cancellationToken);

    Task<IReadOnlyList<VoiceAccount>> ListAsync(string partnerId, CancellationToken cancellationToken);
}
