using System.Security.Cryptography;

namespace Harness.Simulator;

/// <summary>
/// vCenter's VirtualMachine and Folder methods beyond power: registration (UnregisterVM, Folder.RegisterVM_Task,
/// Reload), mobility (MigrateVM_Task, CloneVM_Task) and decryption (ReconfigVM_Task with a decrypt crypto spec), with the
/// rules of vSphere Security 6.7–8.0 (VSPHERE-MODEL.md, "More rules").
/// </summary>
public sealed partial class VCenterServer
{
    private readonly Dictionary<object, string> _moIds = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, object> _byMoId = new(StringComparer.Ordinal);
    private int _lastMoId;

    /// <summary>
    /// The managed object ID this vCenter gives an object of its inventory (vm-N, host-N, domain-cN, datastore-N,
    /// datacenter-N), stable while the object stays in the inventory; a VM registered again gets a new one.
    /// </summary>
    public string MoId(object entity)
    {
        lock (_moIds)
        {
            if (_moIds.TryGetValue(entity, out var id)) return id;
            string prefix = entity switch
            {
                VirtualMachine => "vm-",
                EsxiHost => "host-",
                Cluster => "domain-c",
                Datastore => "datastore-",
                Datacenter => "datacenter-",
                _ => throw new ArgumentException($"{entity.GetType().Name} is not a managed entity of the inventory", nameof(entity)),
            };
            id = $"{prefix}{++_lastMoId}";
            _moIds[entity] = id;
            _byMoId[id] = entity;
            return id;
        }
    }

    /// <summary>The inventory object with this managed object ID (vm-N, host-N, ...), or null (never given, or forgotten).</summary>
    public object? EntityOf(string moId)
    {
        lock (_moIds) return _byMoId.GetValueOrDefault(moId);
    }

    private void ForgetMoId(object entity)
    {
        lock (_moIds)
            if (_moIds.Remove(entity, out var id)) _byMoId.Remove(id);
    }

    /// <summary>
    /// UnregisterVM: the VM leaves the inventory; its files (and its key on the KMS) stay. Refused while powered on
    /// (InvalidPowerState). A locked VM can be unregistered: its alarm goes with it.
    /// </summary>
    internal void UnregisterVm(VirtualMachine vm, string? user = null)
    {
        RequireAlive();
        if (!vm.Registered) throw new VsphereFault("NotFound", $"VM \"{vm.Name}\" is not registered with vCenter \"{Name}\"");
        if (vm.PowerState == PowerState.PoweredOn) throw new VsphereFault("InvalidPowerState", $"VM \"{vm.Name}\" is powered on: power it off before unregistering it");
        vm.Registered = false;
        Alarms.Clear(AlarmManager.VmLockedAlarm, vm.Name);
        Events.Log(EventTypes.VmRemoved, vm.Name, "VirtualMachine", $"Virtual machine {vm.Name} ({MoId(vm)}) is removed from the inventory; its files stay on datastore {vm.Datastore.Name}.", user);
        ForgetMoId(vm);
    }

