namespace Harness.Pki;

/// <summary>
/// The test PKI that <c>./harness pki init --out DIR</c> writes: a CA, a server certificate for the KMS and a client
/// certificate for vCenter, all ECDSA P-256 by default, valid from one day ago until 10 years from now.
/// </summary>
public static class TestPki
{
    public const string ServerCommonName = "Harness KMS";
    public const string ClientCommonName = "Harness Client";

    /// <summary>
    /// Writes <c>ca.crt</c>, <c>ca.key</c>, <c>server.crt</c>, <c>server.key</c>, <c>client.crt</c>, <c>client.key</c>
    /// (PEM; keys PKCS#8, mode 0600). Refuses a directory that already has entries unless <paramref name="force"/> is set,
    /// in which case the six files are replaced and anything else is left alone.
    /// </summary>
    /// <exception cref="PkiDirectoryNotEmptyException">the directory is not empty and <paramref name="force"/> is false.</exception>
    public static PkiPaths Init(string outDir, bool force = false, PkiKeyAlgorithm keyAlgorithm = PkiKeyAlgorithm.EcdsaP256)
    {
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        var full = Path.GetFullPath(outDir);
        if (File.Exists(full)) throw new PkiException($"'{full}' is a file, not a directory");
        if (Directory.Exists(full) && !force)
        {
            var entries = Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).OfType<string>().Order().ToList();
            if (entries.Count > 0) throw new PkiDirectoryNotEmptyException(full, entries);
        }
        Directory.CreateDirectory(full);

        using var pki = CreateInMemory(keyAlgorithm);
        var paths = new PkiPaths(full);
        pki.Ca.Save(full);
        PkiFiles.Save(pki.Server, paths.ServerCert, paths.ServerKey);
        PkiFiles.Save(pki.Client, paths.ClientCert, paths.ClientKey);
        return paths;
    }

    /// <summary>The same CA, server and client certificates as <see cref="Init"/>, minted in memory (for TLS tests).</summary>
    public static InMemoryPki CreateInMemory(PkiKeyAlgorithm keyAlgorithm = PkiKeyAlgorithm.EcdsaP256)
    {
        var ca = CertificateAuthority.Create(CertificateAuthority.DefaultCommonName, keyAlgorithm);
        var options = IssueOptions.Default with { KeyAlgorithm = keyAlgorithm };
        return new InMemoryPki(ca, ca.IssueServer(ServerCommonName, options), ca.IssueClient(ClientCommonName, options));
    }
}

/// <summary>A CA with one server and one client certificate (both with their keys).</summary>
public sealed record InMemoryPki(CertificateAuthority Ca, System.Security.Cryptography.X509Certificates.X509Certificate2 Server,
    System.Security.Cryptography.X509Certificates.X509Certificate2 Client) : IDisposable
{
    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
        Ca.Dispose();
    }
}
