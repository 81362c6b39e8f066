using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Harness.Simulator;

/// <summary>One KMS server of a key provider, as vCenter knows it: where to reach it and the server certificate it trusts.</summary>
public sealed class KmsServerConfig(string name, IPEndPoint endpoint)
{
    public string Name { get; } = name;
    public IPEndPoint Endpoint { get; } = endpoint;

    /// <summary>SHA-1 thumbprint of the KMS server certificate vCenter trusts (vCenter shows and pins it).</summary>
    public string? TrustedThumbprint { get; set; }

    /// <summary>The KMS server certificate itself (public part), for its expiry date; null when only the thumbprint is known.</summary>
    public X509Certificate2? TrustedCertificate { get; set; }

    /// <summary>
    /// vCenter's timeout for this server (KmipServerInfo.timeout), for connecting and for each answer; null: vCenter's
    /// default, the crypto manager's.
    /// </summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Last connection status as vCenter saw it.</summary>
    public string Status { get; set; } = "unknown";

    /// <summary>The same server and trust, with a status of its own (the copy a host gets).</summary>
    public KmsServerConfig Copy() => new(Name, Endpoint) { TrustedThumbprint = TrustedThumbprint, TrustedCertificate = TrustedCertificate, Timeout = Timeout };
}

/// <summary>
/// A key provider (KMS cluster): its name (the provider ID written into every encrypted VM), its servers, and the client
/// certificate vCenter presents to them.
/// </summary>
public sealed class KeyProvider(string name)
{
    public string Name { get; } = name;
    public List<KmsServerConfig> Servers { get; } = [];

    /// <summary>vCenter's client certificate (with key) for this provider: self-signed, clientAuth, allowed on the KMS.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>The username and password some KMSs require besides the certificate (vCenter: "KMS password protection"); null: none.</summary>
    public Harness.Kmip.Client.UsernamePasswordCredential? Credential { get; set; }


    /// <summary>
    /// The same servers (each with a status of its own), trusted server certificates, client certificate and
    /// credential: what vCenter pushes to the hosts of an encrypted vSAN cluster so that a host can fetch keys itself,
    /// and what a vCenter restored from backup gets back.
    /// </summary>
    public KeyProvider Copy()
    {
        var copy = new KeyProvider(Name) { ClientCertificate = ClientCertificate, Credential = Credential };
        copy.Servers.AddRange(Servers.Select(s => s.Copy()));
        return copy;
    }

    public override string ToString() => Name;
}
