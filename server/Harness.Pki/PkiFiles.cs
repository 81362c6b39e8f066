using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Harness.Pki;

/// <summary>Reading and writing PEM certificates and PKCS#8 keys.</summary>
public static class PkiFiles
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// A certificate and its private key from two PEM files, ready for <see cref="System.Net.Security.SslStream"/>:
    /// the pair is re-imported through PKCS#12 so that the key is a persisted key, not an ephemeral one.
    /// </summary>
    public static X509Certificate2 LoadCertificateWithKey(string certPath, string keyPath)
    {
        RequireFile(certPath, "certificate");
        RequireFile(keyPath, "private key");
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            return ForTls(pem);
        }
        catch (CryptographicException e)
        {
            throw new PkiException($"cannot load certificate '{certPath}' with key '{keyPath}': {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new PkiException($"cannot load certificate '{certPath}' with key '{keyPath}': {e.Message}", e);
        }
    }

    /// <summary>The first certificate of a PEM (or DER) file, without a private key.</summary>
    public static X509Certificate2 LoadCertificate(string path)
    {
        RequireFile(path, "certificate");
        try
        {
            var bytes = File.ReadAllBytes(path);
            var text = System.Text.Encoding.ASCII.GetString(bytes);
            return text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(text)
                : X509CertificateLoader.LoadCertificate(bytes);
        }
        catch (CryptographicException e)
        {
            throw new PkiException($"'{path}' does not hold an X.509 certificate (PEM or DER): {e.Message}", e);
        }
    }

    /// <summary>Every certificate of a PEM bundle (a CA file may hold several roots).</summary>
    public static X509Certificate2Collection LoadCertificates(string path)
    {
        RequireFile(path, "certificate bundle");
        var collection = new X509Certificate2Collection();
        try { collection.ImportFromPemFile(path); }
        catch (CryptographicException e) { throw new PkiException($"'{path}' is not a PEM certificate bundle: {e.Message}", e); }
        if (collection.Count == 0) throw new PkiException($"'{path}' holds no PEM certificate");
        return collection;
    }

    /// <summary>
    /// The same certificate and key re-imported through PKCS#12, the form <see cref="System.Net.Security.SslStream"/>
    /// accepts on every platform. The input is left untouched.
    /// </summary>
    public static X509Certificate2 ForTls(X509Certificate2 certificateWithKey)
    {
        if (!certificateWithKey.HasPrivateKey)
            throw new PkiException($"certificate '{certificateWithKey.Subject}' has no private key");
        var pfx = certificateWithKey.ExportPkcs12(InMemoryPkcs12, password: null);
        return X509CertificateLoader.LoadPkcs12(pfx, password: null, X509KeyStorageFlags.Exportable);
    }

    /// <summary>
    /// One key-derivation iteration for the PKCS#12 that <see cref="ForTls"/> makes and reads back at once: it has no
    /// password and never leaves memory, so iterations protect nothing, and the default 2,000 (for export and MAC) cost
    /// about 30 ms per certificate.
    /// </summary>
    private static readonly PbeParameters InMemoryPkcs12 = new(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1);

    public static string CertificatePem(X509Certificate2 certificate) => certificate.ExportCertificatePem();

    /// <summary>The certificate's private key as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").</summary>
    public static string PrivateKeyPem(X509Certificate2 certificate)
    {
        if (certificate.GetECDsaPrivateKey() is { } ec) using (ec) return ec.ExportPkcs8PrivateKeyPem();
        if (certificate.GetRSAPrivateKey() is { } rsa) using (rsa) return rsa.ExportPkcs8PrivateKeyPem();
        throw new PkiException($"certificate '{certificate.Subject}' has no exportable ECDSA or RSA private key");
    }

    public static void WriteCertificate(string path, X509Certificate2 certificate) =>
        File.WriteAllText(path, CertificatePem(certificate) + "\n");

    /// <summary>Writes the private key as PKCS#8 PEM; the file is created readable by its owner only (0600).</summary>
    public static void WritePrivateKey(string path, X509Certificate2 certificate) => WriteSecret(path, PrivateKeyPem(certificate) + "\n");

    /// <summary>Writes the certificate and its key as two PEM files.</summary>
    public static void Save(X509Certificate2 certificateWithKey, string certPath, string keyPath)
    {
        WriteCertificate(certPath, certificateWithKey);
        WritePrivateKey(keyPath, certificateWithKey);
    }

    /// <summary>Writes text to a file that only its owner can read or write (mode 0600 on Unix), replacing it.</summary>
    public static void WriteSecret(string path, string text)
    {
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllText(path, text);
            return;
        }
        // Replace rather than truncate: the creation mode applies only to a new file, so no moment exists where the
        // key is on disk with wider permissions.
        if (File.Exists(path)) File.Delete(path);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = OwnerReadWrite,
        };
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(text);
        File.SetUnixFileMode(path, OwnerReadWrite);
    }

    private static void RequireFile(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new PkiException($"{what} file '{path}' does not exist");
    }
}
