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
    private KmipServer? _server;
    private readonly string? _dataDirectory;
    private KmsAdministrator? _administrator;
    private TimeProvider? _clock;
    private Harness.Kmip.State _createdKeyState;
    private readonly List<KmsNodeProcess>? _nodes;
    private readonly Dictionary<int, KmsAdministrator> _nodeAdministrators = new();

    private KmsClusterInstance(string name, InMemoryPki pki, X509Certificate2 serverCertificate, string dataDirectory, KmipServer server, List<KmsRelay> relays)
    {
        Name = name;
        _pki = pki;
        ServerCertificate = serverCertificate;
        _dataDirectory = dataDirectory;
        _server = server;
        _relays = relays;
        _administrator = new KmsAdministrator(server.AdminUrl!, server.AdminToken);
    }

    private KmsClusterInstance(string name, InMemoryPki pki, X509Certificate2 serverCertificate, string dataDirectory,
        List<KmsNodeProcess> nodes, string database, List<KmsRelay> relays)
    {
        Name = name;
        _pki = pki;
        ServerCertificate = serverCertificate;
        _dataDirectory = dataDirectory;
        _nodes = nodes;
        Database = database;
        _relays = relays;
        _administration = new NodeClusterAdministration(this);
    }

    private KmsClusterInstance(string name, ExternalKms external, X509Certificate2 serverCertificate, List<KmsRelay> relays)
    {
        Name = name;
        External = external;
        ServerCertificate = serverCertificate;
        _relays = relays;
        _administration = new ExternalKmsAdministration(external);
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

    /// <summary>The cluster's node processes when it is nodes sharing one PostgreSQL database (else empty).</summary>
    public IReadOnlyList<KmsNodeProcess> Nodes => (IReadOnlyList<KmsNodeProcess>?)_nodes ?? [];

    /// <summary>The PostgreSQL database its nodes share (`harness serve --store` form), when it has nodes.</summary>
    public string? Database { get; }
    public IReadOnlyList<KmsRelay> Relays => _relays;

    /// <summary>The Harness KMS's admin interface (the embedded KMS only).</summary>
    public KmsAdministrator Administrator => _administrator ?? (_nodes is not null ? LiveNodeAdministrator() : throw NotEmbedded("admin interface"));

    /// <summary>The admin interface of the first node that runs: every node sees the same database.</summary>
    private KmsAdministrator LiveNodeAdministrator()
    {
        var node = _nodes!.FirstOrDefault(n => n.Running)
                   ?? throw new KmsAdministrationException($"no node of KMS cluster \"{Name}\" is running: its admin interface cannot be reached");
        lock (_nodeAdministrators)
        {
            if (!_nodeAdministrators.TryGetValue(node.Number, out var admin))
                _nodeAdministrators[node.Number] = admin = new KmsAdministrator(node.AdminUrl, node.AdminToken);
            return admin;
        }
    }

    /// <summary>Where the KMS listens for KMIP: the embedded server, or each node.</summary>
    public string KmipEndpoints => _server is not null ? _server.Endpoint.ToString()
        : _nodes is not null ? string.Join(", ", _nodes.Select(n => n.Endpoint.ToString()))
        : External?.Endpoint ?? "";

    /// <summary>The admin interface to read the KMS through (the embedded server's, or a running node's), or null.</summary>
    public (Uri Url, string Token)? AdminAccess =>
        _server is { AdminUrl: { } url } ? (url, _server.AdminToken)
        : _nodes?.FirstOrDefault(n => n.Running) is { } node ? (node.AdminUrl, node.AdminToken)
        : null;

    public KmsNodeProcess Node(int n) => _nodes is null
        ? throw new InvalidOperationException($"KMS cluster \"{Name}\" is one embedded KMS, not nodes sharing a PostgreSQL database (Given a KMS cluster \"{Name}\" with 3 nodes sharing one PostgreSQL database)")
        : n >= 1 && n <= _nodes.Count ? _nodes[n - 1]
        : throw new ArgumentOutOfRangeException(nameof(n), $"KMS cluster \"{Name}\" has nodes 1 to {_nodes.Count}, not {n}");

    /// <summary>kill -9 of node <paramref name="n"/>'s process: vCenter meets refused connections on that server.</summary>
    public void KillNode(int n) => Node(n).Kill();

    /// <summary>Starts node <paramref name="n"/>'s process again, on the same ports and database.</summary>
    public async Task RestartNodeAsync(int n)
    {
        var node = Node(n);
        if (node.Running) throw new InvalidOperationException($"KMS node {n} of cluster \"{Name}\" is running: kill it first");
        await node.StartAsync().ConfigureAwait(false);
        await WarmUpAsync(node, Pki).ConfigureAwait(false);
        lock (_nodeAdministrators)
            if (_nodeAdministrators.Remove(n, out var old)) old.Dispose();
    }

    /// <summary>What the scenario's KMS administrator does: the admin interface, or KMIP and a manual administrator for an external KMS.</summary>
    public IKmsAdministration Administration => _administration ?? _administrator!;

    /// <summary>The administration of nodes or of an external KMS (null: the embedded KMS's admin interface, which a
    /// restart with a new root key replaces).</summary>
    private readonly IKmsAdministration? _administration;

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
        var loopback = new IPEndPoint(IPAddress.Loopback, 0);
        var server = await KmipServer.StartAsync(EmbeddedOptions(pki, serverCertificate, data, createdKeyState, loopback, loopback, null), time: clock);
        var relays = new List<KmsRelay>();
        for (int i = 1; i <= servers; i++) relays.Add(await KmsRelay.StartAsync(server.Endpoint, $"{name}/{i}"));
        return new KmsClusterInstance(name, pki, serverCertificate, data, server, relays) { _clock = clock, _createdKeyState = createdKeyState };
    }

    private static KmipServerOptions EmbeddedOptions(InMemoryPki pki, X509Certificate2 serverCertificate, string data, Harness.Kmip.State createdKeyState,
        IPEndPoint kmip, IPEndPoint admin, Harness.Kmip.Server.RootKeys.KeyProtectOptions? keyProtect) => new()
    {
        KmipEndpoint = kmip,
        ServerCertificate = serverCertificate,
        ClientCa = pki.Ca.PublicCertificate,
        DataDirectory = data,
        AdminEndpoint = admin,
        AllowedClientDelay = AllowedClientDelay,
        CreatedKeyState = createdKeyState,
        KeyProtect = keyProtect,
    };

    /// <summary>The Key Protect service this cluster keeps its customer root key in, when it does.</summary>
    public IKeyProtectService? KeyProtect { get; private set; }

    /// <summary>The ID of the customer root key in <see cref="KeyProtect"/> that wraps every key of this cluster.</summary>
    public string? CustomerRootKeyId { get; private set; }

    /// <summary>
    /// The cluster keeps its root key in Key Protect from now on: a new customer root key is made there, and the KMS
    /// (the embedded server, or every node) starts again on the same ports and data with it. Every data key is then
    /// wrapped and unwrapped by Key Protect, and the KMS asks Key Protect at every use (no cache), so that disabling,
    /// enabling or deleting the root key shows at the KMS's next request. Only before the KMS holds any object: keys
    /// sealed under the local root key are not moved into Key Protect.
    /// </summary>
    public async Task KeepRootKeyInKeyProtectAsync(IKeyProtectService keyProtect)
    {
        if (KeyProtect is not null) throw new InvalidOperationException($"KMS cluster \"{Name}\" already keeps its root key {CustomerRootKeyId} in Key Protect");
        if (External is not null) throw NotEmbedded("root key Harness can move");
        if (_server is not null ? _server.State.Store.Count > 0 : (await Administrator.ObjectsAsync().ConfigureAwait(false)).Count > 0)
            throw new InvalidOperationException($"KMS cluster \"{Name}\" already holds keys sealed under its local root key: say that it keeps its root key in Key Protect before any VM is encrypted");
        var rootKey = keyProtect.CreateRootKey($"{Name} customer root key");
        var apiKeyFile = Path.Combine(DataDirectory, "keyprotect.apikey");
        PkiFiles.WriteSecret(apiKeyFile, keyProtect.ApiKey + "\n");
        if (_server is { } old)
        {
            var kmip = old.Endpoint;
            var admin = new IPEndPoint(IPAddress.Loopback, old.AdminUrl!.Port);
            await old.DisposeAsync().ConfigureAwait(false);
            _server = await KmipServer.StartAsync(EmbeddedOptions(Pki, ServerCertificate, DataDirectory, _createdKeyState, kmip, admin,
                new Harness.Kmip.Server.RootKeys.KeyProtectOptions
                {
                    Url = keyProtect.Url, IamUrl = keyProtect.IamUrl, InstanceId = keyProtect.InstanceId, RootKeyId = rootKey.Id,
                    ApiKeyFile = apiKeyFile, CacheFor = TimeSpan.Zero,
                }), time: _clock).ConfigureAwait(false);
            _administrator?.Dispose();
            _administrator = new KmsAdministrator(_server.AdminUrl!, _server.AdminToken);
        }
        else
        {
            foreach (var node in Nodes) node.Kill();
            foreach (var node in Nodes)
            {
                node.ExtraArguments = [.. node.ExtraArguments, "--root-key", "keyprotect", "--kp-url", keyProtect.Url.AbsoluteUri,
                    "--iam-url", keyProtect.IamUrl.AbsoluteUri, "--kp-instance", keyProtect.InstanceId, "--kp-root-key", rootKey.Id,
                    "--kp-apikey-file", apiKeyFile, "--kp-cache-seconds", "0"];
                await RestartNodeAsync(node.Number).ConfigureAwait(false);
            }
        }
        KeyProtect = keyProtect;
        CustomerRootKeyId = rootKey.Id;
    }

    /// <summary>
    /// A KMS cluster of <paramref name="nodes"/> real `harness serve` processes on one PostgreSQL database (a database
    /// of its own on the process's shared PostgreSQL server), each a server of the cluster behind a relay of its own.
    /// They share the cluster's server certificate, client CA and root key. The nodes run on the machine's clock, not
    /// the simulation's: allowed client certificates are trusted at once.
    /// </summary>
    public static async Task<KmsClusterInstance> StartNodesAsync(string name, int nodes, TimeProvider clock, IReadOnlyList<string>? nodeArguments = null)
    {
        if (nodes < 1) throw new ArgumentOutOfRangeException(nameof(nodes), $"a KMS cluster has at least one node, not {nodes}");
        var postgres = await PostgresServer.SharedAsync().ConfigureAwait(false);
        var database = await postgres.CreateDatabaseAsync(name).ConfigureAwait(false);
        var pki = TestPki.CreateInMemory();
        var serverCertificate = SimCertificates.KmsServer(name, clock.GetUtcNow());
        var data = Path.Combine(Path.GetTempPath(), "harness-sim-kms-" + Guid.NewGuid().ToString("N")[..12]);
        var pkiDirectory = Path.Combine(data, "pki");
        Directory.CreateDirectory(pkiDirectory);
        PkiFiles.WriteCertificate(Path.Combine(pkiDirectory, "ca.crt"), pki.Ca.PublicCertificate);
        PkiFiles.WriteCertificate(Path.Combine(pkiDirectory, "server.crt"), serverCertificate);
        PkiFiles.WritePrivateKey(Path.Combine(pkiDirectory, "server.key"), serverCertificate);
        var rootKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var list = new List<KmsNodeProcess>();
        var relays = new List<KmsRelay>();
        try
        {
            for (int i = 1; i <= nodes; i++)
            {
                var nodeData = Path.Combine(data, $"node{i}");
                Directory.CreateDirectory(nodeData);
                await File.WriteAllBytesAsync(Path.Combine(nodeData, Harness.Kmip.Server.RootKeys.RootKey.FileName), rootKey).ConfigureAwait(false);
                var node = new KmsNodeProcess(i, nodeData, pkiDirectory, database, nodeArguments);
                list.Add(node);
            }
            // One at a time: the first one creates the schema.
            foreach (var node in list)
            {
                await node.StartAsync().ConfigureAwait(false);
                await WarmUpAsync(node, pki).ConfigureAwait(false);
            }
            foreach (var node in list) relays.Add(await KmsRelay.StartAsync(node.Endpoint, $"{name}/{node.Number}").ConfigureAwait(false));
        }
        catch
        {
            foreach (var node in list) await node.DisposeAsync().ConfigureAwait(false);
            foreach (var r in relays) await r.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new KmsClusterInstance(name, pki, serverCertificate, data, list, database, relays);
    }

    /// <summary>
    /// A few KMIP requests to a node that just started (with the test PKI's client certificate, which owns nothing), so
    /// that vCenter's first request to it, with vCenter's timeout, is not the one that pays for a cold process.
    /// </summary>
    private static async Task WarmUpAsync(KmsNodeProcess node, InMemoryPki pki)
    {
        await using var client = await Harness.Kmip.Client.KmipClient.ConnectAsync(new Harness.Kmip.Client.KmipClientOptions
        {
            Host = node.Endpoint.Address.ToString(), Port = node.Endpoint.Port, ClientCertificate = pki.Client,
            AcceptAnyServerCertificate = true, VerifyServerName = false,
        }).ConfigureAwait(false);
        var kmip = new Harness.Kmip.Client.KmipOperations(client, Harness.Kmip.ProtocolVersion.V1_1);
        await kmip.QueryAsync([Harness.Kmip.QueryFunction.QueryOperations, Harness.Kmip.QueryFunction.QueryObjects]).ConfigureAwait(false);
        await kmip.LocateAsync([], 1).ConfigureAwait(false);
        try { await kmip.GetAsync("warm-up").ConfigureAwait(false); }
        catch (Harness.Kmip.KmipException) { /* Item Not Found: what was asked */ }
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
        foreach (var node in Nodes) await node.DisposeAsync();
        foreach (var admin in _nodeAdministrators.Values) admin.Dispose();
        _administrator?.Dispose();
        _pki?.Dispose();
        ServerCertificate.Dispose();
        if (_dataDirectory is not null)
            try { Directory.Delete(_dataDirectory, true); } catch (IOException) { }
    }
}
