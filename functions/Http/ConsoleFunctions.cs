using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using RapidStart.Domain.Problems;

namespace RapidStart.Functions.Http;

/// <summary>
/// The partner console (one HTML page, one script, one stylesheet), the activation page's script and
/// stylesheet and the API reference page, embedded in this assembly
/// (<c>Http/Console/</c>) and served as they are, with no build step. The page calls this API from the
/// browser with the partner's bearer token; it holds no logic the API does not already enforce.
/// </summary>
public sealed class ConsoleFunctions(HttpApi api)
{
    [Function(nameof(ShowConsole))]
    public Task<IActionResult> ShowConsole(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "console")] HttpRequest request) =>
        api.RunAnonymousAsync(request, () => Task.FromResult<IActionResult>(new ConsoleAssetResult(ConsoleAssets.Page)));

    /// <summary>The API reference page (<see cref="ApiDocsAssets"/>): openapi.json rendered at build time.</summary>
    [Function(nameof(ShowApiDocs))]
    public Task<IActionResult> ShowApiDocs(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs")] HttpRequest request) =>
        api.RunAnonymousAsync(request, () => Task.FromResult<IActionResult>(new ConsoleAssetResult(ApiDocsAssets.Page)));

    /// <summary>Only the console's own scripts and stylesheets (and the API reference page's); any other name is a 404 problem.</summary>
    [Function(nameof(GetConsoleAsset))]
    public Task<IActionResult> GetConsoleAsset(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "console/{asset}")] HttpRequest request,
        string asset) =>
        api.RunAnonymousAsync(request, () => ConsoleAssets.Served.TryGetValue(asset, out var found) || ApiDocsAssets.Served.TryGetValue(asset, out found)
            ? Task.FromResult<IActionResult>(new ConsoleAssetResult(found))
            : throw ProblemException.NotFound("console asset"));
}

/// <summary>A console file: its bytes and content type.</summary>
public sealed record ConsoleAsset(string Name, string ContentType, byte[] Content);

public static class ConsoleAssets
{
    public static ConsoleAsset Page { get; } = Load("index.html", "text/html; charset=utf-8");

    public static FrozenDictionary<string, ConsoleAsset> Served { get; } = new[]
    {
        Load("app.js", "text/javascript; charset=utf-8"),
        Load("app.css", "text/css; charset=utf-8"),
        Load("activation.js", "text/javascript; charset=utf-8"),
        Load("activation.css", "text/css; charset=utf-8"),
    }.ToFrozenDictionary(a => a.Name, StringComparer.Ordinal);

    private static ConsoleAsset Load(string name, string contentType) =>
        LoadEmbedded(".Http.Console." + name, name, contentType, "<EmbeddedResource Include=\"Http\\Console\\*\" />");

    /// <summary>An embedded file whose resource name ends with <paramref name="suffix"/>; <paramref name="howToEmbed"/> says what the project needs if it is not there.</summary>
    public static ConsoleAsset LoadEmbedded(string suffix, string name, string contentType, string howToEmbed)
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var resource = assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith(suffix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The file {name} is not embedded: RapidStart.Functions.csproj needs {howToEmbed}.");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return new ConsoleAsset(name, contentType, buffer.ToArray());
    }
}

/// <summary>Writes a console file with the headers every response carries.</summary>
public sealed class ConsoleAssetResult(ConsoleAsset asset) : IActionResult
{
    public async Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        SecurityHeaders.Apply(response, asset.ContentType);

        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        await response.Body.WriteAsync(asset.Content, context.HttpContext.RequestAborted);
    }
}
