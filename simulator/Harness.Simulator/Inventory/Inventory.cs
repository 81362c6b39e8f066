namespace Harness.Simulator;

public enum PowerState { PoweredOff, PoweredOn }

/// <summary>VirtualMachine.runtime.cryptoState.</summary>
public enum CryptoState { Unlocked, Locked }

/// <summary>Host crypto state (VSPHERE-MODEL.md): incapable → prepared → safe; safe → pendingIncapable → incapable after reboot.</summary>
public enum HostCryptoState { Incapable, Prepared, Safe, PendingIncapable }

/// <summary>A cluster of hosts; vCenter pushes a VM's key to every host of the VM's cluster.</summary>
public sealed class Cluster(string name, Datacenter datacenter)
{
    public string Name { get; } = name;
    public Datacenter Datacenter { get; } = datacenter;
    public List<EsxiHost> Hosts { get; } = [];
    public Datastore Datastore { get; } = new($"{name}-ds");
}

public sealed class Datacenter(string name)
{
    public string Name { get; } = name;
    public List<Cluster> Clusters { get; } = [];
}

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
    public bool KeyPersistence { get; set; }
    public List<VirtualMachine> Vms { get; } = [];

    public IReadOnlyCollection<string> CachedKeyIds { get { lock (_keyCache) return _keyCache.Keys.ToList(); } }

    public bool HasKey(string keyId) { lock (_keyCache) return _keyCache.ContainsKey(keyId); }

    public byte[]? Key(string keyId) { lock (_keyCache) return _keyCache.GetValueOrDefault(keyId); }

    /// <summary>vCenter pushes a key (keys can be added only in crypto-safe mode; adding one makes the host safe).</summary>
    public void AddKey(string keyId, byte[] key)
    {
        CryptoState = HostCryptoState.Safe;
        lock (_keyCache) _keyCache[keyId] = key;
    }

    public bool RemoveKey(string keyId) { lock (_keyCache) return _keyCache.Remove(keyId); }

    /// <summary>The host restarts: VMs power off (they stay registered), the key cache is lost unless persisted.</summary>
    public void Reboot()
    {
        if (!KeyPersistence) lock (_keyCache) _keyCache.Clear();
        if (CryptoState == HostCryptoState.PendingIncapable) CryptoState = HostCryptoState.Incapable;
        foreach (var vm in Vms) vm.PowerState = PowerState.PoweredOff;
    }
}

/// <summary>A virtual machine: where it runs, its files on the datastore, its power and crypto state.</summary>
public sealed class VirtualMachine(string name, EsxiHost host, Datastore datastore, VmFiles files)
{
    public string Name { get; } = name;
    public EsxiHost Host { get; set; } = host;
    public Datastore Datastore { get; } = datastore;
    public VmFiles Files { get; } = files;
    public PowerState PowerState { get; set; }
    public CryptoState CryptoState { get; set; }

    /// <summary>Registered with the current vCenter (a new vCenter starts with none registered).</summary>
    public bool Registered { get; set; } = true;

    public bool Encrypted => Files.Bundle is not null;

    /// <summary>VirtualMachine.config.keyId.keyId.</summary>
    public string? KeyId => Files.Bundle?.KeyId;

    /// <summary>VirtualMachine.config.keyId.providerId.id.</summary>
    public string? ProviderId => Files.Bundle?.ProviderId;

    public override string ToString() => Name;
}
