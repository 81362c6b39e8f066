using System.Security.Cryptography.X509Certificates;
using Harness.Pki;
using Harness.Simulator.KmsAdministration;

namespace Harness.Simulator;

/// <summary>
/// The simulated site of a scenario (STEPS.md): the simulation, its KMS clusters, the vCenter in charge, and the fault
/// of the last When step. A scenario that names nothing else gets vCenter "vc01".
/// </summary>
/// <param name="external">when the run registers one (<c>./harness certify</c>), every KMS cluster of the scenario is
/// that KMS instead of an embedded Harness KMS.</param>
public sealed class SimulatedSite(ExternalKms? external = null) : IAsyncDisposable
{
    private readonly Dictionary<string, KmsClusterInstance> _kms = new(StringComparer.Ordinal);

    /// <summary>Per KMS cluster, the SHA-1 of the first vCenter certificate it allowed: the tenant later vCenters join.</summary>
    private readonly Dictionary<string, string> _tenant = new(StringComparer.Ordinal);

    private SiteActions? _actions;

    public Simulation Simulation { get; } = new();

    /// <summary>Every action on this site, once: what the step bindings and the REST API call.</summary>
    public SiteActions Actions => _actions ??= new SiteActions(this);
    public SimClock Clock => Simulation.Clock;

    /// <summary>The failure of the last When step, until "the operation fails with" looks at it.</summary>
    public Exception? PendingFailure { get; private set; }

    public VCenterServer VCenter => Simulation.VCenter ?? Simulation.AddVCenter("vc01");

    public VCenterServer VCenterNamed(string name) =>
        Simulation.VCenters.TryGetValue(name, out var vc) ? vc
        : Simulation.VCenters.Count == 0 && name == "vc01" ? Simulation.AddVCenter(name)
        : throw new VsphereFault("NotFound", $"there is no vCenter \"{name}\"");

    public KmsClusterInstance Kms(string name) => _kms.GetValueOrDefault(name)
        ?? throw new InvalidOperationException($"there is no KMS cluster \"{name}\" (add: Given a KMS cluster \"{name}\")");

    public IEnumerable<KmsClusterInstance> KmsClusters => _kms.Values;

    /// <summary>The Key Protect service KMS clusters of this site keep their root keys in (the emulator, set by whoever
    /// starts it: a step, or `./harness demo --keyprotect`); stopped with the site.</summary>
    public IKeyProtectService? KeyProtect { get; set; }

    /// <summary>The KMS every cluster of this scenario is, when it is not an embedded Harness KMS.</summary>
    public ExternalKms? External => external;

    /// <summary>How long vCenter waits for a KMS node (a key provider server's timeout).</summary>
    public static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(15);

    public Task AddKmsClusterAsync(string name, int servers) => AddKmsClusterAsync(name, servers, null);

    /// <param name="serverCertificateLifetime">How long the KMS server certificate stays valid (simulation time; default 10 years).</param>
    /// <param name="createdKeyState">the KMS's policy for keys created without an Activation Date (Pre-Active or Active); null: KMIP's Pre-Active.</param>
    public async Task AddKmsClusterAsync(string name, int servers, TimeSpan? serverCertificateLifetime, Harness.Kmip.State? createdKeyState = null)
    {
        if (_kms.ContainsKey(name)) throw new InvalidOperationException($"KMS cluster \"{name}\" already exists");
        if (external is not null && serverCertificateLifetime is not null)
            throw new InvalidOperationException($"the KMS at {external.Endpoint} has the server certificate it has: a scenario cannot choose its lifetime");
        if (external is not null && createdKeyState is not null)
            throw new InvalidOperationException($"the KMS at {external.Endpoint} creates keys in the state its own policy says: a scenario cannot choose it");
        var kms = external is null
            ? await KmsClusterInstance.StartAsync(name, servers, Clock, serverCertificateLifetime, createdKeyState ?? Harness.Kmip.State.PreActive)
            : await KmsClusterInstance.ConnectExternalAsync(name, servers, external);
        _kms[name] = kms;
        kms.Site = Simulation.AddKmsCluster(name, () => kms.Relays);
    }

    /// <summary>A KMS cluster of <paramref name="nodes"/> real Harness KMS processes sharing one PostgreSQL database (STEPS.md).</summary>
    public async Task AddKmsNodeClusterAsync(string name, int nodes)
    {
        if (_kms.ContainsKey(name)) throw new InvalidOperationException($"KMS cluster \"{name}\" already exists");
        if (external is not null)
            throw new InvalidOperationException($"every KMS cluster of this run is the KMS at {external.Endpoint}: a scenario cannot start Harness KMS nodes instead");
        var kms = await KmsClusterInstance.StartNodesAsync(name, nodes, Clock);
        _kms[name] = kms;
        kms.Site = Simulation.AddKmsCluster(name, () => kms.Relays);
    }

