using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using RapidStart.Domain.Callers;
using RapidStart.Domain.Problems;
using RapidStart.Infrastructure.Auth;
using RapidStart.Infrastructure.Storage;

namespace RapidStart.Functions.Http;

/// <summary>Who may call a route.</summary>
public enum Access
{
    /// <summary>Any valid token (customer portal users and the activation POST).</summary>
    Authenticated,
    Partner,
    Support,
}

/// <summary>
/// What every HTTP function does around its domain call: authenticate, authorize by role, read the
/// JSON body within limits, and turn every refusal into a problem response. Functions stay thin.
/// </summary>
public sealed class HttpApi(CallerResolver callers, ILogger<HttpApi> logger)
{
    public async Task<IActionResult> RunAsync(HttpRequest request, Access access, Func<Caller, Task<IActionResult>> action)
    {
        return await GuardAsync(request, async () =>
        {
            var caller = await callers.ResolveAsync(request.Headers.Authorization.ToString(), request.HttpContext.RequestAborted);
            if (caller is null)
            {
                return Problems.Unauthenticated(request);
            }

            var allowed = access switch
            {
                Access.Partner => caller.IsPartner,
                Access.Support => caller.IsSupport,
                _ => true,
            };
            TagTrace(request);
            if (!allowed)
            {
                return Problems.Create(StatusCodes.Status403Forbidden, "Forbidden.", Refusal(access), request);
            }

            return await action(caller);
        });
    }

    private static string Refusal(Access access) => access switch
    {
        Access.Partner => "This route is for partners: app role Partner, signed in from a Microsoft Entra tenant that RapidStart Support registered to your partner ID. Ask Support to register your tenant.",
        _ => "This route is for RapidStart Support: app role Support in the operator's tenant.",
    };

    /// <summary>Puts the customer and subscription a request is about on its trace (IDs only, never personal data).</summary>
    private static void TagTrace(HttpRequest request)
    {
        if (Activity.Current is not { } activity)
        {
            return;
        }

        if (request.RouteValues.TryGetValue("customerId", out var customerId) && customerId is string customer)
        {
            activity.SetTag("rapidstart.customer_id", customer);
            if (request.RouteValues.TryGetValue("serviceId", out var serviceId) && serviceId is string service)
            {
                activity.SetTag("rapidstart.subscription_id", $"{customer}/{service}");
            }
        }
    }

    public async Task<IActionResult> RunAnonymousAsync(HttpRequest request, Func<Task<IActionResult>> action) =>
        await GuardAsync(request, action);

    /// <summary>Reads and binds a JSON body: 415 for another content type, 413 over 64 KiB, 400 for anything malformed or carrying a password.</summary>
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, bool optional = false)
        where T : class
    {
        var body = await ReadBodyAsync(request);
        if (body.Length == 0)
        {
            if (optional)
            {
                return null!;
            }

            throw ProblemException.Malformed("A JSON body is required.");
        }

        if (!IsJson(request.ContentType))
        {
            throw new HttpRequestRefusedException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type.", "Send the body as application/json.");
        }

        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            throw ProblemException.Malformed("The body is not valid UTF-8.");
        }

        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = ApiJson.MaxDepth });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw ProblemException.Malformed("The body must be a JSON object.");
            }

            if (FindPassword(document.RootElement) is { } path)
            {
                throw ProblemException.Invalid(path, "Passwords are never sent to or stored by RapidStart: customer administrators sign in with their Microsoft account. Remove this field.");
            }

            return document.RootElement.Deserialize<T>(ApiJson.Options) ?? throw ProblemException.Malformed("The body must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw ProblemException.Malformed($"The body is not valid JSON for this route{(e.Path is null ? "" : $" (at {e.Path})")}: {e.Message.Split(". Path:")[0]}");
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > ApiJson.MaxBodyBytes)
        {
            throw TooLarge();
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > ApiJson.MaxBodyBytes)
            {
                throw TooLarge();
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static HttpRequestRefusedException TooLarge() =>
        new(StatusCodes.Status413PayloadTooLarge, "Payload too large.", $"The body is over {ApiJson.MaxBodyBytes / 1024} KiB.");

    /// <summary>
    /// The ETag a caller expects the record to have, from <c>If-Match</c>: null when the header is
    /// absent, empty or <c>*</c> (any current version will do), so the domain checks nothing.
    /// </summary>
    public static string? ExpectedETag(HttpRequest request)
    {
        var ifMatch = request.Headers.IfMatch.ToString();
        return ifMatch is "" or "*" ? null : ifMatch;
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || (contentType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && contentType.Split(';')[0].EndsWith("+json", StringComparison.OrdinalIgnoreCase)));

    private static string? FindPassword(JsonElement element, string path = "")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var childPath = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                    if (property.Name.Contains("password", StringComparison.OrdinalIgnoreCase))
                    {
                        return childPath;
                    }

                    if (FindPassword(property.Value, childPath) is { } found)
                    {
                        return found;
                    }
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindPassword(item, $"{path}[{index++}]") is { } found)
                    {
                        return found;
                    }
                }

                break;
        }

        return null;
    }

    private async Task<IActionResult> GuardAsync(HttpRequest request, Func<Task<IActionResult>> action)
    {
        try
        {
            return await action();
        }
        catch (ProblemException problem)
        {
            return Problems.From(problem, request);
        }
        catch (HttpRequestRefusedException refused)
        {
            return Problems.Create(refused.Status, refused.Title, refused.Message, request);
        }
        catch (ConcurrencyConflictException)
        {
            // Every retry lost a race against other writers of the same record: busy, not broken.
            var result = Problems.Create(StatusCodes.Status409Conflict, "Conflict.", "The record is being changed by other requests at this moment; retry shortly.", request);
            result.Headers["Retry-After"] = "1";
            return result;
        }
        catch (Exception e) when (StorageFaults.IsUnavailable(e))
        {
            logger.LogWarning(e, "Storage unavailable while serving {Method} {Path}", request.Method, request.Path.Value);
            return Problems.Unavailable(request);
        }
        catch (OperationCanceledException) when (request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return new EmptyResult();
        }
    }
}
