using System.Net;
using Harness.Kmip.Server;
using Harness.Pki;
using Harness.Simulator;
using Harness.Simulator.Faults;

namespace Harness.Steps;

/// <summary>
/// A KMS cluster of the scenario: an embedded Harness KMS on the simulation's clock, reached through one real TCP relay
/// per "server" of the cluster, so that vCenter meets real refused connections when a server or the whole cluster goes
/// down. Allowed client certificates take effect 5 minutes after the administrator allows them (seed 001).
/// </summary>
public sealed class KmsClusterInstance : IAsyncDisposable
{
    private KmsClusterInstance(string name, InMemoryPki pki, string dataDirectory, KmipServer server, IReadOnlyList<KmsRelay> relays)
    {
        Name = name;
        Pki = pki;
        DataDirectory = dataDirectory;
        Server = server;
        Relays = relays;
        Administrator = new KmsAdministrator(server.AdminUrl!, server.AdminToken);
    }

    public static readonly TimeSpan AllowedClientDelay = TimeSpan.FromMinutes(5);

    public string Name { get; }
    public InMemoryPki Pki { get; }
    public string DataDirectory { get; }
    public KmipServer Server { get; }
    public IReadOnlyList<KmsRelay> Relays { get; }
    public KmsAdministrator Administrator { get; }

    /// <summary>The SHA-1 thumbprint of the KMS server certificate, as vCenter shows and trusts it.</summary>
    public string ServerThumbprint => Thumbprints.Sha1(Pki.Server);

    public static async Task<KmsClusterInstance> StartAsync(string name, int servers, TimeProvider clock)
    {
        var pki = TestPki.CreateInMemory();
        var data = Path.Combine(Path.GetTempPath(), "harness-sim-kms-" + Guid.NewGuid().ToString("N")[..12]);
        var server = await KmipServer.StartAsync(new KmipServerOptions
        {
            KmipEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
            ServerCertificate = PkiFiles.ForTls(pki.Server),
            ClientCa = pki.Ca.PublicCertificate,
            DataDirectory = data,
            AdminEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
            AllowedClientDelay = AllowedClientDelay,
        }, time: clock);
        var relays = new List<KmsRelay>();
        for (int i = 1; i <= servers; i++) relays.Add(await KmsRelay.StartAsync(server.Endpoint, $"{name}/{i}"));
        return new KmsClusterInstance(name, pki, data, server, relays);
    }

    public void BecomeUnreachable() { foreach (var r in Relays) r.Refuse(); }
    public void BecomeReachable() { foreach (var r in Relays) r.Restore(); }

    public KmsRelay ServerNumber(int n) => n >= 1 && n <= Relays.Count ? Relays[n - 1]
        : throw new ArgumentOutOfRangeException(nameof(n), $"KMS cluster \"{Name}\" has servers 1 to {Relays.Count}, not {n}");

    public async ValueTask DisposeAsync()
    {
        foreach (var r in Relays) await r.DisposeAsync();
        await Server.DisposeAsync();
        Administrator.Dispose();
        Pki.Dispose();
        try { Directory.Delete(DataDirectory, true); } catch (IOException) { }
    }
}
