using RapidStart.Domain.Callers;
using RapidStart.Domain.Problems;
using RapidStart.Domain.Validation;

namespace RapidStart.Domain.Voice;

/// <summary>The partner's view of VOICE: look-up by number and search by name, own accounts only.</summary>
public sealed class VoiceService(IVoiceDirectory directory)
{
    public const int MaxSearchResults = 20;
    public const int MaxSearchTermLength = 100;

    public async Task<VoiceAccount> GetAsync(Caller caller, string accountNumber, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var number = errors.VoiceAccountNumber("accountNumber", accountNumber, required: true);
        if (errors.Any)
        {
            // A malformed number can't be anyone's account: answer as for any unknown number.
            throw ProblemException.NotFound("VOICE account");
        }

        return await directory.FindAsync(caller.PartnerId!, number!, cancellationToken)
            ?? throw ProblemException.NotFound("VOICE account");
    }

    public async Task<IReadOnlyList<VoiceAccount>> SearchAsync(Caller caller, string? term, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var normalized = errors.Text("name", term, MaxSearchTermLength, required: true);
        errors.ThrowIfAny();

        var accounts = await directory.ListAsync(caller.PartnerId!, cancellationToken);
        return VoiceNameMatcher.Rank(normalized!, accounts, a => a.Name, MaxSearchResults);
    }
}