    /// <summary>
    /// vCenter trusts a KMS cluster, as vCenter really does it: it makes its own client certificate, the KMS
    /// administrator allows it on the KMS, and vCenter trusts the KMS server certificate by its thumbprint. The key
    /// provider is registered under <paramref name="providerName"/> and becomes the default.
    /// </summary>
    public Task TrustAsync(VCenterServer vc, string kmsName, string providerName, bool waitForTrust) =>
        TrustAsync(vc, kmsName, providerName, waitForTrust, null);

    /// <param name="clientCertificateLifetime">How long vCenter's new client certificate stays valid (simulation time; default 10 years).</param>
    public async Task TrustAsync(VCenterServer vc, string kmsName, string providerName, bool waitForTrust, TimeSpan? clientCertificateLifetime)
    {
        var kms = Kms(kmsName);
        if (kms.External is not null && clientCertificateLifetime is not null)
            throw new InvalidOperationException($"vCenter presents the client certificate of {kms.External.Pki.Directory} to the KMS at {kms.External.Endpoint}: a scenario cannot choose its lifetime");
        // An external KMS already trusts the client certificate its vendor issued: vCenter uploads it (with its key).
        var certificate = kms.External is { } ext
            ? ext.ClientIdentity.Certificate
            : await AllowNewClientCertificateAsync(vc, kmsName, clientCertificateLifetime);
        var provider = new KeyProvider(providerName) { ClientCertificate = certificate, Credential = kms.External?.Credential };
        using (var publicPart = X509CertificateLoader.LoadCertificate(kms.ServerCertificate.RawData))
            for (int i = 0; i < kms.Relays.Count; i++)
                provider.Servers.Add(new KmsServerConfig($"{kmsName}-{i + 1}", kms.Relays[i].Endpoint)
                {
                    TrustedThumbprint = kms.ServerThumbprint,
                    TrustedCertificate = X509CertificateLoader.LoadCertificate(publicPart.RawData),
                    // Nodes are processes of their own on the machine's clock, competing for its cores: vCenter waits
                    // for them as long as for a real KMS on a network. A killed node still refuses at once.
                    Timeout = kms.Nodes.Count > 0 ? NodeTimeout : null,
                });
        (await vc.RegisterKmipServer(provider, makeDefault: true)).ThrowIfFault();
        if (waitForTrust) await Simulation.AdvanceAsync(KmsClusterInstance.AllowedClientDelay);
    }

    /// <summary>
    /// vCenter makes a new self-signed client certificate and the KMS administrator allows it (in the tenant of the
    /// first vCenter that trusted this KMS: a rebuilt vCenter's new certificate must see the keys of the one before,
    /// or the VMs' keys would be invisible to it). It is trusted once the KMS's delay has passed.
    /// </summary>
    private async Task<X509Certificate2> AllowNewClientCertificateAsync(VCenterServer vc, string kmsName, TimeSpan? lifetime)
    {
        var kms = Kms(kmsName);
        if (kms.External is not null)
            throw new InvalidOperationException($"vCenter cannot have the KMS at {kms.External.Endpoint} allow a new client certificate: its administrator issues them");
        var certificate = SimCertificates.VCenterClient(vc.Name, Clock.GetUtcNow(), lifetime);
        _tenant.TryGetValue(kmsName, out var tenant);
        try { await kms.Administrator.AllowClientAsync(certificate.ExportCertificatePem(), tenant); }
        catch (KmsAdministrationException ex) when (kms.Nodes.FirstOrDefault(n => n.Running) is { } node)
        {
            throw new KmsAdministrationException($"{ex.Message} ({node.LastOutput})", ex);
        }
        _tenant.TryAdd(kmsName, Thumbprints.Sha1(certificate));
        return certificate;
    }

    /// <summary>
    /// vCenter renews its client certificate for a key provider (the field fix of an expired certificate): a new
    /// certificate, allowed on the KMS, trusted once the KMS's delay (5 minutes) has passed; vCenter and the hosts of
    /// encrypted vSAN clusters present it from now on.
    /// </summary>
    public async Task RenewClientCertificateAsync(VCenterServer vc, string kmsName, TimeSpan? lifetime = null)
    {
        var providerName = vc.KeyProviders.Values.FirstOrDefault(p => p.Name == kmsName)?.Name
                           ?? vc.KeyProviders.Values.FirstOrDefault(p => KmsNamed(p) == kmsName)?.Name
                           ?? throw new VsphereFault("NotFound", $"vCenter \"{vc.Name}\" has no key provider for KMS cluster \"{kmsName}\"");
        var certificate = await AllowNewClientCertificateAsync(vc, kmsName, lifetime);
        (await vc.UploadClientCert(providerName, certificate)).ThrowIfFault();
    }