    /// <summary>
    /// Folder.RegisterVM_Task: the VM joins the inventory from its .vmx on the datastore, on <paramref name="host"/> (its
    /// host so far when null), with a new managed object ID; AlreadyExists while it is still registered. When the host
    /// lacks the VM's key, vCenter must retrieve it, which needs the privilege Cryptographer.RegisterVM; a key it cannot
    /// get leaves the VM registered but locked, and the task fails with the lock's reason.
    /// </summary>
    internal async Task RegisterVmAsync(VirtualMachine vm, EsxiHost? host = null, string? user = null)
    {
        RequireAlive();
        if (vm.Registered)
            throw new VsphereFault("AlreadyExists", $"VM \"{vm.Name}\" is already registered as {MoId(vm)} on host \"{vm.Host.Name}\": unregister it first");
        host ??= vm.Host;
        if (!Hosts.Contains(host)) throw new VsphereFault("NotFound", $"vCenter \"{Name}\" has no host \"{host.Name}\"");
        if (host.ConnectionState != HostConnectionState.Connected)
            throw new VsphereFault("InvalidHostState", $"host \"{host.Name}\" is {host.ConnectionState}: a VM cannot be registered on it");
        if (vm.Encrypted && !host.HasKey(vm.KeyId!)) RequirePrivilege(user, "Cryptographer.RegisterVM");
        vm.MoveTo(host);
        vm.Registered = true;
        Events.Log(EventTypes.VmRegistered, vm.Name, "VirtualMachine", $"Virtual machine {vm.Name} is registered on host {host.Name} as {MoId(vm)} from {vm.Files.VmxPath}.", user);
        if (!vm.Encrypted) return;
        if (!KeyProviders.ContainsKey(vm.ProviderId!))
        {
            Lock(vm, EventTypes.VmLockedKeyMissingOnKms);
            throw new VsphereFault("InvalidState", $"the key provider \"{vm.ProviderId}\" of VM \"{vm.Name}\" is not known to vCenter \"{Name}\"");
        }
        await KeysOrLockAsync(vm, _ => "InvalidState");
        Unlock(vm);
    }

    /// <summary>
    /// What an administrator calls re-registering: UnregisterVM (when the VM is still in the inventory) and then
    /// RegisterVM_Task on the same host, as the recovery runbooks do for locked VMs.
    /// </summary>
    internal async Task ReRegisterVmAsync(VirtualMachine vm, string? user = null)
    {
        if (vm.Registered) UnregisterVm(vm, user);
        await RegisterVmAsync(vm, vm.Host, user);
    }

    /// <summary>
    /// VirtualMachine.Reload: vCenter reads the VM's files again. A locked (invalid) VM whose keys vCenter can now get
    /// (restored or reactivated on the KMS) becomes valid and unlocked; otherwise it stays locked, with the lock's event.
    /// </summary>
    internal async Task ReloadVmAsync(VirtualMachine vm, string? user = null)
    {
        RequireAlive();
        if (!vm.Registered) throw new VsphereFault("NotFound", $"VM \"{vm.Name}\" is not registered with vCenter \"{Name}\"");
        Events.Log(EventTypes.VmReloaded, vm.Name, "VirtualMachine", $"Virtual machine {vm.Name} is reloaded from {vm.Files.VmxPath}.", user);
        if (!vm.Encrypted || vm.Host.ConnectionState != HostConnectionState.Connected) return;
        var failures = await EnsureKeysAsync([vm]);
        if (failures.TryGetValue(vm, out var why)) Lock(vm, why.LockEvent);
        else Unlock(vm);
    }

    /// <summary>
    /// MigrateVM_Task (vMotion), privilege Cryptographer.Migrate for an encrypted VM, whose vMotion is always encrypted.
    /// The destination host gets the VM's keys from vCenter: from a host that holds them, else (no host has them)
    /// fetched from the KMS, which must hold them Active. A locked VM cannot move; the VM keeps its power state and its
    /// files stay where they are (shared storage).
    /// </summary>
    internal async Task MigrateVmAsync(VirtualMachine vm, EsxiHost destination, string? user = null)
    {
        RequireAlive();
        if (!vm.Registered) throw new VsphereFault("NotFound", $"VM \"{vm.Name}\" is not registered with vCenter \"{Name}\"");
        if (vm.Encrypted) RequirePrivilege(user, "Cryptographer.Migrate");
        if (!Hosts.Contains(destination)) throw new VsphereFault("NotFound", $"vCenter \"{Name}\" has no host \"{destination.Name}\"");
        if (destination == vm.Host) throw new VsphereFault("InvalidArgument", $"VM \"{vm.Name}\" already runs on host \"{destination.Name}\"");
        if (vm.CryptoState == CryptoState.Locked)
            throw new VsphereFault("InvalidVmState", $"VM \"{vm.Name}\" is locked: unlock it before migrating it");
        if (vm.Host.ConnectionState != HostConnectionState.Connected)
            throw new VsphereFault("InvalidHostState", $"the host \"{vm.Host.Name}\" of VM \"{vm.Name}\" is {vm.Host.ConnectionState}");
        if (destination.ConnectionState != HostConnectionState.Connected)
            throw new VsphereFault("InvalidHostState", $"host \"{destination.Name}\" is {destination.ConnectionState}: it cannot receive VM \"{vm.Name}\"");
        if (vm.Encrypted) await GiveKeysAsync(vm, destination, user);
        var source = vm.Host;
        vm.MoveTo(destination);
        Events.Log(EventTypes.VmMigrated, vm.Name, "VirtualMachine",
            $"Virtual machine {vm.Name} is migrated from host {source.Name} to host {destination.Name}{(vm.Encrypted ? " (encrypted vMotion)" : "")}.", user);
    }

