using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using RapidStart.Domain.Problems;

namespace RapidStart.Functions.Http;

/// <summary>
/// The browser pages: the partner console and the customer portal page (static HTML, scripts and
/// stylesheets), the activation page's script and stylesheet, and MSAL.js, embedded in this assembly
/// (<c>Http/Console/</c>; MSAL.js from node_modules, see RapidStart.Functions.csproj) and served as
/// they are. The pages sign in with MSAL.js and call this API from the browser with the user's bearer
/// token; they hold no logic the API does not already enforce.
/// </summary>
public sealed class ConsoleFunctions(HttpApi api)
{
    [Function(nameof(ShowConsole))]
    public Task<IActionResult> ShowConsole(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "console")] HttpRequest request) =>
        api.RunAnonymousAsync(request, () => Task.FromResult<IActionResult>(new ConsoleAssetResult(ConsoleAssets.Page)));

    /// <summary>The customer portal page: the users of the customer named by <c>?customerId=</c>, read by its script.</summary>
    [Function(nameof(ShowPortal))]
    public Task<IActionResult> ShowPortal(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "portal")] HttpRequest request) =>
        api.RunAnonymousAsync(request, () => Task.FromResult<IActionResult>(new ConsoleAssetResult(ConsoleAssets.PortalPage)));

    /// <summary>Only the pages' own scripts and stylesheets and MSAL.js; any other name is a 404 problem.</summary>
    [Function(nameof(GetConsoleAsset))]
    public Task<IActionResult> GetConsoleAsset(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "console/{asset}")] HttpRequest request,
        string asset) =>
        api.RunAnonymousAsync(request, () => ConsoleAssets.Served.TryGetValue(asset, out var found)
            ? Task.FromResult<IActionResult>(new ConsoleAssetResult(found))
            : throw ProblemException.NotFound("console asset"));
}

/// <summary>A console file: its bytes and content type.</summary>
public sealed record ConsoleAsset(string Name, string ContentType, byte[] Content);

public static class ConsoleAssets
{
    private const string Html = "text/html; charset=utf-8";
    private const string Script = "text/javascript; charset=utf-8";
    private const string Stylesheet = "text/css; charset=utf-8";

    public static ConsoleAsset Page { get; } = Load("index.html", Html);

    public static ConsoleAsset PortalPage { get; } = Load("portal.html", Html);

    /// <summary>The redirect URI's page (<c>GET /api/auth/redirect</c>).</summary>
    public static ConsoleAsset RedirectPage { get; } = Load("redirect.html", Html);

    public static FrozenDictionary<string, ConsoleAsset> Served { get; } = new[]
    {
        Load("app.js", Script),
        Load("app.css", Stylesheet),
        Load("activation.js", Script),
        Load("activation.css", Stylesheet),
        Load("auth.js", Script),
        Load("portal.js", Script),
        Load("redirect.js", Script),
        Load("msal-browser.min.js", Script),
    }.ToFrozenDictionary(a => a.Name, StringComparer.Ordinal);

    private static ConsoleAsset Load(string name, string contentType)
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var resource = assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith(".Http.Console." + name, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The console file {name} is not embedded: RapidStart.Functions.csproj needs <EmbeddedResource Include=\"Http\\Console\\*\" />.");
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
