using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using RapidStart.Domain.Problems;
using DomainPage = RapidStart.Domain.Customers;

namespace RapidStart.Infrastructure.Storage;

/// <summary>
/// Pages through one index partition per region, regions in the catalog's stable order, as one list.
/// The caller's continuation token is opaque: base64url of <c>{"r":regionIndex,"t":tableToken,"q":scope}</c>,
/// so a page may end in one region and the next start in another, and Azure's own continuation
/// (which can cut a page short at 1,000 entities or 5 seconds) stays inside it. <c>q</c> is a short
/// hash of the list the token belongs to (which partner, which filter): a token carried over to
/// another list is refused rather than silently resuming somewhere arbitrary.
/// </summary>
internal static class RegionPager
{
    private const int MaxTokenLength = 4096;

    public static async Task<DomainPage.Page<T>> ReadAsync<TEntity, T>(
        TableRouter router,
        IReadOnlyList<string> regions,
        string scope,
        Func<string, string> filterForRegion,
        Func<TEntity, T> map,
        string? continuationToken,
        int pageSize,
        CancellationToken cancellationToken)
        where TEntity : class, ITableEntity, new()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var (regionIndex, tableToken) = Decode(continuationToken, regions.Count, scope);
        await router.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);

        var items = new List<T>(Math.Min(pageSize, 1000));
        while (regionIndex < regions.Count && items.Count < pageSize)
        {
            var table = router.For(regions[regionIndex]);
            var want = Math.Min(pageSize - items.Count, 1000);
            var (values, next) = await FirstPageAsync<TEntity>(table, filterForRegion(regions[regionIndex]), tableToken, want, cancellationToken).ConfigureAwait(false);
            items.AddRange(values.Select(map));
            tableToken = next;
            if (string.IsNullOrEmpty(tableToken))
            {
                tableToken = null;
                regionIndex++;
            }
        }

        return new DomainPage.Page<T>(items, regionIndex < regions.Count ? Encode(regionIndex, tableToken, scope) : null);
    }

    public static string Encode(int regionIndex, string? tableToken, string scope)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new Position(regionIndex, tableToken, ScopeHash(scope)), StorageJson.Options);
        return Convert.ToBase64String(json).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Reads a token this class wrote; anything else is the caller's mistake (400), not ours.</summary>
    public static (int RegionIndex, string? TableToken) Decode(string? token, int regionCount, string scope)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (0, null);
        }

        Position? position = null;
        if (token.Length <= MaxTokenLength)
        {
            try
            {
                var base64 = token.Replace('-', '+').Replace('_', '/');
                base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
                position = JsonSerializer.Deserialize<Position>(Convert.FromBase64String(base64), StorageJson.Options);
            }
            catch (Exception e) when (e is FormatException or JsonException or DecoderFallbackException)
            {
                position = null;
            }
        }

        if (position is null
            || position.R < 0
            || position.R >= regionCount
            || position.Q != ScopeHash(scope)
            || (position.T is not null && !IsTableToken(position.T)))
        {
            throw Garbled();
        }

        return (position.R, position.T);
    }

    private static async Task<(IReadOnlyList<TEntity> Values, string? Next)> FirstPageAsync<TEntity>(TableClient table, string filter, string? tableToken, int want, CancellationToken cancellationToken)
        where TEntity : class, ITableEntity, new()
    {
        try
        {
            await foreach (var page in table.QueryAsync<TEntity>(filter, want, cancellationToken: cancellationToken).AsPages(tableToken, want).ConfigureAwait(false))
            {
                return (page.Values, page.ContinuationToken);
            }
        }
        catch (ArgumentException) when (tableToken is not null)
        {
            // The SDK could not parse the table's part of the token.
            throw Garbled();
        }
        catch (RequestFailedException e) when (tableToken is not null && e.Status == 400)
        {
            // The service refused the continuation keys: a token we did not issue.
            throw Garbled();
        }

        return ([], null);
    }

    /// <summary>
    /// The SDK's token is "{NextPartitionKey} {NextRowKey}", each an opaque value the service encodes
    /// (base64 or Azure's "1!n!..." form). Anything else is not one; the service judges the rest.
    /// </summary>
    private static bool IsTableToken(string value)
    {
        var parts = value.Split(' ');
        return parts.Length == 2 && parts.All(p => p.Length is > 0 and <= 1024 && p.All(IsTokenChar));
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '!' or '-' or '_' or '*' or '.';

    private static string ScopeHash(string scope) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(scope)).AsSpan(0, 6)).Replace('+', '-').Replace('/', '_');

    private static ProblemException Garbled() =>
        ProblemException.Invalid("continuationToken", "Not a continuation token from this list; start again without one.");

    /// <summary>The JSON inside the token: short names keep URLs short.</summary>
    private sealed record Position(
        [property: JsonPropertyName("r")] int R,
        [property: JsonPropertyName("t")] string? T,
        [property: JsonPropertyName("q")] string? Q);
}
