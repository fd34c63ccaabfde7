using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace RapidStart.Infrastructure.Auth;

/// <summary>The development issuer's key: configured, or random for the life of the process.</summary>
public sealed class DevelopmentSigningKey(IOptions<AuthOptions> options)
{
    public SymmetricSecurityKey Key { get; } = new(
        string.IsNullOrEmpty(options.Value.DevelopmentSigningKey)
            ? RandomNumberGenerator.GetBytes(32)
            : Convert.FromBase64String(options.Value.DevelopmentSigningKey));
}
