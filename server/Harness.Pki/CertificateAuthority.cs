using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Harness.Pki;

/// <summary>
/// A test certificate authority: a self-signed root that issues client and server certificates for KMIP over mutual
/// TLS, and signs certificate signing requests (vCenter's "KMS signs vCenter's CSR" trust set-up).
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    public const string DefaultCommonName = "Harness Test CA";

    internal static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    internal static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    private CertificateAuthority(X509Certificate2 certificate)
    {
        if (!certificate.HasPrivateKey) throw new PkiException($"CA certificate '{certificate.Subject}' has no private key");
        Certificate = certificate;
    }

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate without its private key (what peers put in their trust store).</summary>
    public X509Certificate2 PublicCertificate => X509CertificateLoader.LoadCertificate(Certificate.RawData);

    /// <summary>A new self-signed root: basicConstraints CA, keyCertSign, valid from one day ago until 10 years from now.</summary>
    public static CertificateAuthority Create(string commonName = DefaultCommonName, PkiKeyAlgorithm keyAlgorithm = PkiKeyAlgorithm.EcdsaP256)
    {
        using var key = GeneratedKey.Create(keyAlgorithm);
        var request = key.Request(Name(commonName));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var selfSigned = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        return new CertificateAuthority(PkiFiles.ForTls(selfSigned));
    }

    /// <summary>The CA of a PKI directory (<c>ca.crt</c> and <c>ca.key</c>).</summary>
    public static CertificateAuthority Load(string directory)
    {
        var paths = new PkiPaths(directory);
        return Load(paths.Ca, paths.CaKey);
    }

    public static CertificateAuthority Load(string certPath, string keyPath)
    {
        var certificate = PkiFiles.LoadCertificateWithKey(certPath, keyPath);
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraints is not { CertificateAuthority: true })
            throw new PkiException($"'{certPath}' is not a CA certificate (basicConstraints CA is not set)");
        return new CertificateAuthority(certificate);
    }

    /// <summary>Writes <c>ca.crt</c> and <c>ca.key</c> (0600) into a directory.</summary>
    public void Save(string directory)
    {
        var paths = new PkiPaths(directory);
        PkiFiles.Save(Certificate, paths.Ca, paths.CaKey);
    }

    /// <summary>A client certificate with its private key: CN=<paramref name="commonName"/>, EKU clientAuth.</summary>
    public X509Certificate2 IssueClient(string commonName, IssueOptions? options = null) =>
        Issue(commonName, CertificatePurpose.Client, options ?? IssueOptions.Default);

    /// <summary>A server certificate with its private key: EKU serverAuth, SAN DNS localhost and IP 127.0.0.1 unless
    /// the options name others.</summary>
    public X509Certificate2 IssueServer(string commonName = TestPki.ServerCommonName, IssueOptions? options = null) =>
        Issue(commonName, CertificatePurpose.Server, options ?? IssueOptions.Default);

    public X509Certificate2 Issue(string commonName, CertificatePurpose purpose, IssueOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(commonName);
        using var key = GeneratedKey.Create(options.KeyAlgorithm);
        var request = key.Request(Name(commonName));
        using var issued = Sign(request, purpose, options, key.IsRsa);
        return PkiFiles.ForTls(key.Attach(issued));
    }

    /// <summary>
    /// Signs a PKCS#10 certificate signing request (DER, or PEM "-----BEGIN CERTIFICATE REQUEST-----"). The subject and
    /// public key come from the request, which must carry a valid self-signature; extensions it asks for are ignored and
    /// the purpose's own are set. The result has no private key: the requester holds it.
    /// </summary>
    public X509Certificate2 SignCsr(byte[] csr, CertificatePurpose purpose = CertificatePurpose.Client, IssueOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(csr);
        CertificateRequest request;
        try
        {
            request = LooksLikePem(csr)
                ? CertificateRequest.LoadSigningRequestPem(System.Text.Encoding.ASCII.GetString(csr), HashAlgorithmName.SHA256)
                : CertificateRequest.LoadSigningRequest(csr, HashAlgorithmName.SHA256);
        }
        catch (CryptographicException e)
        {
            throw new PkiException($"not a valid PKCS#10 certificate signing request: {e.Message}", e);
        }
        bool isRsa = request.PublicKey.Oid.Value == "1.2.840.113549.1.1.1";
        return Sign(request, purpose, options ?? IssueOptions.Default, isRsa);
    }

    public X509Certificate2 SignCsr(string csrPem, CertificatePurpose purpose = CertificatePurpose.Client, IssueOptions? options = null) =>
        SignCsr(System.Text.Encoding.ASCII.GetBytes(csrPem), purpose, options);

    /// <summary>
    /// A self-signed certificate (with key) that no test CA vouches for: EKU clientAuth and serverAuth, SAN localhost and
    /// 127.0.0.1, so that it is refused only for being untrusted. Also the "vCenter self-signs its client certificate"
    /// trust set-up.
    /// </summary>
    public static X509Certificate2 CreateSelfSigned(string commonName, PkiKeyAlgorithm keyAlgorithm = PkiKeyAlgorithm.EcdsaP256)
    {
        ArgumentException.ThrowIfNullOrEmpty(commonName);
        using var key = GeneratedKey.Create(keyAlgorithm);
        var request = key.Request(Name(commonName));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(LeafKeyUsage(key.IsRsa), true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { ClientAuth, ServerAuth }, false));
        request.CertificateExtensions.Add(SubjectAlternativeName(["localhost"], [IPAddress.Loopback]));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var cert = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        return PkiFiles.ForTls(cert);
    }

    private X509Certificate2 Sign(CertificateRequest request, CertificatePurpose purpose, IssueOptions options, bool subjectKeyIsRsa)
    {
        var eku = (purpose, options.WithoutPurposeEku) switch
        {
            (CertificatePurpose.Client, false) or (CertificatePurpose.Server, true) => ClientAuth,
            _ => ServerAuth,
        };
        request.CertificateExtensions.Clear();
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(LeafKeyUsage(subjectKeyIsRsa), true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { eku }, false));
        var dns = options.DnsNames ?? (purpose == CertificatePurpose.Server ? ["localhost"] : []);
        var ips = options.IpAddresses ?? (purpose == CertificatePurpose.Server ? [IPAddress.Loopback] : []);
        if (dns.Count + ips.Count > 0) request.CertificateExtensions.Add(SubjectAlternativeName(dns, ips));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));

        var (notBefore, notAfter) = ValidityWindow(options);
        return CreateSigned(request, notBefore, notAfter);
    }

    private X509Certificate2 CreateSigned(CertificateRequest request, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        if (Certificate.GetECDsaPrivateKey() is { } ec)
            using (ec) return request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(ec), notBefore, notAfter, NewSerialNumber());
        if (Certificate.GetRSAPrivateKey() is { } rsa)
            using (rsa) return request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1), notBefore, notAfter, NewSerialNumber());
        throw new PkiException($"CA certificate '{Certificate.Subject}' has no ECDSA or RSA private key");
    }

    private (DateTimeOffset NotBefore, DateTimeOffset NotAfter) ValidityWindow(IssueOptions options)
    {
        var now = DateTimeOffset.UtcNow;
        switch (options.Validity)
        {
            case CertificateValidity.Expired:
                return (now.AddDays(-31), now.AddDays(-1));
            case CertificateValidity.NotYetValid:
                return (now.AddDays(30), now.AddDays(60));
            default:
                var notBefore = now.AddDays(-1);
                var notAfter = options.Lifetime is { } lifetime ? now + lifetime : now.AddYears(10);
                var caNotAfter = new DateTimeOffset(Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
                return (notBefore, notAfter > caNotAfter ? caNotAfter : notAfter);
        }
    }

    private static X509KeyUsageFlags LeafKeyUsage(bool rsa) =>
        rsa ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.DigitalSignature;

    private static X509Extension SubjectAlternativeName(IEnumerable<string> dnsNames, IEnumerable<IPAddress> ips)
    {
        var san = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames) san.AddDnsName(dns);
        foreach (var ip in ips) san.AddIpAddress(ip);
        return san.Build();
    }

    internal static X500DistinguishedName Name(string commonName)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    /// <summary>16 random bytes, positive and without a leading zero byte (RFC 5280 §4.1.2.2 allows up to 20).</summary>
    private static byte[] NewSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }

    private static bool LooksLikePem(byte[] bytes)
    {
        var head = System.Text.Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 64)).TrimStart();
        return head.StartsWith("-----BEGIN", StringComparison.Ordinal);
    }

    public void Dispose() => Certificate.Dispose();
}
