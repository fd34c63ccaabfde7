using System.Collections.Frozen;

namespace RapidStart.Functions.Http;

/// <summary>
/// The API reference page (<c>GET /api/docs</c>): <c>Http/openapi.json</c> rendered at build time by Redocly
/// (<c>Http/ApiDocs/build.mjs</c>) into a page, its stylesheet and its script, embedded in this assembly
/// and served under the pages' Content Security Policy (nothing inline, nothing from another origin).
/// The stylesheet and script are served with the console's files (<c>/api/console/docs.css</c>, <c>docs.js</c>).
/// </summary>
public static class ApiDocsAssets
{
    private static readonly Lazy<FrozenDictionary<string, ConsoleAsset>> Files = new(() => new[]
    {
        Load("index.html", "text/html; charset=utf-8"),
        Load("docs.css", "text/css; charset=utf-8"),
        Load("docs.js", "text/javascript; charset=utf-8"),
    }.ToFrozenDictionary(a => a.Name, StringComparer.Ordinal));

    private static readonly Lazy<FrozenDictionary<string, ConsoleAsset>> Assets = new(() =>
        Files.Value.Where(f => f.Key != "index.html").ToFrozenDictionary(StringComparer.Ordinal));

    public static ConsoleAsset Page => Files.Value["index.html"];

    /// <summary>The page's stylesheet and script (read on first use: the script is Redoc, about 2 MB).</summary>
    public static FrozenDictionary<string, ConsoleAsset> Served => Assets.Value;

    private static ConsoleAsset Load(string name, string contentType) =>
        ConsoleAssets.LoadEmbedded(".Http.ApiDocs." + name, name, contentType, "its RenderApiDocs target (node_modules from npm ci)");
}
