using System.Security.Cryptography.X509Certificates;

namespace Harness.Pki;

/// <summary>The file names of a test PKI directory as written by <see cref="TestPki.Init"/> (and read by
/// <c>./harness serve --pki DIR</c>, <c>certify</c>, <c>bench</c>).</summary>
public sealed record PkiPaths(string Directory)
{
    public string Ca => Path.Combine(Directory, "ca.crt");
    public string CaKey => Path.Combine(Directory, "ca.key");
    public string ServerCert => Path.Combine(Directory, "server.crt");
    public string ServerKey => Path.Combine(Directory, "server.key");
    public string ClientCert => Path.Combine(Directory, "client.crt");
    public string ClientKey => Path.Combine(Directory, "client.key");

    /// <summary>All six files, certificates before keys.</summary>
    public IReadOnlyList<string> All => [Ca, ServerCert, ClientCert, CaKey, ServerKey, ClientKey];

    /// <summary>The server certificate with its key, and the CA that client certificates must chain to.</summary>
    public TlsIdentity LoadServerIdentity() => new(PkiFiles.LoadCertificateWithKey(ServerCert, ServerKey), PkiFiles.LoadCertificate(Ca));

    /// <summary>The client certificate with its key, and the CA that the server certificate must chain to.</summary>
    public TlsIdentity LoadClientIdentity() => new(PkiFiles.LoadCertificateWithKey(ClientCert, ClientKey), PkiFiles.LoadCertificate(Ca));
}

/// <summary>One side of a mutual-TLS connection: its certificate (with private key) and the CA it trusts for the peer.</summary>
public sealed record TlsIdentity(X509Certificate2 Certificate, X509Certificate2 TrustedCa);
