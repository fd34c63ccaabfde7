using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RapidStart.Infrastructure.Auth;

namespace RapidStart.Functions.Http;

/// <summary>
/// A JSON (or HTML) response written directly with <see cref="ApiJson.Options"/>, so the body is
/// byte-for-byte the same in Azure Functions and on the local host, whatever formatters each has.
/// </summary>
public sealed class ApiResult(int status, object? body, string contentType = "application/json; charset=utf-8") : IActionResult
{
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public int Status => status;

    public object? Body => body;

    public static ApiResult Ok(object body) => new(StatusCodes.Status200OK, body);

    public static ApiResult Created(object body, string location) => new(StatusCodes.Status201Created, body) { Headers = { ["Location"] = location } };

    public static ApiResult Accepted(object body) => new(StatusCodes.Status202Accepted, body);

    public static ApiResult NoContent() => new(StatusCodes.Status204NoContent, null);

    public static ApiResult Html(int status, string html) => new(status, html, "text/html; charset=utf-8");

    /// <summary>Sets Retry-After in whole seconds, rounded up so a client never retries early.</summary>
    public ApiResult WithRetryAfter(TimeSpan retryAfter)
    {
        Headers["Retry-After"] = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return this;
    }

    public ApiResult WithETag(string etag)
    {
        Headers["ETag"] = etag;
        return this;
    }

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        response.StatusCode = status;
        foreach (var (name, value) in Headers)
        {
            response.Headers[name] = value;
        }

        SecurityHeaders.Apply(response, contentType);
        if (body is null)
        {
            return;
        }

        response.ContentType = contentType;
        if (body is string text)
        {
            await response.WriteAsync(text, context.HttpContext.RequestAborted);
            return;
        }

        await JsonSerializer.SerializeAsync(response.Body, body, body.GetType(), ApiJson.Options, context.HttpContext.RequestAborted);
    }
}

/// <summary>Headers every response carries; HTML pages also get a strict content security policy.</summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Pages load scripts, styles and data from this origin only; no inline script or style (the
    /// pages have none, so an injected one can't run), never framed. MSAL.js in the pages also fetches
    /// the sign-in authority's metadata and tokens: <see cref="PolicyFor"/> adds that one origin.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>The policy of a page that signs in at <paramref name="authority"/> (an https URL): its origin joins <c>connect-src</c>.</summary>
    public static string PolicyFor(string? authority) =>
        Uri.TryCreate(authority, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps
            ? ContentSecurityPolicy.Replace("connect-src 'self'", $"connect-src 'self' {uri.GetLeftPart(UriPartial.Authority)}", StringComparison.Ordinal)
            : ContentSecurityPolicy;

    public static void Apply(HttpResponse response, string contentType)
    {
        response.Headers["X-Content-Type-Options"] = "nosniff";
        response.Headers["Cache-Control"] = "no-store";
        if (contentType.StartsWith("text/html", StringComparison.Ordinal))
        {
            var auth = response.HttpContext.RequestServices?.GetService<IOptions<AuthOptions>>()?.Value;
            response.Headers["Content-Security-Policy"] = PolicyFor(auth?.Authority);
            response.Headers["X-Frame-Options"] = "DENY";
            response.Headers["Referrer-Policy"] = "no-referrer";
        }
    }
}
