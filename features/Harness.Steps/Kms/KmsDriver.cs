using System.Net;
using System.Security.Cryptography.X509Certificates;
using Harness.Kmip.Server;
using Harness.Pki;
using Reqnroll;
using Harness.Simulator.KmsAdministration;

namespace Harness.Steps;

/// <summary>
/// The KMS a scenario talks to. By default an embedded Harness KMS of its own: started on a free loopback port with a
/// fresh data directory and an in-memory test PKI, stopped and deleted when the scenario ends. When the run registers a
/// <see cref="KmsTarget"/>, that KMS instead (it is left running, and keeps what the scenario created).
/// </summary>
public sealed class KmsDriver : IAsyncDisposable
{
    private readonly KmsTarget? _target;
    private InMemoryPki? _pki;
    private KmipServer? _server;
    private string? _dataDirectory;
    private CertificateAuthority? _targetCa;
    private bool _targetClientCertificateUsed;
    private KmsAdministrator? _administrator;
    private bool _disposed;

    /// <summary>Takes the run's <see cref="KmsTarget"/> when one is registered.</summary>
    public KmsDriver(Reqnroll.BoDi.IObjectContainer services, ScenarioDrivers drivers)
        : this(services.IsRegistered<KmsTarget>() ? services.Resolve<KmsTarget>() : null)
    {
        drivers.Add(this);
    }

    internal KmsDriver(KmsTarget? target) => _target = target;

    public bool IsEmbedded => _target is null;

    /// <summary>The embedded server once started (null for a target KMS).</summary>
    public KmipServer? EmbeddedServer => _server;

    public string Host => _target?.Host ?? "127.0.0.1";

    public int Port => _target?.Port ?? (_server ?? throw NotStarted()).Endpoint.Port;

    public string Describe() => _target is null
        ? _server is null ? "the embedded Harness KMS (not started)" : $"the embedded Harness KMS at {Host}:{Port}"
        : $"the KMS at {_target.Endpoint}";

    /// <summary>Starts the embedded KMS (once); for a target KMS there is nothing to start.</summary>
    public async Task StartAsync()
    {
        if (_target is not null || _server is not null) return;
        _pki = TestPki.CreateInMemory();
        _dataDirectory = Path.Combine(Path.GetTempPath(), "harness-scenario-kms-" + Guid.NewGuid().ToString("N")[..12]);
        _server = await KmipServer.StartAsync(new KmipServerOptions
        {
            KmipEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
            ServerCertificate = PkiFiles.ForTls(_pki.Server),
            ClientCa = _pki.Ca.PublicCertificate,
            DataDirectory = _dataDirectory,
            AdminEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
        }).ConfigureAwait(false);
    }

    /// <summary>The CA the KMS server certificate chains to (clients trust it).</summary>
    public X509Certificate2 ServerCa => _target is not null
        ? _targetServerCa ??= PkiFiles.LoadCertificate(_target.Pki.Ca)
        : (_pki ?? throw NotStarted()).Ca.PublicCertificate;

    private X509Certificate2? _targetServerCa;

    /// <summary>
    /// A client certificate (with key) from the KMS's CA, new for each client so that each is its own owner on the KMS.
    /// A target KMS's PKI directory needs <c>ca.key</c> for that; without it, only one client can use <c>client.crt</c>.
    /// </summary>
    public X509Certificate2 IssueClientCertificate(string clientName)
    {
        var commonName = $"{clientName} (Harness scenario client)";
        if (_target is null) return (_pki ?? throw NotStarted()).Ca.IssueClient(commonName);
        if (_targetCa is null && File.Exists(_target.Pki.CaKey)) _targetCa = CertificateAuthority.Load(_target.Pki.Directory);
        if (_targetCa is not null) return _targetCa.IssueClient(commonName);
        if (_targetClientCertificateUsed)
            throw new InvalidOperationException(
                $"client \"{clientName}\" needs a certificate of its own, but {_target.Pki.CaKey} does not exist: give --pki a directory " +
                $"with the CA key (./harness pki init writes one), or use one client per scenario ({_target.Pki.ClientCert} is taken)");
        _targetClientCertificateUsed = true;
        return _target.Pki.LoadClientIdentity().Certificate;
    }

    /// <summary>The KMS administrator's interface; fails with what to configure when this KMS has none.</summary>
    public KmsAdministrator Administrator => _administrator ??= _target switch
    {
        null when _server?.AdminUrl is { } url => new KmsAdministrator(url, _server.AdminToken),
        null => throw NotStarted(),
        { AdminUrl: { } url } => new KmsAdministrator(url, _target.AdminToken),
        _ => throw new KmsAdministrationUnavailableException(
            $"this KMS has no admin interface configured (give --admin URL --admin-token TOKEN): {Describe()} was given without one"),
    };

    /// <summary>
    /// A name for a KMIP Name attribute: the scenario's own for the embedded KMS; on a target KMS with a suffix unique to
    /// this scenario, so that runs do not collide with the names earlier runs left behind.
    /// </summary>
    public string KmipNameFor(string scenarioName) => _target is null ? scenarioName : $"{scenarioName} ({_runSuffix})";

    private readonly string _runSuffix = "harness-" + Guid.NewGuid().ToString("N")[..8];

    private static InvalidOperationException NotStarted() =>
        new("no KMS has been started in this scenario: begin it with \"Given a KMS\"");

    /// <summary>Stops the embedded KMS and deletes its folder (once; later calls do nothing).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _administrator?.Dispose();
        _targetCa?.Dispose();
        _targetServerCa?.Dispose();
        if (_server is not null) await _server.DisposeAsync().ConfigureAwait(false);
        _pki?.Dispose();
        if (_dataDirectory is not null)
        {
            try { Directory.Delete(_dataDirectory, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* best effort: a temp folder */ }
        }
    }
}

/// <summary>An administrator step ran against a KMS without an admin interface.</summary>
public sealed class KmsAdministrationUnavailableException(string message) : Exception(message);
