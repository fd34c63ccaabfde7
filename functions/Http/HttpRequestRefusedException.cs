namespace RapidStart.Functions.Http;

/// <summary>
/// A refusal of the HTTP request itself (its media type, its size), before anything reaches the
/// domain; <see cref="HttpApi"/> answers it as a problem with <see cref="Status"/>. The domain's own
/// refusals are <see cref="Domain.Problems.ProblemException"/>s and know nothing of HTTP.
/// </summary>
public sealed class HttpRequestRefusedException(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;
}
