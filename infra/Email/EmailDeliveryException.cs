using System.Net;

namespace RapidStart.Infrastructure.Email;

/// <summary>
/// Raised when the email service answered but refused the message, carrying the status and the service's
/// error code so callers (and their retry policies) can tell a bad recipient from a throttled or broken
/// service. It never carries credentials.
/// </summary>
public sealed class EmailDeliveryException : Exception
{
    public EmailDeliveryException(string message, HttpStatusCode? statusCode = null, string? errorCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    /// <summary>The HTTP status the service answered with, when the transport is HTTP.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The service's own error code (e.g. "InvalidRecipient"), when its response had one.</summary>
    public string? ErrorCode { get; }
}
