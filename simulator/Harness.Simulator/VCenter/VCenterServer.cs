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
    public bool Lost { get; private set; }

    /// <summary>False while vCenter is down (its appliance powered off, the site without power); it keeps its state.</summary>
    public bool Running { get; private set; } = true;

    /// <summary>Not lost and running: vCenter answers.</summary>
    public bool Available => !Lost && Running;

    /// <summary>The VM the vCenter Server appliance runs in, when it is in the simulated inventory.</summary>
    public VirtualMachine? ApplianceVm { get; set; }

    /// <summary>Roles, privileges and users' permissions (a user without one is an Administrator).</summary>
    public AuthorizationManager Authorization { get; } = new();

    public IEnumerable<Cluster> Clusters => Datacenters.SelectMany(d => d.Clusters);
    public IEnumerable<EsxiHost> Hosts => Clusters.SelectMany(c => c.Hosts);
    public IEnumerable<VirtualMachine> Vms => Hosts.SelectMany(h => h.Vms).Where(v => v.Registered);

    internal VirtualMachine Vm(string name) => Vms.FirstOrDefault(v => v.Name == name)
        ?? throw new VsphereFault("NotFound", $"vCenter \"{Name}\" has no VM \"{name}\"");

    internal EsxiHost Host(string name) => Hosts.FirstOrDefault(h => h.Name == name)
        ?? throw new VsphereFault("NotFound", $"vCenter \"{Name}\" has no host \"{name}\"");

    private void RequireAlive()
    {
        if (Lost) throw new VsphereFault("HostCommunication", $"vCenter \"{Name}\" is lost");
        if (!Running) throw new VsphereFault("HostCommunication", $"vCenter \"{Name}\" is not running");
    }

    /// <summary>vCenter answers and the user holds the privilege (NoPermission names it otherwise).</summary>
    internal void RequireAliveAndPrivilege(string? user, string privilege)
    {
        RequireAlive();
        RequirePrivilege(user, privilege);
    }

    /// <summary>
    /// ManagedEntity.overallStatus: "red" when an alarm is active on the object or, rolled up, on what it contains (a
    /// host's VMs, a cluster's hosts and their VMs), else "green".
    /// </summary>
    public string OverallStatus(object entity)
    {
        IEnumerable<string> names = entity switch
        {
            VirtualMachine vm => [vm.Name],
            EsxiHost host => [host.Name, .. host.Vms.Select(v => v.Name)],
            Cluster cluster => [cluster.Name, .. cluster.Hosts.Select(h => h.Name), .. cluster.Hosts.SelectMany(h => h.Vms).Select(v => v.Name)],
            _ => throw new ArgumentException($"{entity.GetType().Name} has no overall status here", nameof(entity)),
        };
        return names.Any(n => Alarms.ActiveOn(n).Any()) ? "red" : "green";
    }

    /// <summary>The key provider API of this vCenter (CryptoManagerKmip).</summary>
    public CryptoManagerKmip CryptoManagerKmip => _cryptoManagerKmip ??= new CryptoManagerKmip(this);
    private CryptoManagerKmip? _cryptoManagerKmip;

    private void RequirePrivilege(string? user, string privilege)
    {
        if (user is not null && !Authorization.HasPrivilege(user, privilege))
            throw new VsphereFault(new NoPermission($"user \"{user}\" lacks the privilege {privilege} (role \"{Authorization.RoleOf(user)}\")", privilege));
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
    internal async Task SetKeyProviderAsync(KeyProvider provider, bool makeDefault = true, string? user = null)
    {
        RequirePrivilege(user, "Cryptographer.ManageKeyServers");
        if (KeyProviders.TryGetValue(provider.Name, out var old) && !ReferenceEquals(old, provider)) await Crypto.DropConnectionsAsync(old);
        KeyProviders[provider.Name] = provider;
        if (makeDefault) DefaultProvider = provider.Name;
        await PushKmsConfigurationAsync(provider);
        CheckCertificates();
    }

    /// <summary>vCenter's client certificate for a provider is replaced (renewed): vCenter and the hosts present the new one from now on.</summary>
    internal async Task ReplaceClientCertificateAsync(string providerName, X509Certificate2 certificate)
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
    internal async Task EncryptVmAsync(VirtualMachine vm, string? user = null)
    {
        RequireAlive();
        RequirePrivilege(user, "Cryptographer.Encrypt");
        if (vm.Encrypted) throw new VsphereFault("InvalidState", $"VM \"{vm.Name}\" is already encrypted");
        if (vm.PowerState == PowerState.PoweredOn)
            throw new VsphereFault("InvalidPowerState", $"VM \"{vm.Name}\" is powered on: power it off before encrypting it");
        if (vm.Snapshots > 0)
            throw new VsphereFault("NotSupported", $"VM \"{vm.Name}\" has {vm.Snapshots} snapshot(s): a VM with snapshots cannot be encrypted");
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
        await PushKeyAsync(vm.Host.Cluster.Hosts, keyId, kek, user);
        Events.Log(EventTypes.VmReconfigured, vm.Name, "VirtualMachine", $"Virtual machine is encrypted with key {keyId} of key provider {provider.Name}.", user);
        WarnAboutCircularDependency(vm, $"It is encrypted with key {keyId} of key provider {provider.Name}");
    }

    private Task<(string, byte[])> GenerateKeyOrFault(VirtualMachine vm, KeyProvider provider) =>
        GenerateKeyOrFault(vm.Name, "VirtualMachine", provider);

    /// <summary>
    /// A new key for use: vCenter's conversation to make it (GenerateKey), then, as vSphere uses only Active keys, its
    /// State read and an Activate when the KMS made it Pre-Active.
    /// </summary>
    private async Task<(string, byte[])> GenerateKeyOrFault(string objectName, string objectType, KeyProvider provider)
    {
        try
        {
            var made = await Crypto.GenerateKeyAsync(provider);
            await Crypto.ActivateForUseAsync(provider, made.KeyId);
            return made;
        }
        catch (KeyFetchException ex)
        {
            Events.Log(EventTypes.KeyGenerateFail, objectName, objectType, $"Failed to generate a key on KMS cluster {provider.Name}: {ex.Message}");
            throw new VsphereFault("InvalidState", $"{(ex.Failure == KeyFailure.KmsClusterError ? "KMS cluster error" : "key generation failed")}: {ex.Message}");
        }
    }

    /// <summary>
    /// vCenter pushes a key to hosts. A host that is not in crypto-safe mode is first prepared and enabled (PrepareCrypto,
    /// then EnableCrypto with a host key from the default key provider; privilege Cryptographer.RegisterHost), as vCenter
    /// does when it first needs to give a host an encrypted VM's key. Hosts that do not respond get nothing.
    /// </summary>
    private async Task PushKeyAsync(IEnumerable<EsxiHost> hosts, string keyId, byte[] key, string? user = null)
    {
        foreach (var host in hosts)
        {
            if (host.ConnectionState != HostConnectionState.Connected) continue;
            await EnableCryptoAsync(host, user);
            host.AddKey(keyId, key);
        }
    }

    /// <summary>
    /// CryptoManagerHost.PrepareCrypto and EnableCrypto: the host goes incapable → prepared → safe with a new host key
    /// from the default key provider (privilege Cryptographer.RegisterHost). Nothing to do for a safe host.
    /// </summary>
    internal async Task EnableCryptoAsync(EsxiHost host, string? user = null)
    {
        if (host.CryptoState == HostCryptoState.Safe) return;
        RequireAlive();
        RequirePrivilege(user, "Cryptographer.RegisterHost");
        // Encryptions that run at once (a bench builds a site 16 VMs at a time) enable each host once.
        var gate = _enabling.GetOrAdd(host, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            if (host.CryptoState != HostCryptoState.Safe) await EnableCryptoNowAsync(host, user);
        }
        finally { gate.Release(); }
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<EsxiHost, SemaphoreSlim> _enabling = new();

    private async Task EnableCryptoNowAsync(EsxiHost host, string? user)
    {
        host.PrepareCrypto();
        var (provider, id, key) = await NewHostKeyAsync(host);
        host.EnableCrypto(id, key, provider);
        Events.Log(EventTypes.HostCryptoEnabled, host.Name, "HostSystem", $"Host {host.Name} is enabled for encryption (crypto-safe) with host key {id} of key provider {provider}.", user);
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
    internal async Task EncryptDiskWithOwnKeyAsync(VirtualMachine vm, string diskName)
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
        await PushKeyAsync(vm.Host.Cluster.Hosts, keyId, kek);
        Events.Log(EventTypes.VmReconfigured, vm.Name, "VirtualMachine", $"Disk {disk.Path} of the virtual machine is encrypted with key {keyId} of key provider {provider.Name}.");
    }

    /// <summary>
    /// Rekeys a VM (Set-VMEncryptionKey; privilege Cryptographer.Recrypt). Shallow: a new KEK from the default key provider,
    /// the disks' DEKs unwrapped with the old KEK and rewrapped; allowed while the VM runs. Deep: also new DEKs and every
    /// disk re-encrypted; the VM must be powered off and have no snapshots. The old keys stay on the KMS: vCenter never
    /// destroys keys.
    /// </summary>
    internal async Task RekeyVmAsync(VirtualMachine vm, bool deep = false, string? user = null)
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
        await PushKeyAsync(vm.Host.Cluster.Hosts, newId, newKek, user);
        Events.Log(EventTypes.VmReconfigured, vm.Name, "VirtualMachine", deep
            ? $"Virtual machine is deep rekeyed: new key {newId} of key provider {provider.Name}, new data keys, disks re-encrypted; the previous key {old.KeyId} stays on the KMS."
            : $"Virtual machine is shallow rekeyed: new key {newId} of key provider {provider.Name}, data keys rewrapped; the previous key {old.KeyId} stays on the KMS.", user);
    }

    // ---- keys for hosts ---------------------------------------------------------------------------------------

    /// <summary>
    /// Makes sure the hosts have the keys of these VMs (their own and their disks') and, for <paramref name="hostKeysOf"/>,
    /// their host keys: keys a host lacks are fetched from the KMS, each key once, with its State, many per KMIP message,
    /// Pre-Active ones activated, and pushed to every host of the VM's cluster. Returns, per VM that still lacks its own
    /// key, why. (A VM that has its key but lacks a disk's key is not locked: powering it on fails.) A host key that
    /// cannot be had is logged as vSphere's HostKey event.
    /// </summary>
    internal async Task<Dictionary<VirtualMachine, KeyFetchException>> EnsureKeysAsync(IEnumerable<VirtualMachine> vms, IEnumerable<EsxiHost>? hostKeysOf = null)
    {
        var failures = new Dictionary<VirtualMachine, KeyFetchException>();
        var needy = vms.Where(v => v.Encrypted && !v.Host.HasKeysOf(v)).ToList();
        var hostsWithoutHostKey = (hostKeysOf ?? []).Where(h => h.HostKeyId is { } id && !h.HasKey(id)).ToList();
        var providers = needy.Select(v => v.ProviderId!).Concat(hostsWithoutHostKey.Select(HostKeyProviderOf)).Distinct().ToList();
        foreach (var providerId in providers)
        {
            var group = needy.Where(v => v.ProviderId == providerId).ToList();
            var hosts = hostsWithoutHostKey.Where(h => HostKeyProviderOf(h) == providerId).ToList();
            if (!KeyProviders.TryGetValue(providerId, out var provider))
            {
                foreach (var vm in group.Where(v => !v.Host.HasKey(v.KeyId!)))
                    failures[vm] = new KeyFetchException(KeyFailure.KeyMissingOnKms, providerId,
                        $"vCenter \"{Name}\" does not know the key provider \"{providerId}\" of VM \"{vm.Name}\"");
                foreach (var host in hosts)
                    HostKeyMissing(host, new KeyFetchException(KeyFailure.KeyMissingOnKms, providerId,
                        $"vCenter \"{Name}\" does not know the key provider \"{providerId}\" of the host key of \"{host.Name}\""));
                continue;
            }
            KeyFetch fetched;
            try
            {
                fetched = await Crypto.FetchKeysAsync(provider, group.SelectMany(v => v.RequiredKeyIds.Where(id => !v.Host.HasKey(id)))
                    .Concat(hosts.Select(h => h.HostKeyId!)).Distinct().ToList());
            }
            catch (KeyFetchException ex)
            {
                Events.Log(EventTypes.KmsUnreachable, provider.Name, "KmsCluster", $"KMS cluster {provider.Name} is unreachable: {ex.Message}");
                foreach (var vm in group.Where(v => !v.Host.HasKey(v.KeyId!))) failures[vm] = ex;
                foreach (var host in hosts) HostKeyMissing(host, ex);
                continue;
            }
            foreach (var host in hosts)
            {
                if (fetched.Keys.TryGetValue(host.HostKeyId!, out var hostKey)) host.AddKey(host.HostKeyId!, hostKey);
                else HostKeyMissing(host, new KeyFetchException(KeyFailure.KeyMissingOnKms, provider.Name,
                    $"the host key of host \"{host.Name}\": {CryptoManager.Explain(provider, host.HostKeyId!, fetched.Refused.GetValueOrDefault(host.HostKeyId!, KeyStateReasons.MissingInKms), fetched.States.GetValueOrDefault(host.HostKeyId!))}"));
            }
            foreach (var vm in group)
            {
                foreach (var id in vm.RequiredKeyIds)
                    if (fetched.Keys.TryGetValue(id, out var key))
                        await PushKeyAsync(vm.Host.Cluster.Hosts, id, key);
                if (!vm.Host.HasKey(vm.KeyId!))
                    failures[vm] = new KeyFetchException(KeyFailure.KeyMissingOnKms, provider.Name,
                        $"VM \"{vm.Name}\": {CryptoManager.Explain(provider, vm.KeyId!, fetched.Refused.GetValueOrDefault(vm.KeyId!, KeyStateReasons.MissingInKms), fetched.States.GetValueOrDefault(vm.KeyId!))}");
            }
        }
        return failures;
    }

    private string HostKeyProviderOf(EsxiHost host) => host.HostKeyProviderId ?? DefaultProvider ?? "";

    private void HostKeyMissing(EsxiHost host, KeyFetchException failure)
    {
        var type = failure.Failure == KeyFailure.KmsClusterError ? EventTypes.HostKeyNewKeyKmsClusterError : EventTypes.HostKeyNewKeyKeyMissingOnKms;
        Events.Log(type, host.Name, "HostSystem", $"{EventTypes.Messages[type]} {failure.Message}");
    }

    // ---- VM states ----------------------------------------------------------------------------------------------

    internal void Lock(VirtualMachine vm, string lockEvent)
    {
        bool wasLocked = vm.CryptoState == CryptoState.Locked;
        vm.CryptoState = CryptoState.Locked;
        vm.PowerState = PowerState.PoweredOff;
        if (!wasLocked || Events.Last(vm.Name, e => e.TypeId.StartsWith("com.vmware.vc.vm.Crypto.VM"))?.TypeId != lockEvent)
            Events.Log(lockEvent, vm.Name, "VirtualMachine");
        // One alarm, on the VM; its host and cluster show it in their overall status (the roll-up), not as alarms of their own.
        Alarms.Trigger(AlarmManager.VmLockedAlarm, EventTypes.Messages[lockEvent], vm.Name, "VirtualMachine");
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
    public Task HostReconnectedAsync(EsxiHost host) => HostsReconnectedAsync([host]);

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
    internal Task RemoveKeyAsync(string keyId, bool force, string? user = null)
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
    internal async Task UnlockVmAsync(VirtualMachine vm, string? user = null)
    {
        RequireAlive();
        RequirePrivilege(user, "Cryptographer.RegisterVM");
        if (!vm.Encrypted) throw new VsphereFault("InvalidVmState", $"VM \"{vm.Name}\" is not encrypted");
        ProviderOf(vm);
        await KeysOrLockAsync(vm, why => why.Failure == KeyFailure.KmsClusterError ? "InvalidState" : "InvalidVmState");
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

    /// <summary>
    /// PowerOnVM_Task: a locked VM cannot power on; the datastore must be accessible; keys the host lacks are fetched
    /// and pushed first (no cryptographic privilege is needed when the key is available); a disk whose key cannot be had
    /// fails with the disk named.
    /// </summary>
    internal async Task PowerOnVmAsync(VirtualMachine vm)
    {
        RequireAlive();
        if (vm.Host.ConnectionState != HostConnectionState.Connected)
            throw new VsphereFault("InvalidHostState", $"the host \"{vm.Host.Name}\" of VM \"{vm.Name}\" is {vm.Host.ConnectionState}");
        if (vm.PowerState == PowerState.PoweredOn) throw new VsphereFault("InvalidPowerState", $"VM \"{vm.Name}\" is already powered on");
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
    internal Task PowerOffVmAsync(VirtualMachine vm)
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
    internal async Task ComeBackAsync()
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
