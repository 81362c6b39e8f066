using System.Net;

namespace Harness.Pki;

/// <summary>When an issued certificate is valid, relative to now.</summary>
public enum CertificateValidity
{
    /// <summary>Valid from one day ago until <see cref="IssueOptions.Lifetime"/> from now (capped at the CA's own expiry).</summary>
    Current,
    /// <summary>Expired yesterday (valid for the 30 days before that).</summary>
    Expired,
    /// <summary>Valid only from 30 days from now.</summary>
    NotYetValid,
}

/// <summary>What a certificate issued for a TLS peer is for.</summary>
public enum CertificatePurpose
{
    /// <summary>A KMIP client (vCenter, an ESXi host): Extended Key Usage clientAuth.</summary>
    Client,
    /// <summary>A KMIP server: Extended Key Usage serverAuth.</summary>
    Server,
}

/// <summary>Choices for a certificate issued by <see cref="CertificateAuthority"/>, including deliberately broken ones
/// for tests of failed trust.</summary>
public sealed record IssueOptions
{
    public static readonly IssueOptions Default = new();

    public PkiKeyAlgorithm KeyAlgorithm { get; init; } = PkiKeyAlgorithm.EcdsaP256;

    public CertificateValidity Validity { get; init; } = CertificateValidity.Current;

    /// <summary>How long from now a <see cref="CertificateValidity.Current"/> certificate stays valid; null means 10
    /// calendar years. Never beyond the CA's own expiry.</summary>
    public TimeSpan? Lifetime { get; init; }

    /// <summary>
    /// Leave the purpose's Extended Key Usage out: a client certificate then carries serverAuth only (vSphere's "classic
    /// cause of failed trust"), a server certificate clientAuth only. Either is refused by a peer that checks the purpose.
    /// </summary>
    public bool WithoutPurposeEku { get; init; }

    /// <summary>Subject Alternative Name DNS entries (server certificates default to "localhost").</summary>
    public IReadOnlyList<string>? DnsNames { get; init; }

    /// <summary>Subject Alternative Name IP entries (server certificates default to 127.0.0.1).</summary>
    public IReadOnlyList<IPAddress>? IpAddresses { get; init; }
}
