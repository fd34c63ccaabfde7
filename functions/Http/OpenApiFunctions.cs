using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace RapidStart.Functions.Http;

/// <summary>
/// The OpenAPI 3.1 document of the whole HTTP contract (api.md plus this implementation's
/// extensions), written by hand in <c>Http/openapi.json</c> and embedded in the assembly. The end-to-end
/// tests hold it to <see cref="RouteTable"/> and to api.md, so a route or field can't go undocumented.
/// </summary>
public sealed class OpenApiFunctions(HttpApi api)
{
    public const string ResourceSuffix = ".Http.openapi.json";

    private static readonly Lazy<string> Document = new(Load);

    [Function(nameof(GetOpenApiDocument))]
    public Task<IActionResult> GetOpenApiDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        api.RunAnonymousAsync(request, () =>
            Task.FromResult<IActionResult>(new ApiResult(StatusCodes.Status200OK, Document.Value)));

    /// <summary>The document's text, read once from the embedded resource.</summary>
    public static string Text => Document.Value;

    private static string Load()
    {
        var assembly = typeof(OpenApiFunctions).Assembly;
        var name = assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith(ResourceSuffix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The OpenAPI document is not embedded in {assembly.GetName().Name}: add <EmbeddedResource Include=\"Http\\openapi.json\" />.");
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
