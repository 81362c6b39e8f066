using System.Net;
using System.Security.Cryptography.X509Certificates;
using Harness.Kmip.Server;
using Harness.Pki;
using Harness.Simulator.Faults;
using Harness.Simulator.KmsAdministration;

namespace Harness.Simulator;

/// <summary>
/// A KMS cluster of the scenario: an embedded Harness KMS on the simulation's clock, reached through one real TCP relay
/// per "server" of the cluster, so that vCenter meets real refused connections when a server or the whole cluster goes
/// down. Allowed client certificates take effect 5 minutes after the administrator allows them (seed 001). Its server
/// certificate is self-signed and dated in the simulation's time (seed 001: trusted by its thumbprint).
/// </summary>
public sealed class KmsClusterInstance : IAsyncDisposable
{
    private readonly List<KmsRelay> _relays;
    private readonly InMemoryPki? _pki;
    private readonly KmipServer? _server;
    private readonly string? _dataDirectory;
    private readonly KmsAdministrator? _administrator;

    private KmsClusterInstance(string name, InMemoryPki pki, X509Certificate2 serverCertificate, string dataDirectory, KmipServer server, List<KmsRelay> relays)
    {
        Name = name;
        _pki = pki;
        ServerCertificate = serverCertificate;
        _dataDirectory = dataDirectory;
        _server = server;
        _relays = relays;
        _administrator = new KmsAdministrator(server.AdminUrl!, server.AdminToken);
        Administration = _administrator;
    }

    private KmsClusterInstance(string name, ExternalKms external, X509Certificate2 serverCertificate, List<KmsRelay> relays)
    {
        Name = name;
        External = external;
        ServerCertificate = serverCertificate;
        _relays = relays;
        Administration = new ExternalKmsAdministration(external);
    }

    public static readonly TimeSpan AllowedClientDelay = TimeSpan.FromMinutes(5);

    public string Name { get; }

    /// <summary>Set when this cluster is a KMS that is not Harness's own (a vendor's under certification): no embedded server, PKI or admin interface.</summary>
    public ExternalKms? External { get; }

    public InMemoryPki Pki => _pki ?? throw NotEmbedded("test PKI");

    /// <summary>The certificate the KMS presents (with key), self-signed, dated in the simulation's time.</summary>
    public X509Certificate2 ServerCertificate { get; }

    public string DataDirectory => _dataDirectory ?? throw NotEmbedded("data directory");
    public KmipServer Server => _server ?? throw NotEmbedded("server");
    public IReadOnlyList<KmsRelay> Relays => _relays;

    /// <summary>The Harness KMS's admin interface (the embedded KMS only).</summary>
    public KmsAdministrator Administrator => _administrator ?? throw NotEmbedded("admin interface");

    /// <summary>What the scenario's KMS administrator does: the admin interface, or KMIP and a manual administrator for an external KMS.</summary>
    public IKmsAdministration Administration { get; }

    private InvalidOperationException NotEmbedded(string what) =>
        new($"KMS cluster \"{Name}\" is the KMS at {External?.Endpoint}, not an embedded Harness KMS: it has no {what} Harness can use");

    /// <summary>The site's view of the cluster (network, the VMs it runs on); set when the cluster joins a simulation.</summary>
    public KmsClusterSite? Site { get; set; }

    /// <summary>The SHA-1 thumbprint of the KMS server certificate, as vCenter shows and trusts it.</summary>
    public string ServerThumbprint => Thumbprints.Sha1(ServerCertificate);

    public static Task<KmsClusterInstance> StartAsync(string name, int servers, TimeProvider clock) => StartAsync(name, servers, clock, null);

