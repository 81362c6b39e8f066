using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Harness.Simulator;

/// <summary>
/// A simulated vCenter Server: key providers, the crypto manager that talks KMIP to them, the inventory it manages,
/// events, alarms, users and privileges. Its own state lives here: losing vCenter loses it; a new vCenter starts empty
/// and learns VMs by registering them from their datastores.
/// </summary>
public sealed partial class VCenterServer : IAsyncDisposable
{
    /// <summary>vCenter (VECS) warns about a KMS certificate this long before it expires.</summary>
    public static readonly TimeSpan CertificateWarningPeriod = TimeSpan.FromDays(30);

    private readonly HashSet<string> _certificateWarnings = new(StringComparer.Ordinal);

    public VCenterServer(string name, TimeProvider clock, TimeSpan? kmsTimeout = null)
    {
        Name = name;
        Clock = clock;
        Events = new EventLog(clock);
        Alarms = new AlarmManager(clock);
        KmsTimeout = kmsTimeout ?? TimeSpan.FromSeconds(5);
        Crypto = new CryptoManager(KmsTimeout, KmsTimeout, clock);
    }

    public string Name { get; }
    public TimeProvider Clock { get; }
    public TimeSpan KmsTimeout { get; }
    public EventLog Events { get; }
    public AlarmManager Alarms { get; }
    public CryptoManager Crypto { get; }
    public Dictionary<string, KeyProvider> KeyProviders { get; } = new(StringComparer.Ordinal);
    public string? DefaultProvider { get; set; }
    public List<Datacenter> Datacenters { get; } = [];
    public Dictionary<string, HashSet<string>> UserPrivileges { get; } = new(StringComparer.Ordinal);
    public bool Lost { get; private set; }

    /// <summary>False while vCenter is down (its appliance powered off, the site without power); it keeps its state.</summary>
    public bool Running { get; private set; } = true;

    /// <summary>Not lost and running: vCenter answers.</summary>
    public bool Available => !Lost && Running;

