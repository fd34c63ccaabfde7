using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Notifications;

namespace RapidStart.Infrastructure.Email;

/// <summary>
/// Sends through Azure Communication Services Email by speaking its REST API directly, because the SDK
/// package is not available to this project. Requests are signed with the resource's access key (HMAC-SHA256
/// as ACS documents it), and carry a repeatability id derived from the idempotency key so ACS itself
/// drops a retried send instead of mailing the user twice.
/// </summary>
public sealed class AzureCommunicationServicesEmailSender : IEmailSender
{
    /// <summary>The named HttpClient this adapter uses, so handlers or resilience can be attached to it.</summary>
    public const string HttpClientName = "RapidStart.Email.AzureCommunicationServices";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private readonly EmailOptions _options;
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AzureCommunicationServicesEmailSender> _logger;

    public AzureCommunicationServicesEmailSender(
        IOptions<EmailOptions> options,
        IHttpClientFactory httpClientFactory,
        TimeProvider timeProvider,
        ILogger<AzureCommunicationServicesEmailSender> logger)
    {
        _options = options.Value;
        _httpClientFactory = httpClientFactory;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);

        var acs = _options.AzureCommunicationServices;
        var endpoint = acs.Endpoint ?? throw new InvalidOperationException(
            $"{EmailOptions.SectionName}:AzureCommunicationServices:Endpoint is not configured.");
        var requestUri = new Uri(
            $"{endpoint.AbsoluteUri.TrimEnd('/')}/emails:send?api-version={Uri.EscapeDataString(acs.ApiVersion)}");

        var body = JsonSerializer.SerializeToUtf8Bytes(
            new SendEmailRequest(
                _options.From,
                new EmailContent(message.Subject, message.PlainText, message.Html),
                new EmailRecipients([new EmailAddress(message.To)])),
            JsonOptions);

        var operationId = EmailIdempotency.Guid(message.IdempotencyKey).ToString();
        var date = _timeProvider.GetUtcNow().ToString("r", CultureInfo.InvariantCulture); // RFC 1123

        using var request = new HttpRequestMessage(HttpMethod.Post, requestUri)
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("Operation-Id", operationId);
        request.Headers.Add("repeatability-request-id", operationId);
        request.Headers.Add("repeatability-first-sent", date);
        Sign(request, requestUri, body, date, acs.AccessKey ?? string.Empty);

        var client = _httpClientFactory.CreateClient(HttpClientName);
        using var response = await client.SendAsync(request, cancellationToken);

        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            _logger.LogInformation(
                "Email accepted by Azure Communication Services with operation {OperationId}", operationId);
            return;
        }

        var errorCode = await ReadErrorCodeAsync(response, cancellationToken);
        _logger.LogWarning(
            "Azure Communication Services refused email operation {OperationId}: HTTP {StatusCode}, error code {ErrorCode}",
            operationId, (int)response.StatusCode, errorCode);
        throw new EmailDeliveryException(
            $"Azure Communication Services refused the email: HTTP {(int)response.StatusCode} ({response.StatusCode}), error code {errorCode ?? "(none)"}.",
            response.StatusCode,
            errorCode);
    }

    /// <summary>
    /// Adds x-ms-date, x-ms-content-sha256 and the HMAC-SHA256 Authorization header. The string to sign is
    /// "VERB\npath?query\ndate;host;contentHash", keyed with the base64-decoded access key.
    /// </summary>
    private static void Sign(HttpRequestMessage request, Uri requestUri, byte[] body, string date, string accessKey)
    {
        var contentHash = Convert.ToBase64String(SHA256.HashData(body));
        var stringToSign = $"{request.Method.Method}\n{requestUri.PathAndQuery}\n{date};{requestUri.Authority};{contentHash}";
        var signature = Convert.ToBase64String(
            HMACSHA256.HashData(Convert.FromBase64String(accessKey), Encoding.UTF8.GetBytes(stringToSign)));

        request.Headers.Add("x-ms-date", date);
        request.Headers.Add("x-ms-content-sha256", contentHash);
        request.Headers.TryAddWithoutValidation(
            "Authorization", $"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}");
    }

    /// <summary>Reads error.code from an ACS error body; null when the body is empty or not that shape.</summary>
    private static async Task<string?> ReadErrorCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("code", out var code)
                && code.ValueKind == JsonValueKind.String
                    ? code.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record SendEmailRequest(string SenderAddress, EmailContent Content, EmailRecipients Recipients);

    private sealed record EmailContent(string Subject, string PlainText, string Html);

    private sealed record EmailRecipients(IReadOnlyList<EmailAddress> To);

    private sealed record EmailAddress(string Address);
}