    /// <param name="serverCertificateLifetime">How long the server certificate stays valid from now on the simulation's clock (default 10 years).</param>
    public static async Task<KmsClusterInstance> StartAsync(string name, int servers, TimeProvider clock, TimeSpan? serverCertificateLifetime,
        Harness.Kmip.State createdKeyState = Harness.Kmip.State.PreActive)
    {
        var pki = TestPki.CreateInMemory();
        var serverCertificate = SimCertificates.KmsServer(name, clock.GetUtcNow(), serverCertificateLifetime);
        var data = Path.Combine(Path.GetTempPath(), "harness-sim-kms-" + Guid.NewGuid().ToString("N")[..12]);
        var server = await KmipServer.StartAsync(new KmipServerOptions
        {
            KmipEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
            ServerCertificate = serverCertificate,
            ClientCa = pki.Ca.PublicCertificate,
            DataDirectory = data,
            AdminEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
            AllowedClientDelay = AllowedClientDelay,
            CreatedKeyState = createdKeyState,
        }, time: clock);
        var relays = new List<KmsRelay>();
        for (int i = 1; i <= servers; i++) relays.Add(await KmsRelay.StartAsync(server.Endpoint, $"{name}/{i}"));
        return new KmsClusterInstance(name, pki, serverCertificate, data, server, relays);
    }

    /// <summary>
    /// A cluster that is an external KMS: relays to its one endpoint (one per "server" of the cluster), and the server
    /// certificate it presents, read by a TLS handshake with the client identity vCenter will use.
    /// </summary>
    public static async Task<KmsClusterInstance> ConnectExternalAsync(string name, int servers, ExternalKms external)
    {
        X509Certificate2 serverCertificate;
        try
        {
            await using var client = await external.ConnectAsync().ConfigureAwait(false);
            serverCertificate = client.ServerCertificate
                ?? throw new InvalidOperationException($"the KMS at {external.Endpoint} presented no server certificate");
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException
                                       or System.Security.Authentication.AuthenticationException or Harness.Kmip.KmipException)
        {
            throw new InvalidOperationException($"the KMS at {external.Endpoint} cannot be reached with the client certificate of {external.Pki.Directory}: {ex.Message}", ex);
        }
        var addresses = IPAddress.TryParse(external.Host, out var ip) ? [ip] : await Dns.GetHostAddressesAsync(external.Host).ConfigureAwait(false);
        var endpoint = new IPEndPoint(addresses.First(), external.Port);
        var relays = new List<KmsRelay>();
        for (int i = 1; i <= servers; i++) relays.Add(await KmsRelay.StartAsync(endpoint, $"{name}/{i}").ConfigureAwait(false));
        return new KmsClusterInstance(name, external, serverCertificate, relays);
    }

    /// <summary>The network to the KMS is cut (through the site, so that it combines with the VMs the KMS depends on).</summary>
    public void BecomeUnreachable()
    {
        if (Site is { } site) site.NetworkCut = true;
        else foreach (var r in Relays) r.Refuse();
    }

    /// <summary>The KMS accepts connections and never answers (through the site when there is one); "reachable again" ends it.</summary>
    public void StopAnswering()
    {
        if (Site is { } site) site.Stalled = true;
        else foreach (var r in Relays) r.Stall();
    }

    public void BecomeReachable()
    {
        if (Site is { } site) site.NetworkCut = false;
        else foreach (var r in Relays) r.Restore();
    }

    /// <summary>One server of the cluster goes down (refuses connections) or comes back, through the site when there is one.</summary>
    public void SetServerDown(int n, bool down)
    {
        if (Site is { } site) site.SetServerDown(n, down);
        else if (down) ServerNumber(n).Refuse();
        else ServerNumber(n).Restore();
    }

    public KmsRelay ServerNumber(int n) => n >= 1 && n <= Relays.Count ? Relays[n - 1]
        : throw new ArgumentOutOfRangeException(nameof(n), $"KMS cluster \"{Name}\" has servers 1 to {Relays.Count}, not {n}");

    /// <summary>
    /// The cluster's servers get new addresses (new relays to the same KMS; seed 000 step 4a: "the KMS IP address can be
    /// different"). Whoever still uses the old addresses meets refused connections.
    /// </summary>
    public async Task MoveToNewAddressAsync()
    {
        var old = _relays.ToList();
        for (int i = 0; i < old.Count; i++) _relays[i] = await KmsRelay.StartAsync(old[i].Target, $"{Name}/{i + 1}");
        foreach (var r in old) await r.DisposeAsync();
        Site?.Apply();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var r in Relays) await r.DisposeAsync();
        if (_server is not null) await _server.DisposeAsync();
        _administrator?.Dispose();
        _pki?.Dispose();
        ServerCertificate.Dispose();
        if (_dataDirectory is not null)
            try { Directory.Delete(_dataDirectory, true); } catch (IOException) { }
    }
}