    /// <summary>The VM the vCenter Server appliance runs in, when it is in the simulated inventory.</summary>
    public VirtualMachine? ApplianceVm { get; set; }

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
        if (!Running) throw new VsphereFault("HostCommunication", $"vCenter \"{Name}\" is not running");
    }

    private void RequirePrivilege(string? user, string privilege)
    {
        if (user is not null && MissingPrivileges.TryGetValue(user, out var missing) && missing.Contains(privilege))
            throw new VsphereFault("NoPermission", $"user \"{user}\" lacks the privilege {privilege}");
    }

    private KeyProvider ProviderOf(VirtualMachine vm) =>
        KeyProviders.GetValueOrDefault(vm.ProviderId!)
        ?? throw new VsphereFault("InvalidState", $"the key provider \"{vm.ProviderId}\" of VM \"{vm.Name}\" is not known to vCenter \"{Name}\"");

    private KeyProvider DefaultProviderOrFault() =>
        KeyProviders.GetValueOrDefault(DefaultProvider ?? "")
        ?? throw new VsphereFault("InvalidState", "no default key provider is set: trust a KMS cluster first");

    // ---- key providers ----------------------------------------------------------------------------------------

    /// <summary>
    /// Adds or replaces a key provider (optionally as the default) and pushes its configuration to the hosts of
    /// encrypted vSAN clusters that use it, as vCenter does.
    /// </summary>
    public async Task SetKeyProviderAsync(KeyProvider provider, bool makeDefault = true)
    {
        if (KeyProviders.TryGetValue(provider.Name, out var old) && !ReferenceEquals(old, provider)) await Crypto.DropConnectionsAsync(old);
        KeyProviders[provider.Name] = provider;
        if (makeDefault) DefaultProvider = provider.Name;
        await PushKmsConfigurationAsync(provider);
        CheckCertificates();
    }

    /// <summary>vCenter's client certificate for a provider is replaced (renewed): vCenter and the hosts present the new one from now on.</summary>
    public async Task ReplaceClientCertificateAsync(string providerName, X509Certificate2 certificate)
    {
        RequireAlive();
        var provider = KeyProviders.GetValueOrDefault(providerName)
                       ?? throw new VsphereFault("NotFound", $"vCenter \"{Name}\" has no key provider \"{providerName}\"");
        provider.ClientCertificate = certificate;
        await Crypto.DropConnectionsAsync(provider);
        await PushKmsConfigurationAsync(provider);
        CheckCertificates();
    }

    private async Task PushKmsConfigurationAsync(KeyProvider provider)
    {
        foreach (var host in Hosts.Where(h => h.KmsClient is { } c && c.Provider.Name == provider.Name))
        {
            var client = host.KmsClient!;
            await client.Crypto.DropConnectionsAsync(client.Provider);
            client.Provider = provider.Copy();
        }
    }

    /// <summary>
    /// vCenter's certificate check (VECS): a KMS client or server certificate that expires within
    /// <see cref="CertificateWarningPeriod"/> or has expired raises its expiration event, once per stage.
    /// </summary>
    public void CheckCertificates()
    {
        if (!Available) return;
        var now = Clock.GetUtcNow();
        foreach (var provider in KeyProviders.Values)
        {
            if (provider.ClientCertificate is { } client)
                CheckCertificate(client, now, EventTypes.KmsClientCertExpiration, provider.Name,
                    $"The KMS client certificate of vCenter {Name} for key provider {provider.Name}");
            foreach (var server in provider.Servers)
                if (server.TrustedCertificate is { } cert)
                    CheckCertificate(cert, now, EventTypes.KmsServerCertExpiration, provider.Name,
                        $"The certificate of KMS server {server.Name} of key provider {provider.Name}");
        }
    }

    private void CheckCertificate(X509Certificate2 cert, DateTimeOffset now, string eventType, string provider, string what)
    {
        var notAfter = new DateTimeOffset(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        string? stage = notAfter < now ? "expired" : notAfter - now <= CertificateWarningPeriod ? "expiring" : null;
        if (stage is null || !_certificateWarnings.Add($"{eventType}/{cert.Thumbprint}/{stage}")) return;
        Events.Log(eventType, provider, "KmsCluster", stage == "expired"
            ? $"{what} (SHA-1 {cert.Thumbprint}) expired on {notAfter:u}."
            : $"{what} (SHA-1 {cert.Thumbprint}) expires on {notAfter:u}, in {(int)Math.Ceiling((notAfter - now).TotalDays)} days.");
    }

    // ---- encryption -------------------------------------------------------------------------------------------

    /// <summary>
    /// Encrypts a VM: a new KEK from the default key provider (vCenter's KMIP conversation), a DEK per disk made by
    /// the host and wrapped with the KEK into the VMX's bundle, the disk data encrypted under its DEK; the KEK is pushed
    /// to every host of the VM's cluster. Encrypting a VM the site's keys depend on is warned about (circular dependency).
    /// </summary>
    public async Task EncryptVmAsync(VirtualMachine vm)
    {
        RequireAlive();
        if (vm.Encrypted) throw new VsphereFault("InvalidState", $"VM \"{vm.Name}\" is already encrypted");
        var provider = DefaultProviderOrFault();
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
        WarnAboutCircularDependency(vm, $"It is encrypted with key {keyId} of key provider {provider.Name}");
    }

    private Task<(string, byte[])> GenerateKeyOrFault(VirtualMachine vm, KeyProvider provider) =>
        GenerateKeyOrFault(vm.Name, "VirtualMachine", provider);

    private async Task<(string, byte[])> GenerateKeyOrFault(string objectName, string objectType, KeyProvider provider)
    {
        try { return await Crypto.GenerateKeyAsync(provider); }
        catch (KeyFetchException ex)
        {
            Events.Log(EventTypes.KeyGenerateFail, objectName, objectType, $"Failed to generate a key on KMS cluster {provider.Name}: {ex.Message}");
            throw new VsphereFault("InvalidState", $"{(ex.Failure == KeyFailure.KmsClusterError ? "KMS cluster error" : "key generation failed")}: {ex.Message}");
        }
    }

    private void PushKey(EsxiHost host, string keyId, byte[] key)
    {
        bool wasSafe = host.CryptoState == HostCryptoState.Safe;
        host.AddKey(keyId, key);
        if (!wasSafe) Events.Log(EventTypes.HostCryptoEnabled, host.Name, "HostSystem");
    }

    /// <summary>
    /// The Harness's circular-dependency check (seed 002, "Important caveats"): a VM that vCenter, the KMS or the way to
    /// the KMS depends on, once encrypted or on an encrypted vSAN datastore, gets a warning event. Call it when a VM's
    /// role becomes known; it warns only when the VM is encrypted or on an encrypted vSAN datastore.
    /// </summary>
    public bool CheckCircularDependency(VirtualMachine vm)
    {
        if (vm.Encrypted) return WarnAboutCircularDependency(vm, $"It is encrypted with key {vm.KeyId} of key provider {vm.ProviderId}");
        if (vm.Host.Cluster.VsanEncrypted && vm.Datastore == vm.Host.Cluster.Datastore)
            return WarnAboutCircularDependency(vm, $"It is on the encrypted vSAN datastore of cluster {vm.Host.Cluster.Name}");
        return false;
    }

    private bool WarnAboutCircularDependency(VirtualMachine vm, string how)
    {
        if (vm.Role == InfrastructureRole.None) return false;
        string what = vm.Role switch
        {
            InfrastructureRole.VCenterServer => "the vCenter Server appliance: vCenter Server retrieves the keys every encrypted VM needs, this one's included",
            InfrastructureRole.DnsServer => $"a DNS server that resolves the KMS hostname{(vm.RoleDetail is { } k ? $" of KMS cluster {k}" : "")}: vCenter and the hosts cannot reach the KMS without it",
            InfrastructureRole.KmsServer => $"the VM KMS cluster {vm.RoleDetail} runs on: the key it needs is kept by the KMS it runs",
            _ => "an NSX VM: the network to the KMS may depend on it, and VMware does not recommend encrypting NSX VMs",
        };
        Events.Log(EventTypes.CircularDependency, vm.Name, "VirtualMachine",
            $"Circular dependency: VM \"{vm.Name}\" is {what}. {how}. After a full power-off of the site it may not start again.");
        return true;
    }

    /// <summary>
    /// Gives one disk of an encrypted VM a key of its own (the API allows a key per disk): a new KEK from the default
    /// provider wraps the disk's DEK; the disk's descriptor names it.
    /// </summary>
    public async Task EncryptDiskWithOwnKeyAsync(VirtualMachine vm, string diskName)
    {
        RequireAlive();
        var disk = vm.Files.Disks.FirstOrDefault(d => d.Name == diskName)
                   ?? throw new VsphereFault("NotFound", $"VM \"{vm.Name}\" has no disk \"{diskName}\" (it has {string.Join(", ", vm.Files.Disks.Select(d => d.Name))})");
        if (!vm.Encrypted) throw new VsphereFault("InvalidVmState", $"VM \"{vm.Name}\" is not encrypted");
        var oldKek = vm.Host.Key(vm.KeyIdOf(disk)!) ?? throw new VsphereFault("InvalidVmState", $"host \"{vm.Host.Name}\" lacks the key of disk {disk.Path}");
        var provider = DefaultProviderOrFault();
        (string keyId, byte[] kek) = await GenerateKeyOrFault(vm, provider);
        var dek = DiskCrypto.TryUnwrapDek(oldKek, vm.Files.Bundle!.WrappedDeks[disk.Name])
                  ?? throw new VsphereFault("InvalidVmState", $"the key of disk {disk.Path} does not unwrap its data key");
        var wrapped = vm.Files.Bundle.WrappedDeks.ToDictionary(StringComparer.Ordinal);
        wrapped[disk.Name] = DiskCrypto.WrapDek(kek, dek);
        CryptographicOperations.ZeroMemory(dek);
        vm.Files.Bundle = vm.Files.Bundle with { WrappedDeks = wrapped };
        disk.KeyId = keyId;
        foreach (var host in vm.Host.Cluster.Hosts) PushKey(host, keyId, kek);
        Events.Log(EventTypes.VmReconfigured, vm.Name, "VirtualMachine", $"Disk {disk.Path} of the virtual machine is encrypted with key {keyId} of key provider {provider.Name}.");
    }

    /// <summary>
    /// Rekeys a VM (Set-VMEncryptionKey; privilege Cryptographer.Recrypt). Shallow: a new KEK from the default key provider,
    /// the disks' DEKs unwrapped with the old KEK and rewrapped; allowed while the VM runs. Deep: also new DEKs and every
    /// disk re-encrypted; the VM must be powered off and have no snapshots. The old keys stay on the KMS: vCenter never
    /// destroys keys.
    /// </summary>
    public async Task RekeyVmAsync(VirtualMachine vm, bool deep = false, string? user = null)
    {
        RequireAlive();
        RequirePrivilege(user, "Cryptographer.Recrypt");
        if (!vm.Encrypted) throw new VsphereFault("InvalidVmState", $"VM \"{vm.Name}\" is not encrypted: encrypt it instead of rekeying it");
        if (vm.CryptoState == CryptoState.Locked) throw new VsphereFault("InvalidVmState", $"VM \"{vm.Name}\" is locked: unlock it before rekeying it");
        if (deep && vm.PowerState == PowerState.PoweredOn)
            throw new VsphereFault("InvalidPowerState", $"a deep rekey re-encrypts the disks of VM \"{vm.Name}\": it must be powered off, and it is running");
        if (deep && vm.Snapshots > 0)
            throw new VsphereFault("NotSupported", $"VM \"{vm.Name}\" has {vm.Snapshots} snapshot(s): a deep rekey is not supported on a VM with snapshots");
        if (!vm.Host.HasKeysOf(vm))
        {
            await KeysOrLockAsync(vm, _ => "InvalidState");
            RequireEveryDiskKey(vm);
        }
        var provider = KeyProviders.GetValueOrDefault(DefaultProvider ?? "") ?? ProviderOf(vm);
        (string newId, byte[] newKek) = await GenerateKeyOrFault(vm, provider);
        var old = vm.Files.Bundle!;
        var wrapped = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var reencrypted = new Dictionary<VirtualDisk, EncryptedData>();
        foreach (var disk in vm.Files.Disks)
        {
            var oldKek = vm.Host.Key(vm.KeyIdOf(disk)!)!;
            var dek = DiskCrypto.TryUnwrapDek(oldKek, old.WrappedDeks[disk.Name])
                      ?? throw new VsphereFault("InvalidVmState", $"the key of disk {disk.Path} does not unwrap its data key");
            if (deep)
            {
                var plain = DiskCrypto.TryDecrypt(dek, disk.Encrypted!)
                            ?? throw new VsphereFault("InvalidVmState", $"disk {disk.Path} does not decrypt with its data key");
                CryptographicOperations.ZeroMemory(dek);
                dek = DiskCrypto.NewDek();
                reencrypted[disk] = DiskCrypto.Encrypt(dek, plain);
                CryptographicOperations.ZeroMemory(plain);
            }
            wrapped[disk.Name] = DiskCrypto.WrapDek(newKek, dek);
            CryptographicOperations.ZeroMemory(dek);
        }
        foreach (var (disk, data) in reencrypted) disk.Encrypted = data;
        foreach (var disk in vm.Files.Disks) disk.KeyId = null;
        vm.KeyHistory.Add(old);
        vm.Files.Bundle = new EncryptionBundle(provider.Name, newId, wrapped);
        foreach (var host in vm.Host.Cluster.Hosts) PushKey(host, newId, newKek);
        Events.Log(EventTypes.VmReconfigured, vm.Name, "VirtualMachine", deep
            ? $"Virtual machine is deep rekeyed: new key {newId} of key provider {provider.Name}, new data keys, disks re-encrypted; the previous key {old.KeyId} stays on the KMS."
            : $"Virtual machine is shallow rekeyed: new key {newId} of key provider {provider.Name}, data keys rewrapped; the previous key {old.KeyId} stays on the KMS.");
    }

    /// <summary>
    /// Enables vSAN encryption on a cluster: vCenter makes the cluster's KEK and host key on the default key provider
    /// (its KMIP conversation), pushes the key provider configuration (with its client certificate) to every host of the
    /// cluster, and each host's disk group gets a DEK wrapped with the KEK. From now on the hosts fetch these keys from
    /// the KMS themselves after a reboot.
    /// </summary>
    public async Task EnableVsanEncryptionAsync(Cluster cluster)
    {
        RequireAlive();
        if (cluster.VsanEncrypted) throw new VsphereFault("InvalidState", $"vSAN encryption is already enabled on cluster \"{cluster.Name}\"");
        var provider = DefaultProviderOrFault();
        (string kekId, byte[] kek) = await GenerateKeyOrFault(cluster.Name, "ClusterComputeResource", provider);
        (string hostKeyId, byte[] hostKey) = await GenerateKeyOrFault(cluster.Name, "ClusterComputeResource", provider);
        foreach (var host in cluster.Hosts)
        {
            if (host.KmsClient is { } previous) await previous.DisposeAsync();
            host.KmsClient = new HostKmsClient(provider.Copy(), new CryptoManager(KmsTimeout, KmsTimeout, Clock));
            PushKey(host, kekId, kek);
            PushKey(host, hostKeyId, hostKey);
            if (host.HostKeyId is { } oldHostKey && oldHostKey != hostKeyId) host.PreviousHostKeyIds.Add(oldHostKey);
            host.HostKeyId = hostKeyId;
            host.HostKeyProviderId = provider.Name;
            host.DiskGroups.Add(DiskGroup.Create($"{host.Name}-dg1", kekId, kek, Simulation.KnownData("vsan", host.Name)));
        }
        cluster.VsanEncryption = new VsanEncryptionConfig(provider.Name, kekId, hostKeyId);
        Events.Log(EventTypes.VsanEncryptionEnabled, cluster.Name, "ClusterComputeResource",
            $"vSAN encryption is enabled on cluster {cluster.Name} with key {kekId} of key provider {provider.Name}.");
        foreach (var vm in cluster.Hosts.SelectMany(h => h.Vms).Where(v => v.Datastore == cluster.Datastore && !v.Encrypted))
            WarnAboutCircularDependency(vm, $"It is on the encrypted vSAN datastore of cluster {cluster.Name}");
    }

    /// <summary>
    /// Rekeys vSAN encryption: shallow = a new KEK, every disk group's DEK rewrapped (hosts stay up); deep = new DEKs
    /// too, the data re-encrypted. Every host must have its disk groups mounted. The old KEK stays on the KMS.
    /// </summary>
    public async Task RekeyVsanAsync(Cluster cluster, bool deep = false)
    {
        RequireAlive();
        var config = cluster.VsanEncryption ?? throw new VsphereFault("InvalidState", $"vSAN encryption is not enabled on cluster \"{cluster.Name}\"");
        if (cluster.Hosts.FirstOrDefault(h => !h.DiskGroupsMounted) is { } down)
            throw new VsphereFault("InvalidState", $"the disk groups of host \"{down.Name}\" are not mounted: cannot rekey the vSAN encryption of cluster \"{cluster.Name}\"");
        var provider = KeyProviders.GetValueOrDefault(DefaultProvider ?? "") ?? KeyProviders.GetValueOrDefault(config.ProviderId)
                       ?? throw new VsphereFault("InvalidState", $"the key provider \"{config.ProviderId}\" of cluster \"{cluster.Name}\" is not known to vCenter \"{Name}\"");
        (string newId, byte[] newKek) = await GenerateKeyOrFault(cluster.Name, "ClusterComputeResource", provider);
        foreach (var host in cluster.Hosts)
        {
            PushKey(host, newId, newKek);
            foreach (var dg in host.DiskGroups)
            {
                var dek = dg.UnwrapDek(host.Key(dg.KekId)!) ?? throw new VsphereFault("InvalidState", $"disk group {dg.Name} does not open with its key");
                if (deep)
                {
                    var plain = DiskCrypto.TryDecrypt(dek, dg.Data)!;
                    CryptographicOperations.ZeroMemory(dek);
                    dek = DiskCrypto.NewDek();
                    dg.Data = DiskCrypto.Encrypt(dek, plain);
                }
                dg.WrappedDek = DiskCrypto.WrapDek(newKek, dek);
                dg.KekId = newId;
                CryptographicOperations.ZeroMemory(dek);
            }
        }
        cluster.VsanEncryption = config with { ProviderId = provider.Name, KekId = newId, PreviousKekIds = [.. config.PreviousKekIds, config.KekId] };
        Events.Log(EventTypes.VsanEncryptionEnabled, cluster.Name, "ClusterComputeResource",
            $"vSAN encryption of cluster {cluster.Name} is {(deep ? "deep" : "shallow")} rekeyed with key {newId}; the previous key {config.KekId} stays on the KMS.");
    }

    // ---- host keys ----------------------------------------------------------------------------------------------

    /// <summary>CryptoManagerHostEnable: the host gets a host key (core dump encryption) from the default key provider and enters crypto-safe mode.</summary>
    public async Task EnableHostKeyAsync(EsxiHost host)
    {
        RequireAlive();
        var (id, key) = await NewHostKeyAsync(host);
        PushKey(host, id, key);
        host.HostKeyId = id;
    }

    /// <summary>
    /// ChangeKey_Task (privilege Cryptographer.RegisterHost): a new host key from the KMS replaces the old one; core dumps
    /// are shallow-recrypted "best effort" (those whose key the host holds). The old host key stays on the KMS. When the
    /// KMS cannot make the key, the host keeps its key and the HostKey.NewKey event says why.
    /// </summary>
    public async Task RenewHostKeyAsync(EsxiHost host, string? user = null)
    {
        RequireAlive();
        RequirePrivilege(user, "Cryptographer.RegisterHost");
        if (host.CryptoState != HostCryptoState.Safe)
            throw new VsphereFault("InvalidState", $"host \"{host.Name}\" is not in crypto-safe mode ({host.CryptoState})");
        var (id, key) = await NewHostKeyAsync(host);
        PushKey(host, id, key);
        var old = host.HostKeyId;
        foreach (var dump in host.CoreDumps)
        {
            var oldKey = host.Key(dump.HostKeyId);
            var dek = oldKey is null ? null : DiskCrypto.TryUnwrapDek(oldKey, dump.WrappedDek);
            if (dek is null) continue;
            dump.WrappedDek = DiskCrypto.WrapDek(key, dek);
            dump.HostKeyId = id;
            CryptographicOperations.ZeroMemory(dek);
        }
        if (old is not null) host.PreviousHostKeyIds.Add(old);
        host.HostKeyId = id;
        Events.Log(EventTypes.HostKeyChanged, host.Name, "HostSystem",
            $"The host key of host {host.Name} is changed to key {id}{(old is null ? "" : $"; the previous key {old} stays on the KMS")}.");
    }

    private async Task<(string, byte[])> NewHostKeyAsync(EsxiHost host)
    {
        var provider = DefaultProviderOrFault();
        try
        {
            var made = await Crypto.GenerateKeyAsync(provider);
            host.HostKeyProviderId = provider.Name;
            return made;
        }
        catch (KeyFetchException ex)
        {
            var type = ex.Failure == KeyFailure.KmsClusterError ? EventTypes.HostKeyNewKeyKmsClusterError : EventTypes.HostKeyNewKeyKeyMissingOnKms;
            Events.Log(type, host.Name, "HostSystem", $"{EventTypes.Messages[type]} {ex.Message}");
            throw new VsphereFault("InvalidState", $"{(ex.Failure == KeyFailure.KmsClusterError ? "KMS cluster error" : "key missing on the KMS cluster")}: {ex.Message}");
        }
    }

    /// <summary>A host that lost its host key (reboot) gets it back from the KMS; false (and a HostKey event) when it cannot.</summary>
    private async Task<bool> EnsureHostKeyAsync(EsxiHost host)
    {
        if (host.HostKeyId is not { } id || host.HasKey(id)) return true;
        var provider = KeyProviders.GetValueOrDefault(host.HostKeyProviderId ?? DefaultProvider ?? "");
        KeyFetchException? failure = null;
        if (provider is null)
            failure = new KeyFetchException(KeyFailure.KeyMissingOnKms, host.HostKeyProviderId ?? "?", $"vCenter \"{Name}\" does not know the key provider of the host key of \"{host.Name}\"");
        else
        {
            try
            {
                var keys = await Crypto.GetKeysAsync(provider, [id]);
                if (keys.TryGetValue(id, out var key)) { host.AddKey(id, key); return true; }
                failure = new KeyFetchException(KeyFailure.KeyMissingOnKms, provider.Name, $"the host key {id} of host \"{host.Name}\" is missing on KMS cluster \"{provider.Name}\" (not found, or not active)");
            }
            catch (KeyFetchException ex) { failure = ex; }
        }
        var type = failure.Failure == KeyFailure.KmsClusterError ? EventTypes.HostKeyNewKeyKmsClusterError : EventTypes.HostKeyNewKeyKeyMissingOnKms;
        Events.Log(type, host.Name, "HostSystem", $"{EventTypes.Messages[type]} {failure.Message}");
        return false;
    }

    // ---- keys for hosts ---------------------------------------------------------------------------------------

    /// <summary>
    /// Makes sure the hosts have the keys of these VMs (their own and their disks'): keys a host lacks are fetched from
    /// the KMS, each key once, many per KMIP message, and pushed to every host of the VM's cluster. Returns, per VM that
    /// still lacks its own key, why. (A VM that has its key but lacks a disk's key is not locked: powering it on fails.)
    /// </summary>
    public async Task<Dictionary<VirtualMachine, KeyFetchException>> EnsureKeysAsync(IEnumerable<VirtualMachine> vms)
    {
        var failures = new Dictionary<VirtualMachine, KeyFetchException>();
        var needy = vms.Where(v => v.Encrypted && !v.Host.HasKeysOf(v)).ToList();
        foreach (var group in needy.GroupBy(v => v.ProviderId!))
        {
            if (!KeyProviders.TryGetValue(group.Key, out var provider))
            {
                foreach (var vm in group.Where(v => !v.Host.HasKey(v.KeyId!)))
                    failures[vm] = new KeyFetchException(KeyFailure.KeyMissingOnKms, group.Key,
                        $"vCenter \"{Name}\" does not know the key provider \"{group.Key}\" of VM \"{vm.Name}\"");
                continue;
            }
            Dictionary<string, byte[]> keys;
            try { keys = await Crypto.GetKeysAsync(provider, group.SelectMany(v => v.RequiredKeyIds.Where(id => !v.Host.HasKey(id))).Distinct().ToList()); }
            catch (KeyFetchException ex)
            {
                Events.Log(EventTypes.KmsUnreachable, provider.Name, "KmsCluster", $"KMS cluster {provider.Name} is unreachable: {ex.Message}");
                foreach (var vm in group.Where(v => !v.Host.HasKey(v.KeyId!))) failures[vm] = ex;
                continue;
            }
            foreach (var vm in group)
            {
                foreach (var id in vm.RequiredKeyIds)
                    if (keys.TryGetValue(id, out var key))
                        foreach (var host in vm.Host.Cluster.Hosts) PushKey(host, id, key);
                if (!vm.Host.HasKey(vm.KeyId!))
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
        if (!wasLocked || Events.Last(vm.Name, e => e.TypeId.StartsWith("com.vmware.vc.vm.Crypto.VM"))?.TypeId != lockEvent)
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
    /// pushes them (and the host key); VMs whose key it cannot get lock (KMS cluster error, or key missing on the KMS).
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
        foreach (var kind in failures.Values.Select(f => f.Failure).Distinct())
        {
            var type = kind == KeyFailure.KmsClusterError ? EventTypes.SendKeyErrorKmsClusterError : EventTypes.SendKeyErrorKeyMissingOnKms;
            Events.Log(type, host.Name, "HostSystem");
        }
        await EnsureHostKeyAsync(host);
    }

    /// <summary>Keys vanish from a host behind vCenter's back: its encrypted VMs that used them lock at once.</summary>
    public void KeysRemovedFromHost(EsxiHost host, string keyId)
    {
        host.RemoveKey(keyId);
        foreach (var vm in host.Vms.Where(v => v.Registered && v.KeyId == keyId)) Lock(vm, EventTypes.VmLockedKeyMissingOnHost);
    }

    /// <summary>
    /// CryptoManagerKmip.RemoveKey: vCenter forgets a key (the KMS keeps it). A key in use by a VM is removed only with
    /// <paramref name="force"/>, which also takes it from every host: the VMs that use it lock until the key is replaced.
    /// </summary>
    public Task RemoveKeyAsync(string keyId, bool force, string? user = null)
    {
        RequireAlive();
        RequirePrivilege(user, "Cryptographer.ManageKeys");
        var users = Vms.Where(v => v.RequiredKeyIds.Contains(keyId)).ToList();
        if (users.Count > 0 && !force)
            throw new VsphereFault("ResourceInUse", $"key {keyId} is in use by VM {string.Join(", ", users.Select(v => $"\"{v.Name}\""))}: only a forced removal takes it");
        foreach (var host in Hosts) host.RemoveKey(keyId);
        Events.Log(EventTypes.KeyRemoved, keyId, "CryptoKey", $"Key {keyId} is removed from vCenter {Name} and its hosts{(force ? " (forced)" : "")}; the KMS keeps it.");
        foreach (var vm in users.Where(v => v.KeyId == keyId)) Lock(vm, EventTypes.VmLockedKeyMissingOnHost);
        return Task.CompletedTask;
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
        await KeysOrLockAsync(vm, why => why.Failure == KeyFailure.KmsClusterError ? "InvalidState" : "InvalidVmState");
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
        await KeysOrLockAsync(vm, _ => "InvalidState");
        Unlock(vm);
    }

    /// <summary>
    /// Gets the VM's keys to its host; when vCenter cannot (KMS unreachable, key missing), the VM locks and the action
    /// fails with <paramref name="fault"/> and the lock event's message.
    /// </summary>
    private async Task KeysOrLockAsync(VirtualMachine vm, Func<KeyFetchException, string> fault, string prefix = "")
    {
        var failures = await EnsureKeysAsync([vm]);
        if (failures.TryGetValue(vm, out var why))
        {
            Lock(vm, why.LockEvent);
            throw new VsphereFault(fault(why), $"{prefix}{EventTypes.Messages[why.LockEvent]} {why.Message}");
        }
    }

    /// <summary>A disk whose own key the host still lacks (missing on the KMS) keeps the VM from powering on or being rekeyed.</summary>
    private static void RequireEveryDiskKey(VirtualMachine vm)
    {
        if (vm.Files.Disks.FirstOrDefault(d => !vm.Host.HasKey(vm.KeyIdOf(d)!)) is { } keyless)
            throw new VsphereFault("InvalidVmState", $"The disk {keyless.Path} is encrypted and a required key was not found.");
    }

    /// <summary>UnregisterVM: the VM leaves the inventory; its files (and its key on the KMS) stay. A locked VM can be unregistered.</summary>
    public void UnregisterVm(VirtualMachine vm)
    {
        RequireAlive();
        if (vm.PowerState == PowerState.PoweredOn) throw new VsphereFault("InvalidPowerState", $"VM \"{vm.Name}\" is running: power it off first");
        vm.Registered = false;
        Alarms.Clear(AlarmManager.VmLockedAlarm, vm.Name);
        Events.Log(EventTypes.VmRemoved, vm.Name, "VirtualMachine");
    }

    /// <summary>
    /// PowerOnVM_Task: a locked VM cannot power on; the datastore must be accessible; keys the host lacks are fetched
    /// and pushed first (no cryptographic privilege is needed when the key is available); a disk whose key cannot be had
    /// fails with the disk named.
    /// </summary>
    public async Task PowerOnVmAsync(VirtualMachine vm)
    {
        RequireAlive();
        if (vm.CryptoState == CryptoState.Locked)
            throw new VsphereFault("InvalidVmState", $"VM \"{vm.Name}\" is locked: it cannot be powered on until it is unlocked");
        if (vm.Datastore == vm.Host.Cluster.Datastore && !vm.Host.Cluster.DatastoreAccessible)
            throw new VsphereFault("InvalidDatastore", $"the datastore {vm.Datastore.Name} of VM \"{vm.Name}\" is not accessible: the vSAN disk groups of cluster \"{vm.Host.Cluster.Name}\" are not mounted");
        if (vm.Encrypted && !vm.Host.HasKeysOf(vm))
        {
            await KeysOrLockAsync(vm, _ => "InvalidVmState", $"VM \"{vm.Name}\" is locked: ");
            RequireEveryDiskKey(vm);
        }
        vm.PowerState = PowerState.PoweredOn;
        Events.Log(EventTypes.VmPoweredOn, vm.Name, "VirtualMachine");
    }

    /// <summary>PowerOffVM_Task (powering off vCenter's own appliance stops vCenter).</summary>
    public Task PowerOffVmAsync(VirtualMachine vm)
    {
        RequireAlive();
        if (vm.PowerState == PowerState.PoweredOff) throw new VsphereFault("InvalidPowerState", $"VM \"{vm.Name}\" is already powered off");
        vm.PowerState = PowerState.PoweredOff;
        Events.Log(EventTypes.VmPoweredOff, vm.Name, "VirtualMachine");
        return vm == ApplianceVm ? GoDownAsync() : Task.CompletedTask; // vCenter powered off its own appliance
    }

    /// <summary>vCenter is lost: its state goes with it (KMS connections dropped, nothing answers).</summary>
    public async Task LoseAsync()
    {
        Lost = true;
        await Crypto.DisposeAsync();
    }

    /// <summary>vCenter goes down (its appliance or the site lost power) and keeps its state: nothing answers until it comes back.</summary>
    public async Task GoDownAsync()
    {
        if (!Running) return;
        Events.Log(EventTypes.VCenterStopped, Name, "VCenter");
        Running = false;
        await Crypto.DisposeAsync();
    }

    /// <summary>vCenter is up again: every host reconnects, and vCenter pushes the keys the hosts lack.</summary>
    public async Task ComeBackAsync()
    {
        if (Lost) throw new VsphereFault("HostCommunication", $"vCenter \"{Name}\" is lost: set up a new one");
        if (Running) return;
        Running = true;
        Events.Log(EventTypes.VCenterStarted, Name, "VCenter");
        CheckCertificates();
        foreach (var host in Hosts.ToList()) await HostReconnectedAsync(host);
    }

    public ValueTask DisposeAsync() => Crypto.DisposeAsync();
}
