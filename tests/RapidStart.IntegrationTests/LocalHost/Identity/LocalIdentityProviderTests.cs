using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using RapidStart.LocalHost.Identity;
using RapidStart.Testing;

namespace RapidStart.IntegrationTests.LocalHost.Identity;

/// <summary>
/// The local host's OpenID Connect provider, driven over HTTPS like MSAL.js drives Entra: discovery,
/// authorization code + PKCE through its sign-in form, the token endpoint from the API's origin,
/// refresh; and its tokens held to the validation the API runs in Azure.
/// </summary>
public sealed partial class LocalIdentityProviderTests(LocalIdentityHostFixture fixture) : IClassFixture<LocalIdentityHostFixture>
{
    private string ApiOrigin => fixture.Host.BaseUrl;

    private string ConsoleRedirect => fixture.Host.BaseUrl + "/api/console";

    [Fact]
    public async Task Discovery_from_the_API_origin_is_Entra_shaped_with_the_issuer_template_and_CORS()
    {
        // Arrange
        using var request = new HttpRequestMessage(HttpMethod.Get, "/common/v2.0/.well-known/openid-configuration");
        request.Headers.Add("Origin", ApiOrigin);

        // Act
        using var response = await fixture.Provider.SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ApiOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        var url = fixture.Host.IdentityUrl;
        Assert.Equal(url + "/{tenantid}/v2.0", document.GetProperty("issuer").GetString());
        Assert.Equal(url + "/common/oauth2/v2.0/authorize", document.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(url + "/common/oauth2/v2.0/token", document.GetProperty("token_endpoint").GetString());
        Assert.Equal(url + "/common/discovery/v2.0/keys", document.GetProperty("jwks_uri").GetString());
        Assert.Equal(url + "/common/oauth2/v2.0/logout", document.GetProperty("end_session_endpoint").GetString());
        Assert.Equal(["S256"], document.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Discovery_on_the_plain_HTTP_port_of_the_API_is_not_served()
    {
        using var response = await fixture.Host.Http.GetAsync("/common/v2.0/.well-known/openid-configuration");

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("jwks_uri", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Keys_from_the_API_origin_are_the_signing_key_with_its_kid()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/common/discovery/v2.0/keys");
        request.Headers.Add("Origin", ApiOrigin);

        using var response = await fixture.Provider.SendAsync(request);

        Assert.Equal(ApiOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var keys = new JsonWebKeySet(await response.Content.ReadAsStringAsync());
        var key = Assert.Single(keys.Keys);
        Assert.Equal(LocalIdentityTestKeys.SigningKey.KeyId, key.Kid);
        Assert.Equal("RS256", key.Alg);
    }

    [Fact]
    public async Task A_development_token_for_a_partner_passes_Entra_validation_in_the_partners_tenant()
    {
        // Arrange
        var tenant = LocalDirectory.PartnerTenant("P-1001").Id.ToString("D");

        // Act
        var response = await fixture.Host.Http.PostAsJsonAsync("/api/dev/token", new { sub = "agent@p-1001.example", roles = new[] { "Partner" }, partnerId = "P-1001" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var result = await fixture.ValidateLikeEntraAsync(body.GetProperty("token").GetString()!);

        // Assert
        Assert.True(result.IsValid, result.Exception?.ToString());
        Assert.Equal(tenant, body.GetProperty("tenantId").GetString());
        Assert.Equal(body.GetProperty("objectId").GetString(), result.Claims["oid"]);
        Assert.Equal(fixture.Host.IdentityUrl + $"/{tenant}/v2.0", result.Claims["iss"]);
        Assert.Equal(tenant, result.Claims["tid"]);
        Assert.Equal("agent@p-1001.example", result.Claims["preferred_username"]);
        Assert.Equal("access_as_user", result.Claims["scp"]);
        Assert.Equal("2.0", result.Claims["ver"]);
        Assert.Equal(true, result.Claims["xms_edov"]);
        Assert.NotEqual("agent@p-1001.example", result.Claims["sub"]);
        Assert.Equal(["Partner"], RolesOf(body.GetProperty("token").GetString()!));
        var jwt = new JsonWebToken(body.GetProperty("token").GetString());
        Assert.Equal("RS256", jwt.Alg);
        Assert.Equal(LocalIdentityTestKeys.SigningKey.KeyId, jwt.Kid);
    }

    [Fact]
    public async Task A_development_token_for_support_is_in_the_operators_tenant()
    {
        var response = await fixture.Host.Http.PostAsJsonAsync("/api/dev/token", new { sub = "help@rapidstart.example", roles = new[] { "support" } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var result = await fixture.ValidateLikeEntraAsync(body.GetProperty("token").GetString()!);

        Assert.True(result.IsValid, result.Exception?.ToString());
        Assert.Equal(fixture.Host.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["RapidStart:Auth:OperatorTenantId"], result.Claims["tid"]);
        Assert.Equal(["Support"], RolesOf(body.GetProperty("token").GetString()!));
    }

    [Theory]
    [InlineData("someone@outlook.com", "9188040d-6c67-4c5b-b112-36a304b66dad", false)]
    [InlineData("admin@contoso.example", null, true)]
    public async Task A_development_token_without_roles_is_the_addresses_own_identity(string address, string? tenant, bool hasEdov)
    {
        var response = await fixture.Host.Http.PostAsJsonAsync("/api/dev/token", new { sub = address });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var result = await fixture.ValidateLikeEntraAsync(body.GetProperty("token").GetString()!);

        Assert.True(result.IsValid, result.Exception?.ToString());
        Assert.Equal(tenant ?? LocalDirectory.TenantIdOf("contoso.example").ToString("D"), result.Claims["tid"]);
        Assert.Equal(hasEdov, result.Claims.ContainsKey("xms_edov"));
        Assert.False(result.Claims.ContainsKey("roles"));
    }

    [Theory]
    [InlineData("""{"roles":["partner"],"partnerId":"P-1001"}""", "sub")]
    [InlineData("""{"sub":"not an address","roles":[]}""", "sub")]
    [InlineData("""{"sub":"x@y.example","roles":["admin"]}""", "roles")]
    [InlineData("""{"sub":"x@y.example","roles":["partner","support"],"partnerId":"P-1001"}""", "roles")]
    [InlineData("""{"sub":"x@y.example","roles":["partner"]}""", "partnerId")]
    public async Task A_development_token_request_with_bad_input_is_a_problem_400_naming_the_field(string json, string field)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");

        using var response = await fixture.Host.Http.PostAsync("/api/dev/token", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"No error for '{field}': {problem}");
    }

    [Fact]
    public async Task Start_registers_each_seed_partners_tenant_in_the_partner_registry()
    {
        var registered = await fixture.Registry.ListAsync(CancellationToken.None);

        Assert.Equal(["P-1001", "P-2002"], registered.Select(p => p.PartnerId));
        Assert.All(registered, p => Assert.Equal([LocalDirectory.PartnerTenant(p.PartnerId).Id.ToString("D")], p.TenantIds));
    }

    [Fact]
    public async Task Authorization_code_with_PKCE_through_the_sign_in_form_gives_tokens_that_pass_Entra_validation()
    {
        // Arrange: what MSAL.js sends, login_hint and prompt=select_account included.
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var nonce = Guid.NewGuid().ToString("N");
        var scope = $"api://{DevTokens.ClientId}/access_as_user openid profile offline_access";
        var authorize = "/common/oauth2/v2.0/authorize?" + Query(new()
        {
            ["client_id"] = DevTokens.ClientId,
            ["redirect_uri"] = ConsoleRedirect,
            ["response_type"] = "code",
            ["response_mode"] = "query",
            ["scope"] = scope,
            ["state"] = "s-1",
            ["nonce"] = nonce,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
            ["login_hint"] = "agent@p-2002.example",
            ["prompt"] = "select_account",
            ["client_info"] = "1",
        });

        // Act 1: the form, prefilled from login_hint.
        using var page = await fixture.Provider.GetAsync(authorize);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<html lang=\"en\">", html);
        Assert.Contains("<label for=\"account\">Account (email address)</label>", html);
        Assert.Contains("value=\"agent@p-2002.example\"", html);
        Assert.Contains(">Sign in</button>", html);

        // Act 2: submit it as a browser would.
        var fields = HiddenField().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups["name"].Value), m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        fields["account"] = "agent@p-2002.example";
        using var signedIn = await fixture.Provider.PostAsync("/common/oauth2/v2.0/authorize", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var location = signedIn.Headers.Location!;
        Assert.StartsWith(ConsoleRedirect + "?", location.AbsoluteUri);
        var answer = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("s-1", answer["state"].ToString());

        // Act 3: redeem the code from the API's origin, as MSAL does with fetch.
        using var redeem = new HttpRequestMessage(HttpMethod.Post, "/common/oauth2/v2.0/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["client_id"] = DevTokens.ClientId,
                ["code"] = answer["code"].ToString(),
                ["redirect_uri"] = ConsoleRedirect,
                ["code_verifier"] = verifier,
                ["scope"] = scope,
            }),
        };
        redeem.Headers.Add("Origin", ApiOrigin);
        using var tokens = await fixture.Provider.SendAsync(redeem);
        var body = await tokens.Content.ReadFromJsonAsync<JsonElement>();

        // Assert
        Assert.True(tokens.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal(ApiOrigin, tokens.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var tenant = LocalDirectory.PartnerTenant("P-2002").Id.ToString("D");
        var access = await fixture.ValidateLikeEntraAsync(body.GetProperty("access_token").GetString()!);
        Assert.True(access.IsValid, access.Exception?.ToString());
        Assert.Equal(tenant, access.Claims["tid"]);
        Assert.Equal("access_as_user", access.Claims["scp"]);
        Assert.Equal(["Partner"], RolesOf(body.GetProperty("access_token").GetString()!));

        var id = await fixture.ValidateLikeEntraAsync(body.GetProperty("id_token").GetString()!);
        Assert.True(id.IsValid, id.Exception?.ToString());
        Assert.Equal(nonce, id.Claims["nonce"]);
        Assert.Equal(fixture.Host.IdentityUrl + $"/{tenant}/v2.0", id.Claims["iss"]);
        Assert.Equal(access.Claims["oid"], id.Claims["oid"]);
        Assert.Equal(access.Claims["sub"], id.Claims["sub"]);
        Assert.True(id.Claims.ContainsKey("at_hash"));

        // Act 4: refresh, as MSAL's acquireTokenSilent does.
        using var refresh = await fixture.Provider.PostAsync("/common/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = DevTokens.ClientId,
            ["refresh_token"] = body.GetProperty("refresh_token").GetString()!,
            ["scope"] = scope,
        }));
        var refreshed = await refresh.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(refresh.StatusCode == HttpStatusCode.OK, refreshed.ToString());
        var again = await fixture.ValidateLikeEntraAsync(refreshed.GetProperty("access_token").GetString()!);
        Assert.True(again.IsValid, again.Exception?.ToString());
        Assert.Equal(access.Claims["oid"], again.Claims["oid"]);

        // Act 5: sign out with the ID token as hint (its issuer is its tenant's), back to the page.
        using var signOut = await fixture.Provider.GetAsync("/common/oauth2/v2.0/logout?" + Query(new()
        {
            ["id_token_hint"] = body.GetProperty("id_token").GetString()!,
            ["post_logout_redirect_uri"] = ConsoleRedirect,
            ["state"] = "bye",
        }));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal(ConsoleRedirect + "?state=bye", signOut.Headers.Location!.AbsoluteUri);
    }

    [Fact]
    public async Task The_token_endpoint_preflight_from_the_API_origin_allows_POST_with_MSAL_headers()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/common/oauth2/v2.0/token");
        preflight.Headers.Add("Origin", ApiOrigin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-client-current-telemetry,x-client-last-telemetry");

        using var response = await fixture.Provider.SendAsync(preflight);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(ApiOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single());
    }

    [Fact]
    public async Task Keys_from_another_origin_get_no_CORS_headers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/common/discovery/v2.0/keys");
        request.Headers.Add("Origin", "http://evil.example");

        using var response = await fixture.Provider.SendAsync(request);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("redirect_uri", "http://evil.example/api/console")]
    [InlineData("redirect_uri", "CONSOLE?x=1")]
    [InlineData("client_id", "00000000-0000-0000-0000-000000000000")]
    [InlineData("code_challenge_method", "plain")]
    public async Task An_authorization_request_not_the_public_clients_own_is_refused_without_redirecting(string parameter, string value)
    {
        var parameters = new Dictionary<string, string>
        {
            ["client_id"] = DevTokens.ClientId,
            ["redirect_uri"] = ConsoleRedirect,
            ["response_type"] = "code",
            ["scope"] = "openid",
            ["code_challenge"] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32)),
            ["code_challenge_method"] = "S256",
        };
        parameters[parameter] = value.Replace("CONSOLE", ConsoleRedirect, StringComparison.Ordinal);

        using var response = await fixture.Provider.GetAsync("/common/oauth2/v2.0/authorize?" + Query(parameters));

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"{response.StatusCode}");
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Forged_tokens_changed_in_one_part_fail_Entra_validation_and_unchanged_ones_pass()
    {
        var forge = fixture.Host.Tokens;

        Assert.True((await fixture.ValidateLikeEntraAsync(forge.Partner())).IsValid);
        foreach (var forged in new[]
        {
            forge.Partner(change: d => d.SigningCredentials = TokenForge.ImpostorKey),
            forge.Unsigned(),
            forge.Expired(TimeSpan.FromMinutes(10)),
            forge.Partner(change: d => d.Audience = "api://other"),
            forge.Partner(change: d => d.Issuer = "https://login.microsoftonline.com/" + d.Claims["tid"] + "/v2.0"),
            forge.Partner(change: d => d.Claims["tid"] = LocalDirectory.PartnerTenant("P-2002").Id.ToString("D")),
        })
        {
            Assert.False((await fixture.ValidateLikeEntraAsync(forged)).IsValid, forged);
        }
    }

    private static string[] RolesOf(string token) => new JsonWebToken(token).GetPayloadValue<string[]>("roles");

    private static string Query(Dictionary<string, string> parameters) =>
        string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));

    [GeneratedRegex("""<input type="hidden" name="(?<name>[^"]*)" value="(?<value>[^"]*)">""")]
    private static partial Regex HiddenField();
}
