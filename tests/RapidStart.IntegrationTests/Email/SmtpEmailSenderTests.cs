using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using RapidStart.Infrastructure.Email;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace RapidStart.IntegrationTests.Email;

public sealed class SmtpEmailSenderTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2025, 6, 7, 8, 9, 10, TimeSpan.Zero);

    private readonly CapturingSmtpServer _server = new();

    public Task InitializeAsync() => _server.StartAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    private SmtpEmailSender CreateSender(string? userName = null, string? password = null) =>
        new(
            Options.Create(new EmailOptions
            {
                Provider = EmailProvider.Smtp,
                From = "team@rapidstart.test",
                Smtp = new SmtpEmailOptions
                {
                    Host = "127.0.0.1",
                    Port = _server.Port,
                    UseStartTls = false,
                    UserName = userName,
                    Password = password,
                },
            }),
            new FakeTimeProvider(Now),
            NullLogger<SmtpEmailSender>.Instance);

    [Fact]
    public async Task Delivers_both_parts_to_the_recipient_with_a_deterministic_message_id()
    {
        var email = EmailTestSupport.Message("signin:grace:1", to: "grace@example.com");

        await CreateSender().SendAsync(email, CancellationToken.None);

        var captured = Assert.Single(_server.Messages);
        Assert.Equal(["grace@example.com"], captured.EnvelopeRecipients);
        Assert.Equal("team@rapidstart.test", captured.EnvelopeFrom);

        var message = captured.Message;
        Assert.Equal("grace@example.com", Assert.IsType<MailboxAddress>(Assert.Single(message.To)).Address);
        Assert.Equal(email.Subject, message.Subject);
        Assert.Equal(Now, message.Date);
        Assert.Equal(EmailTestSupport.ExpectedHash("signin:grace:1") + "@rapidstart", message.MessageId);
        Assert.Equal($"<{EmailTestSupport.ExpectedHash("signin:grace:1")}@rapidstart>", message.Headers[HeaderId.MessageId]);

        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        var parts = alternative.OfType<TextPart>().ToDictionary(p => p.ContentType.MimeType, p => p.Text);
        Assert.Equal(email.PlainText, parts["text/plain"].TrimEnd());
        Assert.Equal(email.Html, parts["text/html"].TrimEnd());
    }

    [Fact]
    public async Task Resending_the_same_key_repeats_the_message_id_and_a_new_key_does_not()
    {
        var sender = CreateSender();

        await sender.SendAsync(EmailTestSupport.Message("signin:grace:2"), CancellationToken.None);
        await sender.SendAsync(EmailTestSupport.Message("signin:grace:2"), CancellationToken.None);
        await sender.SendAsync(EmailTestSupport.Message("signin:grace:3"), CancellationToken.None);

        var ids = _server.Messages.Select(m => m.Message.MessageId).ToArray();
        Assert.Equal(3, ids.Length);
        Assert.Equal(ids[0], ids[1]);
        Assert.NotEqual(ids[0], ids[2]);
    }

    [Fact]
    public async Task Does_not_authenticate_when_no_user_name_is_configured()
    {
        await CreateSender().SendAsync(EmailTestSupport.Message("signin:grace:4"), CancellationToken.None);

        Assert.Single(_server.Messages);
        Assert.Empty(_server.Logins);
    }

    [Fact]
    public async Task Authenticates_with_the_configured_credentials_when_a_user_name_is_set()
    {
        await CreateSender("relay-user", "relay-pass").SendAsync(EmailTestSupport.Message("signin:grace:5"), CancellationToken.None);

        Assert.Single(_server.Messages);
        Assert.Equal([("relay-user", "relay-pass")], _server.Logins);
    }

    /// <summary>An in-process SMTP server on a free loopback port that keeps every message it receives.</summary>
    private sealed class CapturingSmtpServer : MessageStore, IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private SmtpServer.SmtpServer? _server;

        public ConcurrentQueue<CapturedMessage> Messages { get; } = new();

        public ConcurrentQueue<(string User, string Password)> Logins { get; } = new();

        public int Port { get; private set; }

        public async Task StartAsync()
        {
            var options = new SmtpServerOptionsBuilder()
                .ServerName("localhost")
                .Endpoint(endpoint => endpoint
                    .Endpoint(new IPEndPoint(IPAddress.Loopback, 0))
                    .AllowUnsecureAuthentication(true)
                    .AuthenticationRequired(false))
                .Build();

            var listeners = new EndpointListenerFactory();
            listeners.EndpointStarted += (_, e) => _port.TrySetResult(((IPEndPoint)e.LocalEndPoint).Port);

            var services = new SmtpServer.ComponentModel.ServiceProvider();
            services.Add(this);
            services.Add(listeners);
            services.Add(new DelegatingUserAuthenticator((user, password) =>
            {
                Logins.Enqueue((user, password));
                return true;
            }));

            _server = new SmtpServer.SmtpServer(options, services);
            _ = _server.StartAsync(_stop.Token);
            Port = await _port.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }

        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            Messages.Enqueue(new CapturedMessage(
                $"{transaction.From.User}@{transaction.From.Host}",
                transaction.To.Select(m => $"{m.User}@{m.Host}").ToArray(),
                message));
            return SmtpResponse.Ok;
        }

        public async ValueTask DisposeAsync()
        {
            if (_server is not null)
            {
                _server.Shutdown();
                await _server.ShutdownTask.WaitAsync(TimeSpan.FromSeconds(10));
            }
            await _stop.CancelAsync();
            _stop.Dispose();
        }
    }

    private sealed record CapturedMessage(string EnvelopeFrom, string[] EnvelopeRecipients, MimeMessage Message);
}
