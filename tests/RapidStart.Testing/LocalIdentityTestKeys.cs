using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;
using RapidStart.LocalHost.Identity;

namespace RapidStart.Testing;

/// <summary>
/// The local identity provider's keys for this test run, made once in a temp folder and given to
/// every host the run starts: the TLS certificate (what a browser test trusts, exactly this one) and
/// the token signing key (so tests can sign tokens the way the provider does, or almost).
/// </summary>
public static class LocalIdentityTestKeys
{
    private static readonly Lazy<(string Folder, X509Certificate2 Certificate, RsaSecurityKey SigningKey)> Keys = new(() =>
    {
        var folder = Path.Combine(Path.GetTempPath(), "rapidstart-identity-" + Guid.NewGuid().ToString("N")[..8]);
        var certificate = LocalIdentityKeys.LoadOrCreateCertificate(Path.Combine(folder, "local-identity.pfx"));
        var signingKey = LocalIdentityKeys.LoadOrCreateSigningKey(Path.Combine(folder, "local-identity-signing.pem"));
        return (folder, certificate, signingKey);
    });

    /// <summary>The PFX (no password) of the provider's HTTPS certificate; its PEM copy is <see cref="CertificatePemPath"/>.</summary>
    public static string CertificatePath => Path.Combine(Keys.Value.Folder, "local-identity.pfx");

    public static string CertificatePemPath => LocalIdentityKeys.PemPathOf(CertificatePath);

    public static string SigningKeyPath => Path.Combine(Keys.Value.Folder, "local-identity-signing.pem");

    public static X509Certificate2 Certificate => Keys.Value.Certificate;

    /// <summary>For Chromium: <c>--ignore-certificate-errors-spki-list={SpkiHash}</c> trusts exactly this certificate.</summary>
    public static string SpkiHash => LocalIdentityKeys.SpkiHash(Certificate);

    /// <summary>The key every test host signs its tokens with (its <c>kid</c> is in the host's JWKS).</summary>
    public static RsaSecurityKey SigningKey => Keys.Value.SigningKey;

    /// <summary>An HTTP handler that trusts the provider's certificate (and what the machine trusts), and keeps no cookies.</summary>
    public static HttpMessageHandler TrustingHandler(bool allowAutoRedirect = true) => new SocketsHttpHandler
    {
        AllowAutoRedirect = allowAutoRedirect,
        UseCookies = false,
        SslOptions = { RemoteCertificateValidationCallback = LocalIdentityKeys.TrustingAlso(Certificate) },
    };
}
