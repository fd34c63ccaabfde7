using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using RapidStart.Domain.Notifications;
using RapidStart.Infrastructure.Email;

namespace RapidStart.IntegrationTests.Email;

public sealed class AzureCommunicationServicesEmailSenderTests : IAsyncLifetime
{
    private static readonly string AccessKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("the-real-test-access-key-32bytes"));
    private static readonly DateTimeOffset Now = new(2025, 9, 10, 11, 12, 13, TimeSpan.Zero);

    private readonly FakeAcsServer _acs = new(AccessKey);

    public Task InitializeAsync() => _acs.StartAsync();

    public Task DisposeAsync() => _acs.DisposeAsync().AsTask();

    private ServiceProvider CreateServices(string accessKey)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["RapidStart:Email:Provider"] = "AzureCommunicationServices",
                ["RapidStart:Email:From"] = "DoNotReply@contoso.test",
                ["RapidStart:Email:AzureCommunicationServices:Endpoint"] = _acs.BaseAddress.ToString(),
                ["RapidStart:Email:AzureCommunicationServices:AccessKey"] = accessKey,
            })
            .Build();

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
        services.AddRapidStartEmail(configuration);
        return services.BuildServiceProvider(validateScopes: true);
    }

    [Fact]
    public async Task Sends_a_signed_request_that_the_service_accepts_with_the_documented_body()
    {
        using var services = CreateServices(AccessKey);
        var sender = services.GetRequiredService<IEmailSender>();
        Assert.IsType<AzureCommunicationServicesEmailSender>(sender);
        var email = EmailTestSupport.Message("signin:linus:1", to: "linus@example.com");

        await sender.SendAsync(email, CancellationToken.None);

        var request = Assert.Single(_acs.Requests);
        Assert.Equal(HttpStatusCode.Accepted, request.AnsweredWith);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/emails:send?api-version=2023-03-31", request.RawTarget);

        using var body = JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        Assert.Equal("DoNotReply@contoso.test", root.GetProperty("senderAddress").GetString());
        Assert.Equal(email.Subject, root.GetProperty("content").GetProperty("subject").GetString());
        Assert.Equal(email.PlainText, root.GetProperty("content").GetProperty("plainText").GetString());
        Assert.Equal(email.Html, root.GetProperty("content").GetProperty("html").GetString());
        var recipient = Assert.Single(root.GetProperty("recipients").GetProperty("to").EnumerateArray());
        Assert.Equal("linus@example.com", recipient.GetProperty("address").GetString());

        Assert.True(Guid.TryParse(request.Headers["Operation-Id"], out _), "Operation-Id must be a GUID");
        Assert.Equal(request.Headers["Operation-Id"], request.Headers["repeatability-request-id"]);
        var rfc1123Now = Now.ToString("r", CultureInfo.InvariantCulture);
        Assert.Equal(rfc1123Now, request.Headers["x-ms-date"]);
        Assert.Equal(rfc1123Now, request.Headers["repeatability-first-sent"]);
        Assert.DoesNotContain(AccessKey, string.Join("\n", request.Headers.Values));
    }

    [Fact]
    public async Task Operation_id_is_stable_for_one_idempotency_key_and_differs_between_keys()
    {
        using var services = CreateServices(AccessKey);
        var sender = services.GetRequiredService<IEmailSender>();

        await sender.SendAsync(EmailTestSupport.Message("signin:linus:2"), CancellationToken.None);
        await sender.SendAsync(EmailTestSupport.Message("signin:linus:2"), CancellationToken.None);
        await sender.SendAsync(EmailTestSupport.Message("signin:linus:3"), CancellationToken.None);

        var ids = _acs.Requests.Select(r => r.Headers["Operation-Id"]).ToArray();
        Assert.Equal(3, ids.Length);
        Assert.Equal(ids[0], ids[1]);
        Assert.NotEqual(ids[0], ids[2]);
    }

    [Fact]
    public async Task A_wrong_access_key_gives_an_EmailDeliveryException_mentioning_401_without_the_key()
    {
        var wrongKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("not-the-key-the-service-knows!!"));
        using var services = CreateServices(wrongKey);
        var sender = services.GetRequiredService<IEmailSender>();

        var error = await Assert.ThrowsAsync<EmailDeliveryException>(
            () => sender.SendAsync(EmailTestSupport.Message("signin:linus:4"), CancellationToken.None));

        Assert.Contains("401", error.Message);
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.DoesNotContain(wrongKey, error.Message);
        Assert.Equal(HttpStatusCode.Unauthorized, Assert.Single(_acs.Requests).AnsweredWith);
    }

    [Fact]
    public async Task A_rejected_recipient_gives_an_EmailDeliveryException_with_the_service_error_code()
    {
        _acs.RespondToValidRequestsWith(HttpStatusCode.BadRequest, """{"error":{"code":"InvalidRecipient","message":"The recipient is not valid."}}""");
        using var services = CreateServices(AccessKey);
        var sender = services.GetRequiredService<IEmailSender>();

        var error = await Assert.ThrowsAsync<EmailDeliveryException>(
            () => sender.SendAsync(EmailTestSupport.Message("signin:linus:5"), CancellationToken.None));

        Assert.Contains("InvalidRecipient", error.Message);
        Assert.Contains("400", error.Message);
        Assert.Equal("InvalidRecipient", error.ErrorCode);
        Assert.DoesNotContain(AccessKey, error.Message);
    }

    /// <summary>
    /// Stands in for ACS: verifies the HMAC-SHA256 signature from the raw request exactly as the service
    /// does, answers 202 when it matches and 401 when it does not, and keeps what it received.
    /// </summary>
    private sealed class FakeAcsServer(string accessKey) : IAsyncDisposable
    {
        private readonly byte[] _key = Convert.FromBase64String(accessKey);
        private WebApplication? _app;
        private (HttpStatusCode Status, string Body)? _answerForValidRequests;

        public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

        public Uri BaseAddress { get; private set; } = null!;

        public void RespondToValidRequestsWith(HttpStatusCode status, string body) => _answerForValidRequests = (status, body);

        public async Task StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            _app = builder.Build();
            _app.Run(HandleAsync);
            await _app.StartAsync();

            var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            BaseAddress = new Uri(address);
        }

        private async Task HandleAsync(HttpContext context)
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);

            var status = SignatureIsValid(context.Request, rawTarget, body) ? HttpStatusCode.Accepted : HttpStatusCode.Unauthorized;
            var responseBody = status == HttpStatusCode.Unauthorized
                ? """{"error":{"code":"Denied","message":"Denied by the resource provider."}}"""
                : """{"id":"accepted","status":"Running"}""";
            if (status == HttpStatusCode.Accepted && _answerForValidRequests is { } answer)
            {
                (status, responseBody) = answer;
            }

            Requests.Enqueue(new ReceivedRequest(context.Request.Method, rawTarget, headers, Encoding.UTF8.GetString(body), status));
            context.Response.StatusCode = (int)status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(responseBody);
        }

        private bool SignatureIsValid(HttpRequest request, string rawTarget, byte[] body)
        {
            var date = request.Headers["x-ms-date"].ToString();
            var host = request.Headers.Host.ToString();
            var contentHash = request.Headers["x-ms-content-sha256"].ToString();
            if (contentHash != Convert.ToBase64String(SHA256.HashData(body)))
            {
                return false;
            }

            var stringToSign = $"{request.Method}\n{rawTarget}\n{date};{host};{contentHash}";
            var signature = Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign)));
            var expected = $"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}";
            return string.Equals(request.Headers.Authorization.ToString(), expected, StringComparison.Ordinal);
        }

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
    }

    private sealed record ReceivedRequest(
        string Method, string RawTarget, IReadOnlyDictionary<string, string> Headers, string Body, HttpStatusCode AnsweredWith);
}
