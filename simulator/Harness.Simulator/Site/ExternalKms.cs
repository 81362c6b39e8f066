using Harness.Kmip.Client;
using Harness.Pki;
using Harness.Simulator.KmsAdministration;

namespace Harness.Simulator;

/// <summary>
/// A KMS that is not Harness's own, for the vSphere scenarios (<c>./harness certify</c> registers one): every KMS cluster
/// of a scenario is this KMS, reached through relays of its own so that the scenario can still cut the network or take
/// a "server" down. vCenter presents the client certificate of <see cref="Pki"/> (the vendor issued it and trusts it
/// already: there is no 5-minute wait) and trusts the server certificate the KMS presents, by its SHA-1 thumbprint.
/// </summary>
/// <param name="Administrator">runs the KMS administrator's steps KMIP cannot express; null: such a step throws
/// <see cref="NeedsKmsAdministratorException"/>.</param>
public sealed record ExternalKms(string Host, int Port, PkiPaths Pki, UsernamePasswordCredential? Credential = null,
    IManualKmsAdministrator? Administrator = null)
{
    public string Endpoint => $"{Host}:{Port}";

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How the KMS is reached at Host:Port: TTLV over TLS as vCenter does, or its HTTPS binding (for the administrator's cleanup after `vectors --transport https`).</summary>
    public KmipTransport Transport { get; init; } = KmipTransport.Tls;
    public TimeSpan ReceiveTimeout { get; init; } = TimeSpan.FromSeconds(10);

    private TlsIdentity? _identity;
    private int _keysCleanedUp;

    /// <summary>The vendor-issued client certificate (with key) and CA, read once.</summary>
    public TlsIdentity ClientIdentity => _identity ??= Pki.LoadClientIdentity();

    /// <summary>How many keys the runs against this KMS made and destroyed again afterwards.</summary>
    public int KeysCleanedUp => _keysCleanedUp;

    internal void CountCleanedUp(int keys) => Interlocked.Add(ref _keysCleanedUp, keys);

    /// <summary>How vCenter connects: the vendor-issued client identity; the server certificate accepted as presented and
    /// trusted by its SHA-1 thumbprint, not by name. Without the certificate: a client the KMS must refuse.</summary>
    public KmipClientOptions ClientOptions(bool withCertificate = true) => new()
    {
        Host = Host,
        Port = Port,
        ClientCertificate = withCertificate ? ClientIdentity.Certificate : null,
        AcceptAnyServerCertificate = true,
        VerifyServerName = false,
        ConnectTimeout = ConnectTimeout,
        ReceiveTimeout = ReceiveTimeout,
        Transport = Transport,
    };

    public Task<KmipClient> ConnectAsync(CancellationToken ct = default) => KmipClient.ConnectAsync(ClientOptions(), ct);
}
