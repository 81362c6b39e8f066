using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Harness.Kmip.Encodings;
using Harness.Pki;

namespace Harness.Kmip.Client;

/// <summary>
/// Where and how to connect. The server certificate is checked by exactly one of: <see cref="TrustedCa"/> (the chain
/// must end at this root), <see cref="ServerThumbprintSha1"/> (vCenter's way: pinned by SHA-1 thumbprint), or
/// <see cref="AcceptAnyServerCertificate"/>. <see cref="TrustedCa"/> and <see cref="ServerThumbprintSha1"/> may be given
/// together, then both must hold.
/// </summary>
public sealed record KmipClientOptions
{
    public const int DefaultPort = 5696;

    public required string Host { get; init; }
    public int Port { get; init; } = DefaultPort;

    /// <summary>TTLV over TLS (the default; <see cref="KmipClient"/>), or the HTTPS binding (<see cref="KmipHttpsClient"/>).</summary>
    public KmipTransport Transport { get; init; } = KmipTransport.Tls;

    /// <summary>How messages are written: TTLV (the default), or XML or JSON, which only the HTTPS binding carries.</summary>
    public MessageEncoding Encoding { get; init; } = MessageEncoding.Ttlv;

    /// <summary>The HTTPS binding's request URI (KMIP Additional Message Encodings v1.0 §2.3: /kmip unless the server says otherwise).</summary>
    public string HttpsPath { get; init; } = "/kmip";

    /// <summary>The client certificate with its private key (mutual TLS). Null connects without one.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>A root the server's chain must validate against (custom root trust, no system roots, no revocation).</summary>
    public X509Certificate2? TrustedCa { get; init; }

    /// <summary>The server certificate's SHA-1 thumbprint ("AB:CD:…", any case, separators optional).</summary>
    public string? ServerThumbprintSha1 { get; init; }

    public bool AcceptAnyServerCertificate { get; init; }

    /// <summary>With <see cref="TrustedCa"/>: the server certificate must name <see cref="TargetHost"/> (SAN DNS or IP).</summary>
    public bool VerifyServerName { get; init; } = true;

    /// <summary>The name sent as SNI and checked against the certificate; defaults to <see cref="Host"/>.</summary>
    public string? TargetHost { get; init; }

    public SslProtocols SslProtocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>Bound on the TCP connect plus the TLS handshake.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound on one exchange: writing a request and reading its whole response.</summary>
    public TimeSpan ReceiveTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest response accepted, header included; a longer announced length ends the connection.</summary>
    public int MaxResponseLength { get; init; } = 16 * 1024 * 1024;

    public string Endpoint => $"{Host}:{Port}";

    /// <summary>Options for a PKI directory written by <c>./harness pki init</c>: client.crt/client.key, trusting ca.crt.</summary>
    public static KmipClientOptions FromPki(string host, int port, PkiPaths pki)
    {
        var identity = pki.LoadClientIdentity();
        return new KmipClientOptions { Host = host, Port = port, ClientCertificate = identity.Certificate, TrustedCa = identity.TrustedCa };
    }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host)) throw new ArgumentException("Host is required", nameof(Host));
        if (Transport == KmipTransport.Tls && Encoding != MessageEncoding.Ttlv)
            throw new ArgumentException($"KMIP over TLS carries TTLV only (KMIP 1.4 §10); the {Encoding} encoding needs the HTTPS transport", nameof(Encoding));
        if (Transport == KmipTransport.Https && !HttpsPath.StartsWith('/'))
            throw new ArgumentException($"HttpsPath is a path starting with '/', not '{HttpsPath}'", nameof(HttpsPath));
        if (Port is <= 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(Port), Port, "Port must be 1–65535");
        bool pinned = ServerThumbprintSha1 is not null, rooted = TrustedCa is not null;
        if (!pinned && !rooted && !AcceptAnyServerCertificate)
            throw new ArgumentException("choose how to trust the server: TrustedCa, ServerThumbprintSha1 or AcceptAnyServerCertificate");
        if (AcceptAnyServerCertificate && (pinned || rooted))
            throw new ArgumentException("AcceptAnyServerCertificate cannot be combined with TrustedCa or ServerThumbprintSha1");
        if (pinned) Thumbprints.Normalize(ServerThumbprintSha1!);
        if (ClientCertificate is { HasPrivateKey: false })
            throw new ArgumentException($"client certificate '{ClientCertificate.Subject}' has no private key", nameof(ClientCertificate));
        if (ConnectTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "must be positive");
        if (ReceiveTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ReceiveTimeout), ReceiveTimeout, "must be positive");
        if (MaxResponseLength < 16) throw new ArgumentOutOfRangeException(nameof(MaxResponseLength), MaxResponseLength, "must be at least 16 bytes");
    }
}
