using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using RapidStart.Domain.Lifecycle;
using RapidStart.Infrastructure.Auth;

namespace RapidStart.Functions.Http;

/// <summary>
/// What the browser pages need to sign in with MSAL.js (authorization code + PKCE, redirect flow), and
/// the one redirect URI every page shares. Both are anonymous: nothing here is secret.
/// </summary>
public sealed class AuthFunctions(HttpApi api, IOptions<AuthOptions> auth, IOptions<LifecycleOptions> lifecycle)
{
    [Function(nameof(GetAuthConfig))]
    public Task<IActionResult> GetAuthConfig(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "auth/config")] HttpRequest request) =>
        api.RunAnonymousAsync(request, () => Task.FromResult<IActionResult>(ApiResult.Ok(AuthConfigResponse.Of(auth.Value, lifecycle.Value))));

    /// <summary>Where the authority sends the browser back; its script hands the answer to the page that started sign-in.</summary>
    [Function(nameof(CompleteSignIn))]
    public Task<IActionResult> CompleteSignIn(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AuthConfigResponse.RedirectRoute)] HttpRequest request) =>
        api.RunAnonymousAsync(request, () => Task.FromResult<IActionResult>(new ConsoleAssetResult(ConsoleAssets.RedirectPage)));
}

/// <summary>The MSAL.js configuration of the pages, as <c>GET /api/auth/config</c> answers it.</summary>
public sealed record AuthConfigResponse(
    string Authority,
    string ClientId,
    IReadOnlyList<string> Scopes,
    string RedirectUri,
    string ProtocolMode,
    IReadOnlyList<string> KnownAuthorities)
{
    public const string RedirectRoute = "auth/redirect";

    public static AuthConfigResponse Of(AuthOptions auth, LifecycleOptions lifecycle)
    {
        var authority = auth.Authority;
        var oidc = string.Equals(auth.ProtocolMode, "OIDC", StringComparison.OrdinalIgnoreCase);
        return new AuthConfigResponse(
            authority,
            auth.ClientId,
            [auth.Scope],
            new Uri(lifecycle.PublicBaseUrl, $"{RouteTable.RoutePrefix}/{RedirectRoute}").AbsoluteUri,
            oidc ? "OIDC" : "AAD",
            // MSAL trusts an authority outside Microsoft's clouds only when its host (and port) is listed.
            oidc ? [new Uri(authority).Authority] : []);
    }
}
