namespace Harness.Simulator;

public enum PowerState { PoweredOff, PoweredOn }

/// <summary>VirtualMachine.runtime.cryptoState.</summary>
public enum CryptoState { Unlocked, Locked }

/// <summary>Host crypto state (VSPHERE-MODEL.md): incapable → prepared → safe; safe → pendingIncapable → incapable after reboot.</summary>
public enum HostCryptoState { Incapable, Prepared, Safe, PendingIncapable }

/// <summary>HostSystem.runtime.connectionState: connected, disconnected (by vCenter or administrator), notResponding (the host is down).</summary>
public enum HostConnectionState { Connected, Disconnected, NotResponding }

/// <summary>VirtualMachine.runtime.connectionState (vSphere's VirtualMachineConnectionState).</summary>
public enum VmConnectionState { Connected, Disconnected, Orphaned, Inaccessible, Invalid }

/// <summary>
/// What a VM is to the site's own infrastructure (VSPHERE-MODEL.md, circular dependencies): encrypting such a VM, or
/// placing it on an encrypted vSAN datastore, makes the keys depend on the VM that serves them.
/// </summary>
public enum InfrastructureRole { None, VCenterServer, DnsServer, KmsServer, NsxManager }

/// <summary>A cluster of hosts; vCenter pushes a VM's key to every host of the VM's cluster.</summary>
public sealed class Cluster(string name, Datacenter datacenter)
{
    public string Name { get; } = name;
    public Datacenter Datacenter { get; } = datacenter;
    public List<EsxiHost> Hosts { get; } = [];
    public Datastore Datastore { get; } = new($"{name}-ds");

    /// <summary>vSphere HA (ClusterDasConfigInfo.enabled): a failed host's VMs restart on the other hosts of the cluster.</summary>
    public bool HaEnabled { get; set; }

    /// <summary>Set when vSAN encryption is enabled: the cluster's KEK and host key on the KMS (the datastore is then the encrypted vSAN datastore).</summary>
    public VsanEncryptionConfig? VsanEncryption { get; set; }

    public bool VsanEncrypted => VsanEncryption is not null;

    /// <summary>
    /// Whether the cluster's datastore can be read: always, unless it is an encrypted vSAN datastore, which needs the
    /// disk groups of at least half of the hosts mounted (vSAN objects keep a replica on another host; a two-host
    /// cluster has its witness).
    /// </summary>
    public bool DatastoreAccessible => !VsanEncrypted || Hosts.Count(h => h.DiskGroupsMounted) * 2 >= Math.Max(1, Hosts.Count);

    public override string ToString() => Name;
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

/// <summary>A virtual machine: where it runs, its files on the datastore, its power and crypto state.</summary>
public sealed class VirtualMachine(string name, EsxiHost host, Datastore datastore, VmFiles files)
{
    private PowerState _powerState;

    public string Name { get; } = name;
    public EsxiHost Host { get; private set; } = host;
    public Datastore Datastore { get; set; } = datastore;
    public VmFiles Files { get; } = files;

    public PowerState PowerState
    {
        get => _powerState;
        set
        {
            if (_powerState == value) return;
            _powerState = value;
            PowerStateChanged?.Invoke(this);
        }
    }

    /// <summary>Raised after the power state changed (the site follows the VMs its KMS, DNS and vCenter run on).</summary>
    public event Action<VirtualMachine>? PowerStateChanged;

    public CryptoState CryptoState { get; set; }

    /// <summary>Registered with the current vCenter (a new vCenter starts with none registered).</summary>
    public bool Registered { get; set; } = true;

    /// <summary>
    /// VirtualMachine.runtime.connectionState: invalid while locked (vSphere shows a locked VM as invalid), disconnected
    /// while its host does not respond, inaccessible while its datastore cannot be read, else connected.
    /// </summary>
    public VmConnectionState ConnectionState =>
        Host.ConnectionState != HostConnectionState.Connected ? VmConnectionState.Disconnected
        : CryptoState == CryptoState.Locked ? VmConnectionState.Invalid
        : Datastore == Host.Cluster.Datastore && !Host.Cluster.DatastoreAccessible ? VmConnectionState.Inaccessible
        : VmConnectionState.Connected;

    /// <summary>What the VM is to the site's infrastructure, and for <see cref="InfrastructureRole.KmsServer"/> which KMS cluster.</summary>
    public InfrastructureRole Role { get; set; }

    public string? RoleDetail { get; set; }

    /// <summary>Infrastructure VMs start with their host (VM autostart), without vCenter; other VMs wait for an administrator.</summary>
    public bool AutoStart => Role != InfrastructureRole.None;

    /// <summary>Snapshots of the VM (a deep rekey is refused while there are any).</summary>
    public int Snapshots { get; set; }

    /// <summary>The encryption bundles the VM had before each rekey, oldest first (the simulator's record, to compare keys).</summary>
    public List<EncryptionBundle> KeyHistory { get; } = [];

    public bool Encrypted => Files.Bundle is not null;

    /// <summary>VirtualMachine.config.keyId.keyId.</summary>
    public string? KeyId => Files.Bundle?.KeyId;

    /// <summary>VirtualMachine.config.keyId.providerId.id.</summary>
    public string? ProviderId => Files.Bundle?.ProviderId;

    /// <summary>The VM's key and the keys of disks encrypted with a key of their own.</summary>
    public IReadOnlyList<string> RequiredKeyIds =>
        Files.Bundle is null ? [] : new[] { Files.Bundle.KeyId }.Concat(Files.Disks.Select(d => d.KeyId).OfType<string>()).Distinct().ToList();

    /// <summary>The VM now runs on (is registered on) another host: vMotion, registration elsewhere, a vSphere HA restart.</summary>
    public void MoveTo(EsxiHost host)
    {
        if (Host == host) return;
        Host.Vms.Remove(this);
        host.Vms.Add(this);
        Host = host;
    }

    /// <summary>The KEK ID that wraps this disk's DEK: the disk's own key, or the VM's.</summary>
    public string? KeyIdOf(VirtualDisk disk) => disk.KeyId ?? KeyId;

    public override string ToString() => Name;
}

/// <summary>A core dump of a host, encrypted (AES-256-GCM) under a DEK wrapped with the host key.</summary>
public sealed class CoreDump(string name, string hostKeyId, byte[] wrappedDek, EncryptedData data, byte[] digest)
{
    public string Name { get; } = name;
    public string HostKeyId { get; set; } = hostKeyId;
    public byte[] WrappedDek { get; set; } = wrappedDek;
    public EncryptedData Data { get; } = data;
    public byte[] Digest { get; } = digest;
}
