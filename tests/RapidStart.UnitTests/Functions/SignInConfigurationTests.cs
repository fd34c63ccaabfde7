using RapidStart.Domain.Lifecycle;
using RapidStart.Functions.Http;
using RapidStart.Infrastructure.Auth;

namespace RapidStart.UnitTests.Functions;

public class SignInConfigurationTests
{
    private static readonly LifecycleOptions Lifecycle = new() { PublicBaseUrl = new Uri("https://rapidstart.example/") };

    [Fact]
    public void Of_with_Entra_names_the_authority_scope_and_redirect_and_no_known_authorities()
    {
        // Arrange
        var auth = new AuthOptions { ClientId = "11111111-2222-3333-4444-555555555555" };

        // Act
        var config = AuthConfigResponse.Of(auth, Lifecycle);

        // Assert
        Assert.Equal("https://login.microsoftonline.com/common", config.Authority);
        Assert.Equal("AAD", config.ProtocolMode);
        Assert.Empty(config.KnownAuthorities);
        Assert.Equal(["api://11111111-2222-3333-4444-555555555555/access_as_user"], config.Scopes);
        Assert.Equal("https://rapidstart.example/api/auth/redirect", config.RedirectUri);
    }

    [Fact]
    public void Of_with_an_OIDC_provider_trusts_exactly_its_host_and_port()
    {
        // Arrange
        var auth = new AuthOptions { Authority = "https://localhost:7073/common/v2.0", ProtocolMode = "OIDC", ClientId = "local", ApplicationIdUri = "api://rapidstart" };

        // Act
        var config = AuthConfigResponse.Of(auth, Lifecycle);

        // Assert
        Assert.Equal("OIDC", config.ProtocolMode);
        Assert.Equal(["localhost:7073"], config.KnownAuthorities);
        Assert.Equal(["api://rapidstart/access_as_user"], config.Scopes);
    }

    [Theory]
    [InlineData("https://login.microsoftonline.com/common", "connect-src 'self' https://login.microsoftonline.com;")]
    [InlineData("https://localhost:7073/common/v2.0", "connect-src 'self' https://localhost:7073;")]
    [InlineData("http://plain.example/common", "connect-src 'self';")]
    [InlineData(null, "connect-src 'self';")]
    public void PolicyFor_lets_pages_connect_only_to_this_origin_and_an_HTTPS_authority(string? authority, string expected)
    {
        // Act
        var policy = SecurityHeaders.PolicyFor(authority);

        // Assert
        Assert.Contains(expected, policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("frame-src", policy, StringComparison.Ordinal);
    }
}
