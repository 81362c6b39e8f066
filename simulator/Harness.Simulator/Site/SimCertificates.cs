using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Harness.Pki;

namespace Harness.Simulator;

/// <summary>
/// Certificates dated in the simulation's time, so that "expires in 30 days" and "31 days pass" mean what they say:
/// vCenter's self-signed KMS client certificate and the KMS's self-signed server certificate (seed 001: the KMIP
/// endpoints use self-signed certificates, trusted by their thumbprint). Both sides trust them by thumbprint or by the
/// administrator's allow-list, so their dates matter only to the simulation's own checks.
/// </summary>
public static class SimCertificates
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(3650);

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>vCenter's self-signed KMS client certificate (with key): clientAuth, valid from a day before <paramref name="now"/> for <paramref name="lifetime"/>.</summary>
    public static X509Certificate2 VCenterClient(string vcenter, DateTimeOffset now, TimeSpan? lifetime = null) =>
        SelfSigned($"vCenter {vcenter}", [ClientAuth, ServerAuth], now, lifetime ?? DefaultLifetime);

    /// <summary>vCenter's machine SSL certificate (with key) for its web endpoints (the vSphere API at /sdk): serverAuth, SAN localhost and 127.0.0.1.</summary>
    public static X509Certificate2 VCenterMachineSsl(string vcenter, DateTimeOffset now, TimeSpan? lifetime = null) =>
        SelfSigned(vcenter, [ServerAuth], now, lifetime ?? DefaultLifetime);

    /// <summary>A KMS's self-signed server certificate (with key): serverAuth, SAN localhost and 127.0.0.1.</summary>
    public static X509Certificate2 KmsServer(string cluster, DateTimeOffset now, TimeSpan? lifetime = null) =>
        SelfSigned($"Harness KMS {cluster}", [ServerAuth], now, lifetime ?? DefaultLifetime);

    private static X509Certificate2 SelfSigned(string commonName, Oid[] usages, DateTimeOffset now, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName(commonName);
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var oids = new OidCollection();
        foreach (var o in usages) oids.Add(o);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var cert = request.CreateSelfSigned(now.AddDays(-1), now + lifetime);
        return PkiFiles.ForTls(cert);
    }
}
