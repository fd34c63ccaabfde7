using System.Net.Sockets;
using Azure;

namespace RapidStart.Infrastructure.Storage;

/// <summary>Tells an outage (retry later: 503) from a bug, without the HTTP edge knowing Azure types.</summary>
public static class StorageFaults
{
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        RequestFailedException failed => failed.Status is 0 or 408 or >= 500,
        HttpRequestException or SocketException or TimeoutException or IOException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsUnavailable),
        _ => exception.InnerException is { } inner && IsUnavailable(inner),
    };
}
