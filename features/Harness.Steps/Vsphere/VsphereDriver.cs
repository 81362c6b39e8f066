using Harness.Pki;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>
/// The simulated site of a scenario (STEPS.md): the simulation, its KMS clusters, the vCenter in charge, and the fault
/// of the last When step. A scenario that names nothing else gets vCenter "vc01".
/// </summary>
public sealed class VsphereDriver : IAsyncDisposable
{
    private readonly Dictionary<string, KmsClusterInstance> _kms = new(StringComparer.Ordinal);

    /// <summary>Per KMS cluster, the SHA-1 of the first vCenter certificate it allowed: the tenant later vCenters join.</summary>
    private readonly Dictionary<string, string> _tenant = new(StringComparer.Ordinal);

    public Simulation Simulation { get; } = new();
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

    public async Task AddKmsClusterAsync(string name, int servers)
    {
        if (_kms.ContainsKey(name)) throw new InvalidOperationException($"KMS cluster \"{name}\" already exists");
        _kms[name] = await KmsClusterInstance.StartAsync(name, servers, Clock);
    }

    /// <summary>
    /// vCenter trusts a KMS cluster, as vCenter really does it: it makes its own client certificate, the KMS
    /// administrator allows it on the KMS, and vCenter trusts the KMS server certificate by its thumbprint. The key
    /// provider is registered under <paramref name="providerName"/> and becomes the default.
    /// </summary>
    public async Task TrustAsync(VCenterServer vc, string kmsName, string providerName, bool waitForTrust)
    {
        var kms = Kms(kmsName);
        var certificate = CertificateAuthority.CreateSelfSigned($"vCenter {vc.Name}");
        // A rebuilt vCenter's new certificate joins the keys of the vCenter before it (the KMS administrator adds it to
        // the same tenant), or the VMs' keys would be invisible to it.
        _tenant.TryGetValue(kmsName, out var tenant);
        await kms.Administrator.AllowClientAsync(certificate.ExportCertificatePem(), tenant);
        _tenant.TryAdd(kmsName, Thumbprints.Sha1(certificate));
        var provider = new KeyProvider(providerName) { ClientCertificate = PkiFiles.ForTls(certificate) };
        for (int i = 0; i < kms.Relays.Count; i++)
            provider.Servers.Add(new KmsServerConfig($"{kmsName}-{i + 1}", kms.Relays[i].Endpoint) { TrustedThumbprint = kms.ServerThumbprint });
        vc.KeyProviders[providerName] = provider;
        vc.DefaultProvider = providerName;
        if (waitForTrust) Clock.Advance(KmsClusterInstance.AllowedClientDelay);
    }

    /// <summary>Runs a When action; a vSphere fault is kept for "the operation fails with" instead of failing the step.</summary>
    public async Task AttemptAsync(Func<Task> action)
    {
        ThrowIfPendingFailure();
        try { await action(); }
        catch (VsphereFault fault) { PendingFailure = fault; }
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
    public KmsClusterInstance KmsOf(VirtualMachine vm)
    {
        var provider = VCenter.KeyProviders.GetValueOrDefault(vm.ProviderId ?? "");
        var endpoint = provider?.Servers.FirstOrDefault()?.Endpoint;
        return _kms.Values.FirstOrDefault(k => k.Relays.Any(r => r.Endpoint.Equals(endpoint)))
            ?? _kms.Values.FirstOrDefault(k => k.Name == vm.ProviderId)
            ?? throw new InvalidOperationException($"no KMS cluster holds the key of VM \"{vm.Name}\" (provider \"{vm.ProviderId}\")");
    }

    public async ValueTask DisposeAsync()
    {
        await Simulation.DisposeAsync();
        foreach (var k in _kms.Values) await k.DisposeAsync();
    }
}
