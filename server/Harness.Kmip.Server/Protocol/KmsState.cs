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
        Operations = OperationCatalog.Create().ToDictionary(o => o.Operation);
        ServerCertificateContext = System.Net.Security.SslStreamCertificateContext.Create(options.ServerCertificate, null);
    }

    public ObjectStore Store { get; }
    public ClientRegistry Clients { get; }
    public TimeProvider Time { get; }
    public ILogger Log { get; }
    public KmipServerOptions Options { get; }

    /// <summary>The server certificate prepared for TLS once (chain built at start-up, not at every handshake).</summary>
    public System.Net.Security.SslStreamCertificateContext ServerCertificateContext { get; }
    public IReadOnlyDictionary<Operation, KmipOperation> Operations { get; }

    /// <summary>Interop test cases in progress (KMIP 2.1 §6.1.31 Interop), by identifier.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> InteropCases { get; } = new();
}
