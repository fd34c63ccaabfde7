using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace RapidStart.Infrastructure.Auth;

/// <summary>
/// Issues tokens for local development and tests, shaped like Entra's (sub, roles, partner_id).
/// The HTTP route that exposes it answers 404 unless the host runs in Development with it enabled.
/// </summary>
public sealed class DevelopmentTokenIssuer(IOptions<AuthOptions> options, DevelopmentSigningKey key, TimeProvider clock)
{
    public string Issue(string subject, IReadOnlyCollection<string> roles, string? partnerId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["roles"] = roles.ToArray() };
        if (!string.IsNullOrEmpty(partnerId))
        {
            claims["partner_id"] = partnerId;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = AuthOptions.DevelopmentIssuer,
            Audience = options.Value.Audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + options.Value.DevelopmentTokenLifetime,
            SigningCredentials = new SigningCredentials(key.Key, SecurityAlgorithms.HmacSha256),
        });
    }
}
