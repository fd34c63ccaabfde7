using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;

namespace RapidStart.LocalHost.Identity;

/// <summary>
/// The provider's two keys, each in a file so that browsers and tests can trust exactly them: the
/// TLS certificate of its HTTPS endpoint, and the RS256 key that signs its tokens. Both are made
/// where they are missing; nothing here is used outside Development.
/// </summary>
public static class LocalIdentityKeys
{
    /// <summary>The certificate at <paramref name="pfxPath"/>, made there (with a PEM copy, <c>.crt</c>) when missing.</summary>
    public static X509Certificate2 LoadOrCreateCertificate(string pfxPath)
    {
        if (!File.Exists(pfxPath))
        {
            CreateCertificate(pfxPath);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(pfxPath, password: null, X509KeyStorageFlags.Exportable);
    }

    /// <summary>
    /// A self-signed server certificate for localhost and 127.0.0.1 (and ::1), valid for a year:
    /// <paramref name="pfxPath"/> (with its key) and beside it the certificate alone as PEM
    /// (<see cref="PemPathOf"/>), the file a person imports to trust it.
    /// </summary>
    public static void CreateCertificate(string pfxPath)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost, O=RapidStart local identity (development only)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build(critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        WritePrivate(pfxPath, certificate.Export(X509ContentType.Pfx));
        File.WriteAllText(PemPathOf(pfxPath), certificate.ExportCertificatePem() + "\n");
    }

    /// <summary>Where the PEM copy of a certificate is: beside the PFX, ending in <c>.crt</c>.</summary>
    public static string PemPathOf(string pfxPath) => Path.ChangeExtension(pfxPath, ".crt");

    /// <summary>
    /// The base64 SHA-256 of the certificate's public key (SPKI), what Chromium's
    /// <c>--ignore-certificate-errors-spki-list</c> takes to trust exactly this certificate.
    /// </summary>
    public static string SpkiHash(X509Certificate2 certificate) =>
        Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));

    /// <summary>
    /// TLS validation that accepts what the machine trusts, and this one certificate (matched by its
    /// SHA-256 thumbprint) besides: for clients of the provider, which a fresh machine does not trust.
    /// </summary>
    public static RemoteCertificateValidationCallback TrustingAlso(X509Certificate2 certificate)
    {
        var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        return (_, presented, _, errors) =>
            errors == SslPolicyErrors.None
            || (presented is not null && string.Equals(presented.GetCertHashString(HashAlgorithmName.SHA256), thumbprint, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The signing key at <paramref name="path"/> (PEM or PFX), a PEM one made there when missing.</summary>
    public static RsaSecurityKey LoadOrCreateSigningKey(string path)
    {
        if (!File.Exists(path))
        {
            CreateSigningKey(path);
        }

        RSA rsa;
        if (path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase))
        {
            using var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password: null, X509KeyStorageFlags.Exportable);
            rsa = certificate.GetRSAPrivateKey() ?? throw new InvalidOperationException($"The signing key file '{path}' holds no RSA private key.");
        }
        else
        {
            rsa = RSA.Create();
            rsa.ImportFromPem(File.ReadAllText(path));
        }

        return WithKeyId(rsa);
    }

    /// <summary>An RSA key for <paramref name="rsa"/> whose <c>kid</c> is its RFC 7638 JWK thumbprint.</summary>
    public static RsaSecurityKey WithKeyId(RSA rsa)
    {
        var key = new RsaSecurityKey(rsa);
        key.KeyId = Base64UrlEncoder.Encode(JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false))).ComputeJwkThumbprint());
        return key;
    }

    /// <summary>A new 2048-bit RSA key written as PKCS#8 PEM, readable only by its owner.</summary>
    public static void CreateSigningKey(string pemPath)
    {
        using var rsa = RSA.Create(2048);
        WritePrivate(pemPath, System.Text.Encoding.ASCII.GetBytes(rsa.ExportPkcs8PrivateKeyPem() + "\n"));
    }

    private static void WritePrivate(string path, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(content);
    }
}
