namespace Harness.Simulator;

/// <summary>Host crypto state (VSPHERE-MODEL.md): incapable → prepared → safe; safe → pendingIncapable → incapable after reboot.</summary>
public enum HostCryptoState { Incapable, Prepared, Safe, PendingIncapable }

/// <summary>HostSystem.runtime.connectionState: connected, disconnected (by vCenter or administrator), notResponding (the host is down).</summary>
public enum HostConnectionState { Connected, Disconnected, NotResponding }

/// <summary>
/// An ESXi host: the VMs registered on it, its crypto state, and its key cache, in memory only: a reboot empties it
/// (unless key persistence is on, vSphere 7.0U2+ with a TPM).
/// </summary>
public sealed class EsxiHost(string name, Cluster cluster)
{
    private readonly Dictionary<string, byte[]> _keyCache = new(StringComparer.Ordinal);

    public string Name { get; } = name;
    public Cluster Cluster { get; } = cluster;
    public HostCryptoState CryptoState { get; set; } = HostCryptoState.Incapable;

    /// <summary>HostSystem.runtime.connectionState: NotResponding while the host is down after a failure.</summary>
    public HostConnectionState ConnectionState { get; set; } = HostConnectionState.Connected;

    public bool KeyPersistence { get; set; }
    public List<VirtualMachine> Vms { get; } = [];

    /// <summary>The host key (core dump encryption, and shared by the hosts of an encrypted vSAN cluster); null until vCenter sets one.</summary>
    public string? HostKeyId { get; set; }

    /// <summary>The key provider the host key came from.</summary>
    public string? HostKeyProviderId { get; set; }

    /// <summary>Host keys this host had before (renewing a host key leaves the old one on the KMS).</summary>
    public List<string> PreviousHostKeyIds { get; } = [];

    /// <summary>Core dumps in /var/core, encrypted with the host key.</summary>
    public List<CoreDump> CoreDumps { get; } = [];

    /// <summary>The vSAN disk groups of the host (encrypted vSAN clusters only): durable, on the host's own disks.</summary>
    public List<DiskGroup> DiskGroups { get; } = [];

    /// <summary>True when the host has disk groups and every one of them is mounted.</summary>
    public bool DiskGroupsMounted => DiskGroups.Count > 0 && DiskGroups.All(d => d.Mounted);

    /// <summary>
    /// The host's own KMIP client to the KMS (vSAN encryption: vCenter pushes its key provider configuration and client
    /// certificate to the hosts, which fetch the cluster's keys themselves after a reboot).
    /// </summary>
    public HostKmsClient? KmsClient { get; set; }

    public IReadOnlyCollection<string> CachedKeyIds { get { lock (_keyCache) return _keyCache.Keys.ToList(); } }

    public bool HasKey(string keyId) { lock (_keyCache) return _keyCache.ContainsKey(keyId); }

    public byte[]? Key(string keyId) { lock (_keyCache) return _keyCache.GetValueOrDefault(keyId); }

    /// <summary>Every key the VM needs (its own and its disks') is in this host's cache.</summary>
    public bool HasKeysOf(VirtualMachine vm) => !vm.Encrypted || vm.RequiredKeyIds.All(HasKey);

    /// <summary>A key enters the host's cache (keys can be added only in crypto-safe mode: vCenter enables crypto first).</summary>
    public void AddKey(string keyId, byte[] key)
    {
        if (CryptoState != HostCryptoState.Safe)
            throw new InvalidOperationException($"host \"{Name}\" is {CryptoState}: keys can be added only in crypto-safe mode (EnableCrypto first)");
        lock (_keyCache) _keyCache[keyId] = key;
    }

    /// <summary>HostSystem's CryptoManagerHost.PrepareCrypto: incapable → prepared (the host can now receive a host key).</summary>
    public void PrepareCrypto()
    {
        if (CryptoState is HostCryptoState.Incapable or HostCryptoState.PendingIncapable) CryptoState = HostCryptoState.Prepared;
    }

    /// <summary>CryptoManagerHost.EnableCrypto: a prepared host gets its host key and enters crypto-safe mode.</summary>
    public void EnableCrypto(string hostKeyId, byte[] hostKey, string providerId)
    {
        if (CryptoState == HostCryptoState.Incapable)
            throw new InvalidOperationException($"host \"{Name}\" is incapable: PrepareCrypto first");
        CryptoState = HostCryptoState.Safe;
        if (HostKeyId is { } old && old != hostKeyId) PreviousHostKeyIds.Add(old);
        HostKeyId = hostKeyId;
        HostKeyProviderId = providerId;
        lock (_keyCache) _keyCache[hostKeyId] = hostKey;
    }

    /// <summary>
    /// The host crashes (no clean shutdown): its VMs stop, its memory (the key cache, unless persisted with a TPM) is
    /// gone, its disk groups unmount, and vCenter sees it not responding until it is back.
    /// </summary>
    public void Fail()
    {
        Reboot();
        ConnectionState = HostConnectionState.NotResponding;
    }

    public bool RemoveKey(string keyId) { lock (_keyCache) return _keyCache.Remove(keyId); }

    /// <summary>The host restarts: VMs power off (they stay registered), the key cache is lost unless persisted, disk groups unmount.</summary>
    public void Reboot()
    {
        if (!KeyPersistence) lock (_keyCache) _keyCache.Clear();
        if (CryptoState == HostCryptoState.PendingIncapable) CryptoState = HostCryptoState.Incapable;
        foreach (var vm in Vms) vm.PowerState = PowerState.PoweredOff;
        foreach (var dg in DiskGroups) dg.Mounted = false;
    }

    public override string ToString() => Name;
}
