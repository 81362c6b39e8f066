using System.Security.Cryptography;

namespace Harness.Simulator;

/// <summary>
/// A simulated vCenter Server: key providers, the crypto manager that talks KMIP to them, the inventory it manages,
/// events, alarms, users and privileges. Its own state lives here: losing vCenter loses it; a new vCenter starts empty
/// and learns VMs by registering them from their datastores.
/// </summary>
public sealed class VCenterServer : IAsyncDisposable
{
    public VCenterServer(string name, TimeProvider clock, TimeSpan? kmsTimeout = null)
    {
        Name = name;
        Clock = clock;
        Events = new EventLog(clock);
        Alarms = new AlarmManager(clock);
        var timeout = kmsTimeout ?? TimeSpan.FromSeconds(5);
        Crypto = new CryptoManager(timeout, timeout);
    }

    public string Name { get; }
    public TimeProvider Clock { get; }
    public EventLog Events { get; }
    public AlarmManager Alarms { get; }
    public CryptoManager Crypto { get; }
    public Dictionary<string, KeyProvider> KeyProviders { get; } = new(StringComparer.Ordinal);
    public string? DefaultProvider { get; set; }
    public List<Datacenter> Datacenters { get; } = [];
    public Dictionary<string, HashSet<string>> UserPrivileges { get; } = new(StringComparer.Ordinal);
    public bool Lost { get; private set; }

    /// <summary>The privileges a user lacks ("Cryptographer.RegisterVM"); users not listed have them all.</summary>
    public Dictionary<string, HashSet<string>> MissingPrivileges { get; } = new(StringComparer.Ordinal);

    public IEnumerable<Cluster> Clusters => Datacenters.SelectMany(d => d.Clusters);
    public IEnumerable<EsxiHost> Hosts => Clusters.SelectMany(c => c.Hosts);
    public IEnumerable<VirtualMachine> Vms => Hosts.SelectMany(h => h.Vms).Where(v => v.Registered);

    public VirtualMachine Vm(string name) => Vms.FirstOrDefault(v => v.Name == name)
        ?? throw new VsphereFault("NotFound", $"vCenter \"{Name}\" has no VM \"{name}\"");

    public EsxiHost Host(string name) => Hosts.FirstOrDefault(h => h.Name == name)
        ?? throw new VsphereFault("NotFound", $"vCenter \"{Name}\" has no host \"{name}\"");

    private void RequireAlive()
    {
        if (Lost) throw new VsphereFault("HostCommunication", $"vCenter \"{Name}\" is lost");
    }

    private void RequirePrivilege(string? user, string privilege)
    {
        if (user is not null && MissingPrivileges.TryGetValue(user, out var missing) && missing.Contains(privilege))
            throw new VsphereFault("NoPermission", $"user \"{user}\" lacks the privilege {privilege}");
    }

    private KeyProvider ProviderOf(VirtualMachine vm) =>
        KeyProviders.GetValueOrDefault(vm.ProviderId!)
        ?? throw new VsphereFault("InvalidState", $"the key provider \"{vm.ProviderId}\" of VM \"{vm.Name}\" is not known to vCenter \"{Name}\"");

    // ---- encryption -------------------------------------------------------------------------------------------

