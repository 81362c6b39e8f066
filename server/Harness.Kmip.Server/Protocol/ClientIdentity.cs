using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Harness.Kmip.Server;

/// <summary>
/// Who sent a request: the client's TLS certificate. <see cref="Id"/> is the certificate's SHA-256 fingerprint; objects
/// are owned by it. <see cref="Sha1"/> is the thumbprint as vCenter and KMS consoles show it.
/// </summary>
public sealed record ClientIdentity(string Id, string Subject, string Sha1)
{
    public static ClientIdentity FromCertificate(X509Certificate2 cert) => new(
        Convert.ToHexString(SHA256.HashData(cert.RawData)).ToLowerInvariant(),
        cert.Subject,
        Harness.Pki.Thumbprints.Sha1(cert));

    public override string ToString() => $"{Subject} (SHA-1 {Sha1})";
}
