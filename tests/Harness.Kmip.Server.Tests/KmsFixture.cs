using System.Net;
using System.Security.Cryptography.X509Certificates;
using Harness.Kmip.Client;
using Harness.Pki;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// A real Harness KMS for a test: a fresh data directory, an in-memory PKI, KMIP over mutual TLS on a free loopback
/// port, the admin interface on another. Clients connect through the real KMIP client.
/// </summary>
public sealed class KmsFixture : IAsyncDisposable
{
    private readonly Action<KmipServerOptions>? _configure;

    private KmsFixture(InMemoryPki pki, string dataDirectory, KmipServer server, ManualClock clock, TestLogger log, Action<KmipServerOptions>? configure)
    {
        _configure = configure;
        Log = log;
        Pki = pki;
        DataDirectory = dataDirectory;
        Server = server;
        Clock = clock;
    }

    public InMemoryPki Pki { get; }
    public string DataDirectory { get; }
    public KmipServer Server { get; private set; }
    public ManualClock Clock { get; }
    public TestLogger Log { get; }

    public static async Task<KmsFixture> StartAsync(Action<KmipServerOptions>? configure = null, InMemoryPki? pki = null, string? dataDirectory = null)
    {
        pki ??= TestPki.CreateInMemory();
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "harness-kms-" + Guid.NewGuid().ToString("N")[..12]);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var log = new TestLogger();
        var options = Options(pki, dataDirectory);
        configure?.Invoke(options);
        var server = await KmipServer.StartAsync(options, log.Factory, clock);
        return new KmsFixture(pki, dataDirectory, server, clock, log, configure);
    }

    /// <summary>The options a fixture starts its server with (before its configure action).</summary>
    public static KmipServerOptions Options(InMemoryPki pki, string dataDirectory) => new()
    {
        KmipEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
        ServerCertificate = PkiFiles.ForTls(pki.Server),
        ClientCa = pki.Ca.PublicCertificate,
        DataDirectory = dataDirectory,
        AdminEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
    };

    /// <summary>Stops the server and starts a new one on the same data directory (a restart).</summary>
    public async Task RestartAsync()
    {
        await Server.DisposeAsync();
        var options = Options(Pki, DataDirectory);
        _configure?.Invoke(options);
        Server = await KmipServer.StartAsync(options, Log.Factory, Clock);
    }

    public KmipClientOptions ClientOptions(X509Certificate2? clientCertificate = null) => new()
    {
        Host = "127.0.0.1",
        Port = Server.Endpoint.Port,
        ClientCertificate = clientCertificate ?? Pki.Client,
        TrustedCa = Pki.Ca.PublicCertificate,
        ReceiveTimeout = TimeSpan.FromSeconds(20),
    };

    public Task<KmipClient> ConnectAsync(X509Certificate2? clientCertificate = null) =>
        KmipClient.ConnectAsync(ClientOptions(clientCertificate));

    public HttpClient Admin()
    {
        var http = new HttpClient { BaseAddress = Server.AdminUrl };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Server.AdminToken);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Pki.Dispose();
        try { Directory.Delete(DataDirectory, true); } catch (IOException) { }
    }
}

/// <summary>A clock the test advances; the server reads time only from it.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}