    /// <summary>
    /// The keys of an encrypted VM reach a host and the hosts of its cluster: copied from a connected host that holds
    /// them, the others fetched from the KMS (Active keys only). Fails with the lock event's words when a key cannot be had.
    /// </summary>
    private async Task GiveKeysAsync(VirtualMachine vm, EsxiHost destination, string? user)
    {
        var missing = vm.RequiredKeyIds.Where(id => !destination.HasKey(id)).ToList();
        if (missing.Count == 0) return;
        var fromHosts = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var id in missing)
            if (Hosts.FirstOrDefault(h => h.ConnectionState == HostConnectionState.Connected && h.HasKey(id))?.Key(id) is { } key)
                fromHosts[id] = key;
        var toFetch = missing.Where(id => !fromHosts.ContainsKey(id)).ToList();
        if (toFetch.Count > 0)
        {
            var provider = ProviderOf(vm);
            KeyFetch fetched;
            try { fetched = await Crypto.FetchKeysAsync(provider, toFetch); }
            catch (KeyFetchException ex)
            {
                throw new VsphereFault("InvalidState", $"{EventTypes.Messages[EventTypes.VmLockedKmsClusterError]} {ex.Message}");
            }
            foreach (var id in toFetch)
            {
                if (!fetched.Keys.TryGetValue(id, out var key))
                    throw new VsphereFault("InvalidState", $"{EventTypes.Messages[EventTypes.VmLockedKeyMissingOnKms]} " +
                        CryptoManager.Explain(provider, id, fetched.Refused.GetValueOrDefault(id, KeyStateReasons.MissingInKms), fetched.States.GetValueOrDefault(id)));
                fromHosts[id] = key;
            }
        }
        foreach (var (id, key) in fromHosts)
            await PushKeyAsync(destination.Cluster.Hosts.Prepend(destination).Distinct(), id, key, user);
    }

    /// <summary>
    /// CloneVM_Task (privilege Cryptographer.Clone for an encrypted VM): a new VM, powered off on the source's host,
    /// with a copy of the source's files. An encrypted clone keeps the source's key (the same KEK and wrapped data keys)
    /// unless asked otherwise; the host must hold the keys (vCenter gets them as for power-on). A locked VM cannot be cloned.
    /// </summary>
    internal async Task<VirtualMachine> CloneVmAsync(VirtualMachine vm, string cloneName, string? user = null)
    {
        RequireAlive();
        if (!vm.Registered) throw new VsphereFault("NotFound", $"VM \"{vm.Name}\" is not registered with vCenter \"{Name}\"");
        if (vm.Encrypted) RequirePrivilege(user, "Cryptographer.Clone");
        if (string.IsNullOrWhiteSpace(cloneName)) throw new VsphereFault("InvalidName", "the clone needs a name");
        if (Hosts.SelectMany(h => h.Vms).Any(v => v.Name == cloneName))
            throw new VsphereFault("DuplicateName", $"a VM named \"{cloneName}\" already exists");
        if (vm.CryptoState == CryptoState.Locked) throw new VsphereFault("InvalidVmState", $"VM \"{vm.Name}\" is locked: unlock it before cloning it");
        if (vm.Encrypted && !vm.Host.HasKeysOf(vm))
        {
            await KeysOrLockAsync(vm, _ => "InvalidState");
            RequireEveryDiskKey(vm);
        }
        var files = new VmFiles(cloneName) { Bundle = vm.Files.Bundle };
        foreach (var disk in vm.Files.Disks)
            files.Disks.Add(new VirtualDisk(disk.Name, disk.Path.Replace($"] {vm.Name}/{vm.Name}", $"] {cloneName}/{cloneName}", StringComparison.Ordinal))
            {
                ClearData = disk.ClearData?.ToArray(),
                Encrypted = disk.Encrypted,
                KeyId = disk.KeyId,
                Digest = disk.Digest,
            });
        vm.Datastore.Write(files);
        var clone = new VirtualMachine(cloneName, vm.Host, vm.Datastore, files) { PowerState = PowerState.PoweredOff };
        vm.Host.Vms.Add(clone);
        Events.Log(EventTypes.VmCloned, clone.Name, "VirtualMachine",
            $"Virtual machine {clone.Name} ({MoId(clone)}) is cloned from {vm.Name}{(vm.Encrypted ? $", encrypted with the same key {vm.KeyId} of key provider {vm.ProviderId}" : "")}.", user);
        return clone;
    }

    /// <summary>
    /// ReconfigVM_Task with a decrypt crypto spec (privilege Cryptographer.Decrypt): the VM must be powered off and not
    /// locked; every disk is decrypted with its data key and the encryption bundle leaves the VMX. The key stays on the
    /// KMS (vCenter never destroys keys).
    /// </summary>
    internal async Task DecryptVmAsync(VirtualMachine vm, string? user = null)
    {
        RequireAlive();
        RequirePrivilege(user, "Cryptographer.Decrypt");
        if (!vm.Encrypted) throw new VsphereFault("InvalidState", $"VM \"{vm.Name}\" is not encrypted");
        if (vm.PowerState == PowerState.PoweredOn)
            throw new VsphereFault("InvalidPowerState", $"VM \"{vm.Name}\" is powered on: power it off before decrypting it");
        if (vm.CryptoState == CryptoState.Locked) throw new VsphereFault("InvalidVmState", $"VM \"{vm.Name}\" is locked: unlock it before decrypting it");
        if (!vm.Host.HasKeysOf(vm))
        {
            await KeysOrLockAsync(vm, _ => "InvalidState");
            RequireEveryDiskKey(vm);
        }
        var bundle = vm.Files.Bundle!;
        var clear = new Dictionary<VirtualDisk, byte[]>();
        foreach (var disk in vm.Files.Disks)
        {
            var kek = vm.Host.Key(vm.KeyIdOf(disk)!)!;
            var dek = DiskCrypto.TryUnwrapDek(kek, bundle.WrappedDeks[disk.Name])
                      ?? throw new VsphereFault("InvalidVmState", $"the key of disk {disk.Path} does not unwrap its data key");
            clear[disk] = DiskCrypto.TryDecrypt(dek, disk.Encrypted!)
                          ?? throw new VsphereFault("InvalidVmState", $"disk {disk.Path} does not decrypt with its data key");
            CryptographicOperations.ZeroMemory(dek);
        }
        foreach (var (disk, data) in clear)
        {
            disk.ClearData = data;
            disk.Encrypted = null;
            disk.KeyId = null;
        }
        vm.Files.Bundle = null;
        Events.Log(EventTypes.VmReconfigured, vm.Name, "VirtualMachine",
            $"Virtual machine is decrypted; its key {bundle.KeyId} of key provider {bundle.ProviderId} stays on the KMS.", user);
    }
}