    /// <summary>
    /// Encrypts a VM: a new KEK from the default key provider (vCenter's KMIP conversation), a DEK per disk made by
    /// the host and wrapped with the KEK into the VMX's bundle, the disk data encrypted under its DEK; the KEK is pushed
    /// to every host of the VM's cluster.
    /// </summary>
    public async Task EncryptVmAsync(VirtualMachine vm)
    {
        RequireAlive();
        if (vm.Encrypted) throw new VsphereFault("InvalidState", $"VM \"{vm.Name}\" is already encrypted");
        var provider = KeyProviders.GetValueOrDefault(DefaultProvider ?? "")
                       ?? throw new VsphereFault("InvalidState", "no default key provider is set: trust a KMS cluster first");
        (string keyId, byte[] kek) = await GenerateKeyOrFault(vm, provider);
        var wrapped = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var disk in vm.Files.Disks)
        {
            var dek = DiskCrypto.NewDek();
            var clear = disk.ClearData ?? [];
            disk.Encrypted = DiskCrypto.Encrypt(dek, clear);
            disk.ClearData = null;
            wrapped[disk.Name] = DiskCrypto.WrapDek(kek, dek);
            CryptographicOperations.ZeroMemory(dek);
        }
        vm.Files.Bundle = new EncryptionBundle(provider.Name, keyId, wrapped);
        foreach (var host in vm.Host.Cluster.Hosts) PushKey(host, keyId, kek);
        Events.Log(EventTypes.VmReconfigured, vm.Name, "VirtualMachine", $"Virtual machine is encrypted with key {keyId} of key provider {provider.Name}.");
    }

    private async Task<(string, byte[])> GenerateKeyOrFault(VirtualMachine vm, KeyProvider provider)
    {
        try { return await Crypto.GenerateKeyAsync(provider); }
        catch (KeyFetchException ex)
        {
            Events.Log(EventTypes.KeyGenerateFail, vm.Name, "VirtualMachine", $"Failed to generate a key on KMS cluster {provider.Name}: {ex.Message}");
            throw new VsphereFault("InvalidState", ex.Message);
        }
    }

    private void PushKey(EsxiHost host, string keyId, byte[] key)
    {
        bool wasSafe = host.CryptoState == HostCryptoState.Safe;
        host.AddKey(keyId, key);
        if (!wasSafe) Events.Log(EventTypes.HostCryptoEnabled, host.Name, "HostSystem");
    }

    // ---- keys for hosts ---------------------------------------------------------------------------------------

    /// <summary>
    /// Makes sure the hosts have the keys of these VMs: keys a host lacks are fetched from the KMS, each key once, many
    /// per KMIP message, and pushed to every host of the VM's cluster. Returns, per VM that still lacks its key, why.
    /// </summary>
    public async Task<Dictionary<VirtualMachine, KeyFetchException>> EnsureKeysAsync(IEnumerable<VirtualMachine> vms)
    {
        var failures = new Dictionary<VirtualMachine, KeyFetchException>();
        var needy = vms.Where(v => v.Encrypted && !v.Host.HasKey(v.KeyId!)).ToList();
        foreach (var group in needy.GroupBy(v => v.ProviderId!))
        {
            if (!KeyProviders.TryGetValue(group.Key, out var provider))
            {
                foreach (var vm in group)
                    failures[vm] = new KeyFetchException(KeyFailure.KeyMissingOnKms, group.Key,
                        $"vCenter \"{Name}\" does not know the key provider \"{group.Key}\" of VM \"{vm.Name}\"");
                continue;
            }
            Dictionary<string, byte[]> keys;
            try { keys = await Crypto.GetKeysAsync(provider, group.Select(v => v.KeyId!).Distinct().ToList()); }
            catch (KeyFetchException ex)
            {
                Events.Log(EventTypes.KmsUnreachable, provider.Name, "KmsCluster", $"KMS cluster {provider.Name} is unreachable: {ex.Message}");
                foreach (var vm in group) failures[vm] = ex;
                continue;
            }
            foreach (var vm in group)
            {
                if (keys.TryGetValue(vm.KeyId!, out var key))
                    foreach (var host in vm.Host.Cluster.Hosts) PushKey(host, vm.KeyId!, key);
                else
                    failures[vm] = new KeyFetchException(KeyFailure.KeyMissingOnKms, provider.Name,
                        $"key {vm.KeyId} of VM \"{vm.Name}\" is missing on KMS cluster \"{provider.Name}\" (not found, or not active)");
            }
        }
        return failures;
    }

    // ---- VM states ----------------------------------------------------------------------------------------------

    public void Lock(VirtualMachine vm, string lockEvent)
    {
        bool wasLocked = vm.CryptoState == CryptoState.Locked;
        vm.CryptoState = CryptoState.Locked;
        vm.PowerState = PowerState.PoweredOff;
        if (!wasLocked || Events.For(vm.Name).LastOrDefault(e => e.TypeId.StartsWith("com.vmware.vc.vm.Crypto.VM"))?.TypeId != lockEvent)
            Events.Log(lockEvent, vm.Name, "VirtualMachine");
        Alarms.Trigger(AlarmManager.VmLockedAlarm, EventTypes.Messages[lockEvent],
            (vm.Name, "VirtualMachine"), (vm.Host.Name, "HostSystem"), (vm.Host.Cluster.Name, "ClusterComputeResource"));
    }

    private void Unlock(VirtualMachine vm)
    {
        if (vm.CryptoState == CryptoState.Locked)
        {
            vm.CryptoState = CryptoState.Unlocked;
            Events.Log(EventTypes.VmUnlocked, vm.Name, "VirtualMachine");
        }
        Alarms.Clear(AlarmManager.VmLockedAlarm, vm.Name);
    }

    /// <summary>
    /// A host came back from a reboot: its VMs are registered, powered off; vCenter fetches the keys the host lacks and
    /// pushes them; VMs whose key it cannot get lock (KMS cluster error, or key missing on the KMS).
    /// </summary>
    public async Task HostReconnectedAsync(EsxiHost host)
    {
        RequireAlive();
        Events.Log(EventTypes.HostConnected, host.Name, "HostSystem");
        var vms = host.Vms.Where(v => v.Registered).ToList();
        var failures = await EnsureKeysAsync(vms);
        foreach (var vm in vms.Where(v => v.Encrypted))
        {
            if (failures.TryGetValue(vm, out var why)) Lock(vm, why.LockEvent);
            else Unlock(vm);
        }
    }

    /// <summary>Keys vanish from a host behind vCenter's back: its encrypted VMs that used them lock at once.</summary>
    public void KeysRemovedFromHost(EsxiHost host, string keyId)
    {
        host.RemoveKey(keyId);
        foreach (var vm in host.Vms.Where(v => v.Registered && v.KeyId == keyId)) Lock(vm, EventTypes.VmLockedKeyMissingOnHost);
    }

    /// <summary>
    /// CryptoUnlock_Task (privilege Cryptographer.RegisterVM): vCenter gets the key and pushes it. Faults: InvalidState
    /// when the KMS cannot be reached, InvalidVmState when the key cannot be had.
    /// </summary>
    public async Task UnlockVmAsync(VirtualMachine vm, string? user = null)
    {
        RequireAlive();
        RequirePrivilege(user, "Cryptographer.RegisterVM");
        if (!vm.Encrypted) throw new VsphereFault("InvalidVmState", $"VM \"{vm.Name}\" is not encrypted");
        ProviderOf(vm);
        var failures = await EnsureKeysAsync([vm]);
        if (failures.TryGetValue(vm, out var why))
        {
            Lock(vm, why.LockEvent);
            throw new VsphereFault(why.Failure == KeyFailure.KmsClusterError ? "InvalidState" : "InvalidVmState",
                $"{EventTypes.Messages[why.LockEvent]} {why.Message}");
        }
        Unlock(vm);
    }

    /// <summary>
    /// RegisterVM_Task from the VM's files on its datastore: the VM joins this vCenter's inventory; when its host lacks
    /// the key, vCenter must retrieve it, which needs the privilege Cryptographic operations.RegisterVM.
    /// </summary>
    public async Task RegisterVmAsync(VirtualMachine vm, string? user = null)
    {
        RequireAlive();
        if (vm.Encrypted && !vm.Host.HasKey(vm.KeyId!)) RequirePrivilege(user, "Cryptographer.RegisterVM");
        vm.Registered = true;
        Events.Log(EventTypes.VmRegistered, vm.Name, "VirtualMachine");
        if (!vm.Encrypted) return;
        if (!KeyProviders.ContainsKey(vm.ProviderId!))
        {
            Lock(vm, EventTypes.VmLockedKeyMissingOnKms);
            throw new VsphereFault("InvalidState", $"the key provider \"{vm.ProviderId}\" of VM \"{vm.Name}\" is not known to vCenter \"{Name}\"");
        }
        var failures = await EnsureKeysAsync([vm]);
        if (failures.TryGetValue(vm, out var why))
        {
            Lock(vm, why.LockEvent);
            throw new VsphereFault("InvalidState", $"{EventTypes.Messages[why.LockEvent]} {why.Message}");
        }
        Unlock(vm);
    }

    /// <summary>PowerOnVM_Task: a locked VM cannot power on; a disk whose key is missing fails with the disk named.</summary>
    public Task PowerOnVmAsync(VirtualMachine vm)
    {
        RequireAlive();
        if (vm.CryptoState == CryptoState.Locked)
            throw new VsphereFault("InvalidVmState", $"VM \"{vm.Name}\" is locked: it cannot be powered on until it is unlocked");
        if (vm.Encrypted && !vm.Host.HasKey(vm.KeyId!))
            throw new VsphereFault("InvalidVmState", $"The disk {vm.Files.Disks.FirstOrDefault()?.Path} is encrypted and a required key was not found.");
        vm.PowerState = PowerState.PoweredOn;
        Events.Log(EventTypes.VmPoweredOn, vm.Name, "VirtualMachine");
        return Task.CompletedTask;
    }

    /// <summary>vCenter is lost: its state goes with it (KMS connections dropped, nothing answers).</summary>
    public async Task LoseAsync()
    {
        Lost = true;
        await Crypto.DisposeAsync();
    }

    public ValueTask DisposeAsync() => Crypto.DisposeAsync();
}
