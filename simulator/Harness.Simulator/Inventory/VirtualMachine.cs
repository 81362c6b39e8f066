namespace Harness.Simulator;

/// <summary>VirtualMachine.runtime.powerState (suspended is not simulated).</summary>
public enum PowerState { PoweredOff, PoweredOn }

/// <summary>VirtualMachine.runtime.cryptoState.</summary>
public enum CryptoState { Unlocked, Locked }

/// <summary>VirtualMachine.runtime.connectionState (vSphere's VirtualMachineConnectionState).</summary>
public enum VmConnectionState { Connected, Disconnected, Orphaned, Inaccessible, Invalid }

/// <summary>
/// What a VM is to the site's own infrastructure (VSPHERE-MODEL.md, circular dependencies): encrypting such a VM, or
/// placing it on an encrypted vSAN datastore, makes the keys depend on the VM that serves them.
/// </summary>
public enum InfrastructureRole { None, VCenterServer, DnsServer, KmsServer, NsxManager }

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
