using System.Net;
using System.Net.Sockets;

namespace RapidStart.Testing;

/// <summary>Loopback TCP ports: a free one, and waiting for one to open or close.</summary>
public static class LoopbackPorts
{
    /// <summary>A port nothing listens on right now (another process could still take it before the caller binds).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Whether something accepts connections on the port.</summary>
    public static async Task<bool> IsOpenAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Polls until the port accepts connections (<paramref name="listening"/>) or refuses them; false
    /// when <paramref name="timeout"/> runs out first. <paramref name="check"/> runs before each try and
    /// may throw to stop early (say, when the process that should listen has exited).
    /// </summary>
    public static async Task<bool> WaitAsync(int port, bool listening, TimeSpan timeout, Action? check = null) =>
        (await Polling.UntilAsync(
            () =>
            {
                check?.Invoke();
                return IsOpenAsync(port);
            },
            open => open == listening,
            timeout,
            TimeSpan.FromMilliseconds(100))).Done;
}
