using System.Net;
using System.Net.Sockets;

namespace RapidStart.EndToEndTests.Reliability;

/// <summary>
/// An "SMTP relay" that accepts connections and then says nothing, so an SMTP client waits for the
/// greeting (MailKit's default timeout is two minutes): the send is in flight for as long as a test
/// needs to kill the process that makes it.
/// </summary>
public sealed class StallingSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> _held = [];
    private readonly TaskCompletionSource _firstConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public StallingSmtpServer()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections { get; private set; }

    /// <summary>Completes when the first client connected: an email send is now under way.</summary>
    public Task WaitForConnectionAsync(TimeSpan timeout) => _firstConnection.Task.WaitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        lock (_held)
        {
            foreach (var client in _held)
            {
                client.Dispose();
            }
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            lock (_held)
            {
                _held.Add(client);
                Connections++;
            }

            _firstConnection.TrySetResult();
        }
    }
}
