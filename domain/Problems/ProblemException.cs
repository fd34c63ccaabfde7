namespace RapidStart.Domain.Problems;

/// <summary>What kind of refusal a problem is; the HTTP edge maps each kind to one status code.</summary>
public enum ProblemKind
{
    Invalid,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    Gone,
    PreconditionFailed,
    RuleRefused,
    TooManyRequests,
    Unavailable,
}

/// <summary>Why an activation link no longer works (<see cref="ProblemException.Reason"/> of a 410).</summary>
public static class GoneReasons
{
    public const string Used = "used";
    public const string Withdrawn = "withdrawn";
    public const string Superseded = "superseded";
    public const string Expired = "expired";
    public const string Purged = "purged";
}

/// <summary>
/// A refusal the domain explains to the caller. The domain throws it; the HTTP edge turns it into an
/// RFC 9457 problem. Anything else that escapes is a bug or an outage, never a user error.
/// </summary>
public sealed class ProblemException : Exception
{
    public ProblemException(ProblemKind kind, string title, string detail, IReadOnlyDictionary<string, string[]>? errors = null, TimeSpan? retryAfter = null)
        : base(detail)
    {
        Kind = kind;
        Title = title;
        Errors = errors;
        RetryAfter = retryAfter;
    }

    public ProblemKind Kind { get; }
    public string Title { get; }
    public IReadOnlyDictionary<string, string[]>? Errors { get; }
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// Why, as a stable code a page can explain in the reader's language (<see cref="GoneReasons"/>);
    /// null when the detail says all there is.
    /// </summary>
    public string? Reason { get; private init; }

    public ProblemException Because(string reason) =>
        new(Kind, Title, Message, Errors, RetryAfter) { Reason = reason };

    public static ProblemException Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(ProblemKind.Invalid, "The request is not valid.", "One or more fields are not valid; see errors.", errors);

    public static ProblemException Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemException Malformed(string detail) =>
        new(ProblemKind.Invalid, "The request is malformed.", detail);

    public static ProblemException NotFound(string what) =>
        new(ProblemKind.NotFound, "Not found.", $"No {what} was found with that identifier.");

    public static ProblemException Conflict(string detail) => new(ProblemKind.Conflict, "Conflict.", detail);

    public static ProblemException Gone(string detail) => new(ProblemKind.Gone, "Gone.", detail);

    public static ProblemException Forbidden(string detail) => new(ProblemKind.Forbidden, "Forbidden.", detail);

    public static ProblemException RuleRefused(string title, string detail) => new(ProblemKind.RuleRefused, title, detail);

    public static ProblemException PreconditionFailed() =>
        new(ProblemKind.PreconditionFailed, "Precondition failed.", "The record changed since you read it: the ETag you sent is no longer its ETag. Read it again and retry.");

    public static ProblemException TooManyRequests(string detail, TimeSpan retryAfter) =>
        new(ProblemKind.TooManyRequests, "Too many requests.", detail, retryAfter: retryAfter);
}