    private string? KmsNamed(KeyProvider provider)
    {
        var endpoint = provider.Servers.FirstOrDefault()?.Endpoint;
        return _kms.Values.FirstOrDefault(k => k.Relays.Any(r => r.Endpoint.Equals(endpoint)))?.Name;
    }

    /// <summary>Runs a When action; a vSphere fault (or a KMS administrator's request the KMS refused) is kept for "the operation fails with" instead of failing the step.</summary>
    public async Task AttemptAsync(Func<Task> action)
    {
        ThrowIfPendingFailure();
        try { await action(); }
        catch (VsphereFault fault) { PendingFailure = fault; }
        catch (KmsAdministrationException refused) { PendingFailure = refused; }
    }

    /// <summary>A failed When step that no "the operation fails with" step looked at fails the scenario.</summary>
    public void ThrowIfPendingFailure()
    {
        if (PendingFailure is { } f)
        {
            PendingFailure = null;
            throw new InvalidOperationException($"the previous step failed: {f.Message}", f);
        }
    }

    public Exception TakeFailure()
    {
        var f = PendingFailure ?? throw new InvalidOperationException("the last When step did not fail");
        PendingFailure = null;
        return f;
    }

    /// <summary>The KMS cluster instance that holds a VM's key (by its key provider's servers).</summary>
    public KmsClusterInstance KmsOf(VirtualMachine vm) => KmsOfProvider(vm.ProviderId ?? "", $"the key of VM \"{vm.Name}\"");

    /// <summary>The KMS cluster instance behind a key provider of the current vCenter (by its servers, else by name).</summary>
    public KmsClusterInstance KmsOfProvider(string providerId, string what = "the key")
    {
        return KmsOfProviderOrNull(VCenter, providerId)
            ?? (_kms.Count == 1 ? _kms.Values.First() : null)
            ?? throw new InvalidOperationException($"no KMS cluster holds {what} (provider \"{providerId}\")");
    }

    /// <summary>The KMS cluster instance behind a key provider of <paramref name="vc"/> (by the provider's servers), or null.</summary>
    public KmsClusterInstance? KmsOfProviderOrNull(VCenterServer vc, string providerId)
    {
        var endpoint = vc.KeyProviders.GetValueOrDefault(providerId)?.Servers.FirstOrDefault()?.Endpoint;
        return _kms.Values.FirstOrDefault(k => k.Relays.Any(r => r.Endpoint.Equals(endpoint))) ?? _kms.GetValueOrDefault(providerId);
    }

    /// <summary>
    /// Asks the KMS for keys as vCenter would (KMIP Get, with vCenter's client certificate, on a connection of its own):
    /// the keys it serves. Throws <see cref="KeyFetchException"/> when the KMS cannot be reached.
    /// </summary>
    public async Task<Dictionary<string, byte[]>> FetchFromKmsAsync(string providerId, IReadOnlyCollection<string> keyIds)
    {
        var provider = VCenter.KeyProviders.GetValueOrDefault(providerId)
                       ?? Simulation.VCenters.Values.Select(v => v.KeyProviders.GetValueOrDefault(providerId)).OfType<KeyProvider>().FirstOrDefault()
                       ?? throw new InvalidOperationException($"no vCenter knows the key provider \"{providerId}\"");
        await using var crypto = new CryptoManager(Simulation.KmsTimeout, Simulation.KmsTimeout);
        return await crypto.GetServedKeysAsync(provider, keyIds);
    }

    private bool _disposed;

    /// <summary>Stops the site (once; a second call does nothing).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        // On a KMS that is not Harness's own, the keys this scenario made are destroyed: a certification run should
        // not leave dozens of test keys on the vendor's KMS.
        try
        {
            if (external is not null && _kms.Values.FirstOrDefault() is { Administration: ExternalKmsAdministration admin })
                await admin.DestroyQuietlyAsync(Simulation.AllVCentersEver.SelectMany(v => v.Crypto.CreatedKeyIds).ToList());
        }
        finally
        {
            await Simulation.DisposeAsync();
            foreach (var k in _kms.Values) await k.DisposeAsync();
            if (KeyProtect is IAsyncDisposable keyProtect) await keyProtect.DisposeAsync();
        }
    }
}
