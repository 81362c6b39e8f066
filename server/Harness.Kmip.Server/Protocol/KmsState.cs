using Harness.Kmip.Server.Operations;
using Harness.Kmip.Server.Storage;
using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server;

/// <summary>The server's shared state: the objects, the clock, the known clients, the operations, the log.</summary>
public sealed class KmsState
{
    public KmsState(ObjectStore store, ClientRegistry clients, TimeProvider time, ILogger log, KmipServerOptions options)
    {
        Store = store;
        Clients = clients;
        Time = time;
        Log = log;
        Options = options;
        RequestLog = new RequestLogLimiter(log, time, options.MaxRequestLogLinesPerMinute);
        Operations = OperationCatalog.Create().ToDictionary(o => o.Operation);
        Streams = new Cryptography.CryptoStreams(time);
        ServerCertificateContext = System.Net.Security.SslStreamCertificateContext.Create(options.ServerCertificate, null);
        Notifications = new Notifications(log);
        Credentials = new Credentials(this);
        store.Committing = Notifications.Committing;
        if (store.Durable is ISharedDurableStore shared)
        {
            Follower = new SharedStoreFollower(shared, store, clients);
        }
    }

    /// <summary>With a store shared by several KMS nodes (PostgreSQL): what keeps this node up to date; null with SQLite.</summary>
    public SharedStoreFollower? Follower { get; }

    /// <summary>Takes in what other KMS nodes committed (a shared store only): await before serving a request, a handshake or an admin call.</summary>
    public Task CatchUpAsync(CancellationToken ct = default) => Follower is { } follower ? follower.CatchUpAsync(ct) : Task.CompletedTask;

    /// <summary>Checks the request header's Credential (<see cref="Server.Credentials"/>).</summary>
    public Credentials Credentials { get; }

    /// <summary>Put and Notify to the clients that opened a server-to-client channel (Set Endpoint Role).</summary>
    public Notifications Notifications { get; }

    public ObjectStore Store { get; }
    public ClientRegistry Clients { get; }
    public TimeProvider Time { get; }
    public ILogger Log { get; }
    public KmipServerOptions Options { get; }

    /// <summary>RNG Retrieve's and RNG Seed's generator.</summary>
    public Cryptography.RandomGenerator Random { get; } = new();

    /// <summary>Hash, MAC and MAC Verify streams in progress (Correlation Values).</summary>
    public Cryptography.CryptoStreams Streams { get; }

    /// <summary>Bounds the log lines clients cause (<see cref="RequestLogLimiter"/>).</summary>
    public RequestLogLimiter RequestLog { get; }

    /// <summary>The server certificate prepared for TLS once (chain built at start-up, not at every handshake).</summary>
    public System.Net.Security.SslStreamCertificateContext ServerCertificateContext { get; }
    public IReadOnlyDictionary<Operation, KmipOperation> Operations { get; }

    /// <summary>The tickets Login issued (KMIP 2.1 §6.1.30), for requests that authenticate with them.</summary>
    public LoginTickets Tickets { get; } = new();

    /// <summary>Batch items answered Operation Pending, until Poll or Cancel (KMIP 1.4 §6.7, 2.1 §9.1).</summary>
    public AsynchronousRequests Asynchronous { get; } = new();

    /// <summary>Each client's object defaults and constraints (KMIP 2.1 Set Defaults, Set Constraints).</summary>
    public ObjectPolicies Policies { get; } = new();

    /// <summary>PKCS#11 sessions begun by C_Initialize (KMIP 2.1 §6.1.37), by correlation value, with the client that owns each.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> Pkcs11Sessions { get; } = new();

    /// <summary>The most PKCS#11 sessions one client may hold; C_Initialize beyond it ends the client's oldest.</summary>
    public const int MaxPkcs11SessionsPerClient = 100;

    /// <summary>Interop test cases in progress (KMIP 2.1 §6.1.31 Interop), by "client/identifier".</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> InteropCases { get; } = new();

    /// <summary>Interop test cases one client may have in progress; beginning another forgets its oldest.</summary>
    public const int MaxInteropCasesPerClient = 100;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _openConnections = new(StringComparer.Ordinal);

    /// <summary>Counts a connection of <paramref name="clientId"/>; false (not counted) when it already has as many as allowed.</summary>
    public bool TryEnterConnection(string clientId)
    {
        while (true)
        {
            int now = _openConnections.GetValueOrDefault(clientId);
            if (now >= Options.MaxConnectionsPerClient) return false;
            if (now == 0 ? _openConnections.TryAdd(clientId, 1) : _openConnections.TryUpdate(clientId, now + 1, now)) return true;
        }
    }

    public void LeaveConnection(string clientId)
    {
        while (true)
        {
            int now = _openConnections.GetValueOrDefault(clientId);
            if (now <= 1) { if (_openConnections.TryRemove(new KeyValuePair<string, int>(clientId, now))) return; }
            else if (_openConnections.TryUpdate(clientId, now - 1, now)) return;
        }
    }
}
