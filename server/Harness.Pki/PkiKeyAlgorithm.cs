using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Harness.Pki;

/// <summary>The key type of a generated certificate. ECDSA P-256 is the default: fast to generate and accepted by
/// every TLS 1.2/1.3 stack the harness talks to. RSA 2048 exists for KMS vendors whose servers want RSA peers.</summary>
public enum PkiKeyAlgorithm
{
    EcdsaP256,
    Rsa2048,
}

/// <summary>A freshly generated key pair together with the certificate request over its public key.</summary>
internal sealed class GeneratedKey : IDisposable
{
    private GeneratedKey(AsymmetricAlgorithm key) => Key = key;

    public AsymmetricAlgorithm Key { get; }

    public static GeneratedKey Create(PkiKeyAlgorithm algorithm) => algorithm switch
    {
        PkiKeyAlgorithm.EcdsaP256 => new GeneratedKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)),
        PkiKeyAlgorithm.Rsa2048 => new GeneratedKey(RSA.Create(2048)),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown key algorithm"),
    };

    public bool IsRsa => Key is RSA;

    public CertificateRequest Request(X500DistinguishedName subject) => Key switch
    {
        ECDsa ec => new CertificateRequest(subject, ec, HashAlgorithmName.SHA256),
        RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        _ => throw new InvalidOperationException("unsupported key type"),
    };

    public X509Certificate2 Attach(X509Certificate2 certificate) => Key switch
    {
        ECDsa ec => certificate.CopyWithPrivateKey(ec),
        RSA rsa => certificate.CopyWithPrivateKey(rsa),
        _ => throw new InvalidOperationException("unsupported key type"),
    };

    public void Dispose() => Key.Dispose();
}
