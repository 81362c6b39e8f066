using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Harness.Pki;

/// <summary>Certificate fingerprints written the way vCenter shows them ("AB:CD:…", uppercase, colon-separated).</summary>
public static class Thumbprints
{
    public static string Sha1(X509Certificate2 certificate) => Format(certificate.GetCertHash(HashAlgorithmName.SHA1));

    public static string Sha256(X509Certificate2 certificate) => Format(certificate.GetCertHash(HashAlgorithmName.SHA256));

    /// <summary>Bytes as uppercase hex pairs joined by ':'.</summary>
    public static string Format(ReadOnlySpan<byte> hash) => string.Join(':', Convert.ToHexString(hash).Chunk(2).Select(p => new string(p)));

    /// <summary>
    /// A thumbprint as typed by a person (any case; ':' , '-' or spaces between pairs, or none) reduced to bare uppercase
    /// hex. Throws <see cref="FormatException"/> when what remains is not hex.
    /// </summary>
    public static string Normalize(string thumbprint)
    {
        ArgumentNullException.ThrowIfNull(thumbprint);
        var bare = new string(thumbprint.Where(c => c is not (':' or '-' or ' ')).ToArray()).ToUpperInvariant();
        if (bare.Length == 0 || bare.Length % 2 != 0 || !bare.All(Uri.IsHexDigit))
            throw new FormatException($"'{thumbprint}' is not a hexadecimal thumbprint");
        return bare;
    }

    /// <summary>True when the certificate's SHA-1 thumbprint equals <paramref name="expectedSha1"/> in any accepted spelling.</summary>
    public static bool MatchesSha1(X509Certificate2 certificate, string expectedSha1) =>
        Normalize(expectedSha1) == Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA1));
}
