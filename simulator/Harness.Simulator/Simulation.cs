using System.Security.Cryptography;
using System.Text;
using Harness.Simulator.Faults;

namespace Harness.Simulator;

/// <summary>
/// A simulated vSphere site: one clock, a datacenter of clusters, hosts and VMs with their datastores, and the vCenter
/// that manages them now (vCenters can be lost and replaced; hosts, VMs and datastores stay). The site also knows its
/// KMS clusters' reachability, and which VMs its vCenter, KMS and DNS run on, so that a power cycle of the site comes
/// back, or deadlocks, as a real one would.
/// </summary>
public sealed partial class Simulation : IAsyncDisposable
{
    private readonly Dictionary<string, VCenterServer> _vcenters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KmsClusterSite> _kms = new(StringComparer.Ordinal);

    public Simulation(SimClock? clock = null, TimeSpan? kmsTimeout = null)
    {
        Clock = clock ?? new SimClock();
        KmsTimeout = kmsTimeout ?? TimeSpan.FromSeconds(2);
        Datacenter = new Datacenter("DC0");
    }

    public SimClock Clock { get; }
    public TimeSpan KmsTimeout { get; }
    public Datacenter Datacenter { get; }
    public VCenterServer? VCenter { get; private set; }
    public IReadOnlyDictionary<string, VCenterServer> VCenters => _vcenters;

    private readonly List<VCenterServer> _replaced = [];

    /// <summary>Every vCenter this site had, those replaced by a restore from backup included.</summary>
    public IEnumerable<VCenterServer> AllVCentersEver => _replaced.Concat(_vcenters.Values);

    public IEnumerable<Cluster> Clusters => Datacenter.Clusters;
    public IEnumerable<EsxiHost> Hosts => Clusters.SelectMany(c => c.Hosts);
    public IEnumerable<VirtualMachine> AllVms => Hosts.SelectMany(h => h.Vms);

    /// <summary>The KMS clusters the site knows (their reachability from vCenter and the hosts).</summary>
    public IReadOnlyCollection<KmsClusterSite> KmsClusters => _kms.Values;

    public EsxiHost Host(string name) => Hosts.FirstOrDefault(h => h.Name == name)
        ?? throw new VsphereFault("NotFound", $"there is no host \"{name}\"");

    public VirtualMachine Vm(string name) => AllVms.FirstOrDefault(v => v.Name == name)
        ?? throw new VsphereFault("NotFound", $"there is no VM \"{name}\"");

    public Cluster Cluster(string name) => Clusters.FirstOrDefault(c => c.Name == name)
        ?? throw new VsphereFault("NotFound", $"there is no cluster \"{name}\"");

    public KmsClusterSite KmsCluster(string name) => _kms.GetValueOrDefault(name)
        ?? throw new VsphereFault("NotFound", $"there is no KMS cluster \"{name}\"");

    /// <summary>Registers a KMS cluster with the site: from now on its relays follow the site's state (network, VMs).</summary>
    public KmsClusterSite AddKmsCluster(string name, Func<IReadOnlyList<KmsRelay>> relays)
    {
        if (_kms.ContainsKey(name)) throw new VsphereFault("DuplicateName", $"KMS cluster \"{name}\" already exists");
        return _kms[name] = new KmsClusterSite(name, relays);
    }

    /// <summary>A new vCenter that manages this site's inventory from now on (its VMs registered, since the hosts report them).</summary>
    public VCenterServer AddVCenter(string name)
    {
        if (_vcenters.ContainsKey(name)) throw new VsphereFault("DuplicateName", $"vCenter \"{name}\" already exists");
        var vc = new VCenterServer(name, Clock, KmsTimeout);
        vc.Datacenters.Add(Datacenter);
        _vcenters[name] = vc;
        VCenter = vc;
        return vc;
    }

    /// <summary>
    /// A lost vCenter restored from its file-based backup (seed 000 step 4a, "restore the vCenter Server system"): its
    /// key providers with their client certificates and trusted server certificates come back, so the trust with the
    /// KMS holds without a new allowed certificate; its VMs are in the inventory again, locked ones still locked.
    /// </summary>
    public VCenterServer RestoreVCenter(string name)
    {
        var old = VCenterNamed(name);
        if (!old.Lost) throw new VsphereFault("InvalidState", $"vCenter \"{name}\" is not lost: there is nothing to restore");
        var vc = new VCenterServer(name, Clock, KmsTimeout);
        vc.Datacenters.Add(Datacenter);
        foreach (var p in old.KeyProviders.Values) vc.KeyProviders[p.Name] = p.Copy();
        vc.DefaultProvider = old.DefaultProvider;
        old.Authorization.CopyTo(vc.Authorization);
        vc.ApplianceVm = old.ApplianceVm;
        _replaced.Add(old);
        _vcenters[name] = vc;
        VCenter = vc;
        vc.Events.Log(EventTypes.VCenterStarted, name, "VCenter", $"vCenter Server {name} is restored from its backup.");
        vc.CheckCertificates();
        return vc;
    }

    public VCenterServer VCenterNamed(string name) => _vcenters.GetValueOrDefault(name)
        ?? throw new VsphereFault("NotFound", $"there is no vCenter \"{name}\"");

    public Cluster AddCluster(string name, IEnumerable<string> hostNames)
    {
        if (Clusters.Any(c => c.Name == name)) throw new VsphereFault("DuplicateName", $"cluster \"{name}\" already exists");
        var cluster = new Cluster(name, Datacenter);
        foreach (var h in hostNames)
        {
            if (Hosts.Any(x => x.Name == h)) throw new VsphereFault("DuplicateName", $"host \"{h}\" already exists");
            cluster.Hosts.Add(new EsxiHost(h, cluster));
        }
        Datacenter.Clusters.Add(cluster);
        return cluster;
    }

    /// <summary>A VM on a host with two disks of known data (so that "reads back intact" can be checked).</summary>
    public VirtualMachine AddVm(string name, string hostName, bool poweredOn)
    {
        if (AllVms.Any(v => v.Name == name)) throw new VsphereFault("DuplicateName", $"VM \"{name}\" already exists");
        return NewVm(name, Host(hostName), poweredOn);
    }

    private VirtualMachine NewVm(string name, EsxiHost host, bool poweredOn)
    {
        var files = new VmFiles(name);
        foreach (var disk in new[] { "home", "disk0" })
        {
            var data = KnownData(name, disk, DiskDataBytes);
            files.Disks.Add(new VirtualDisk(disk, $"[{host.Cluster.Datastore.Name}] {name}/{name}{(disk == "home" ? ".vmx" : "_0.vmdk")}")
            {
                ClearData = data,
                Digest = SHA256.HashData(data),
            });
        }
        host.Cluster.Datastore.Write(files);
        var vm = new VirtualMachine(name, host, host.Cluster.Datastore, files) { PowerState = poweredOn ? PowerState.PoweredOn : PowerState.PoweredOff };
        vm.PowerStateChanged += OnPowerStateChanged;
        host.Vms.Add(vm);
        return vm;
    }

    /// <summary>The KMS clusters whose reachability depends on this VM follow its power state.</summary>
    private void OnPowerStateChanged(VirtualMachine vm)
    {
        foreach (var kms in _kms.Values.Where(k => k.RunsOn == vm || k.ResolvedBy == vm)) kms.Apply();
    }

    /// <summary>
    /// Says what a VM is to the site's infrastructure: the vCenter Server appliance (of the current vCenter), a DNS
    /// server that resolves a KMS cluster's hostname, the VM a KMS cluster runs on, or an NSX VM. Infrastructure VMs
    /// start with their host. vCenter warns when such a VM is (or becomes) encrypted or sits on an encrypted vSAN datastore.
    /// </summary>
    public void SetRole(VirtualMachine vm, InfrastructureRole role, string? kmsCluster = null)
    {
        vm.Role = role;
        vm.RoleDetail = kmsCluster;
        vm.PowerStateChanged -= OnPowerStateChanged; // VMs not made by AddVm follow the site too, once
        vm.PowerStateChanged += OnPowerStateChanged;
        switch (role)
        {
            case InfrastructureRole.VCenterServer when VCenter is { } vc:
                vc.ApplianceVm = vm;
                break;
            case InfrastructureRole.KmsServer:
                KmsCluster(kmsCluster ?? throw new ArgumentNullException(nameof(kmsCluster), "which KMS cluster runs on the VM?")).RunsOn = vm;
                break;
            case InfrastructureRole.DnsServer when kmsCluster is not null:
                KmsCluster(kmsCluster).ResolvedBy = vm;
                break;
            case InfrastructureRole.DnsServer:
                foreach (var k in _kms.Values) k.ResolvedBy = vm;
                break;
        }
        if (VCenter is { Available: true } current) current.CheckCircularDependency(vm);
    }

    /// <summary>Deterministic disk contents: <paramref name="length"/> bytes (64 KiB unless told) derived from the VM and disk names.</summary>
    public static byte[] KnownData(string vm, string disk, int length = DefaultDiskDataBytes)
    {
        // AES-256 in counter mode keyed by the names: deterministic, pseudo-random, one cipher pass.
        var key = SHA256.HashData(Encoding.UTF8.GetBytes($"{vm}/{disk}"));
        var counters = new byte[(length + 15) / 16 * 16];
        for (int i = 0; i < counters.Length; i += 16) System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(counters.AsSpan(i + 8), i / 16);
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = key;
        var data = aes.EncryptEcb(counters, System.Security.Cryptography.PaddingMode.None);
        return data.Length == length ? data : data[..length];
    }

    // ---- time ---------------------------------------------------------------------------------------------------

    /// <summary>
    /// Time passes: the clock moves on; each vCenter checks its KMS certificates (expiration events); hosts whose vSAN
    /// disk groups are not mounted try again to fetch the cluster's keys from the KMS.
    /// </summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        Clock.Advance(by);
        foreach (var vc in _vcenters.Values) vc.CheckCertificates();
        foreach (var host in Hosts.Where(h => h.DiskGroups.Count > 0 && !h.DiskGroupsMounted).ToList()) await MountDiskGroupsAsync(host);
    }

    // ---- power ----------------------------------------------------------------------------------------------------

    /// <summary>
    /// A host reboots: its cache is lost (unless key persistence), its VMs power off, its disk groups unmount; then it
    /// boots: it mounts its vSAN disk groups (fetching the cluster's keys from the KMS itself), starts its infrastructure
    /// VMs, and reconnects to vCenter, which pushes the keys of its VMs. Without a vCenter that answers, nothing gives
    /// the host the VMs' keys: they are locked.
    /// </summary>
    public async Task RebootHostAsync(EsxiHost host)
    {
        if (host.ConnectionState == HostConnectionState.NotResponding)
            throw new VsphereFault("InvalidHostState", $"host \"{host.Name}\" is not responding (it failed): power it on instead");
        if (VCenter is { Available: true } vc)
            vc.Events.Log(EventTypes.HostShutdown, host.Name, "HostSystem", $"Host {host.Name} is shut down for a reboot; its VMs power off.");
        host.Reboot();
        await BootAsync([host], siteWide: false);
    }

    /// <summary>
    /// A host fails (crashes, no clean shutdown): its VMs stop, its memory is gone, vCenter sees it not responding. With
    /// vSphere HA on its cluster, the VMs that were running restart on the other hosts of the cluster that hold their
    /// keys (HA restarts them without vCenter or the KMS, with the keys vCenter pushed to the cluster's hosts); a VM that
    /// no host can start stays on the failed host (disconnected), with HA's failure event.
    /// </summary>
    public Task FailHostAsync(EsxiHost host)
    {
        if (host.ConnectionState == HostConnectionState.NotResponding)
            throw new VsphereFault("InvalidHostState", $"host \"{host.Name}\" has already failed");
        var running = host.Vms.Where(v => v.PowerState == PowerState.PoweredOn).ToList();
        host.Fail();
        var vc = VCenter is { Available: true } v ? v : null;
        vc?.Events.Log(EventTypes.HostNotResponding, host.Name, "HostSystem", $"Host {host.Name} in {Datacenter.Name} is not responding.");
        if (!host.Cluster.HaEnabled) return Task.CompletedTask;
        foreach (var vm in running)
        {
            var target = host.Cluster.Hosts
                .Where(h => h != host && h.ConnectionState == HostConnectionState.Connected && h.HasKeysOf(vm))
                .OrderBy(h => h.Vms.Count(x => x.PowerState == PowerState.PoweredOn)).ThenBy(h => h.Name, StringComparer.Ordinal)
                .FirstOrDefault();
            if (target is null)
            {
                vc?.Events.Log(EventTypes.HaVmRestartFailed, vm.Name, "VirtualMachine",
                    $"vSphere HA could not restart virtual machine {vm.Name}: no other host of cluster {host.Cluster.Name} holds its keys.");
                continue;
            }
            vm.MoveTo(target);
            if (vm.Encrypted) vm.CryptoState = CryptoState.Unlocked;
            vm.PowerState = PowerState.PoweredOn;
            vc?.Events.Log(EventTypes.VmRestartedByHa, vm.Name, "VirtualMachine",
                $"vSphere HA restarted virtual machine {vm.Name} on host {target.Name} in cluster {host.Cluster.Name}.");
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// A failed host is powered on again: it boots as after a reboot (an empty key cache unless persisted), reconnects,
    /// and vCenter pushes the keys of the VMs still registered on it (or they lock).
    /// </summary>
    public async Task HostBackAsync(EsxiHost host)
    {
        if (host.ConnectionState != HostConnectionState.NotResponding)
            throw new VsphereFault("InvalidHostState", $"host \"{host.Name}\" has not failed: it is {host.ConnectionState}");
        host.ConnectionState = HostConnectionState.Connected;
        await BootAsync([host], siteWide: false);
    }

    /// <summary>
    /// The whole site loses power and comes back (field failures 2 and 7): every host reboots at once, vCenter stops,
    /// and the KMS and DNS servers that run on VMs of the site stop with them. Then the site boots as far as it can:
    /// hosts mount their vSAN disk groups when they can reach the KMS; infrastructure VMs start with their hosts in
    /// order (DNS, KMS, NSX, vCenter) when their datastore is accessible and their host holds their keys; vCenter starts
    /// with its appliance (or, when its appliance is not in the inventory, with the power) and pushes the keys it can
    /// get. Whatever depends on itself does not come back.
    /// </summary>
    public async Task PowerCycleSiteAsync()
    {
        foreach (var vc in _vcenters.Values.Where(v => v.Available)) await vc.GoDownAsync();
        foreach (var host in Hosts) host.Reboot();
        await BootAsync(Hosts.ToList(), siteWide: true);
    }

    private static int StartOrder(InfrastructureRole role) => role switch
    {
        InfrastructureRole.DnsServer => 0,
        InfrastructureRole.KmsServer => 1,
        InfrastructureRole.NsxManager => 2,
        InfrastructureRole.VCenterServer => 3,
        _ => 4,
    };

    /// <summary>A host starts an autostart VM by itself: its datastore must be accessible and the host must hold its keys.</summary>
    private static bool CanStartWithoutVCenter(VirtualMachine vm) =>
        (vm.Datastore != vm.Host.Cluster.Datastore || vm.Host.Cluster.DatastoreAccessible) && vm.Host.HasKeysOf(vm);

    /// <param name="together">vCenter reconnects the booted hosts together (one fetch of their keys) instead of one by one.</param>
    private async Task BootAsync(IReadOnlyCollection<EsxiHost> booted, bool siteWide, bool together = false)
    {
        var vc = VCenter;
        if (vc is { Available: true } && vc.ApplianceVm is { PowerState: PowerState.PoweredOff }) await vc.GoDownAsync();
        foreach (var kms in _kms.Values) kms.Apply();
        var reconnected = new HashSet<EsxiHost>();
        for (int round = 0; round < 100; round++)
        {
            bool progress = false;
            foreach (var host in booted.Where(h => h.DiskGroups.Count > 0 && !h.DiskGroupsMounted).ToList())
                if ((await MountDiskGroupsAsync(host)).Mounted) progress = true;
            foreach (var vm in booted.SelectMany(h => h.Vms).Where(v => v.AutoStart && v.PowerState == PowerState.PoweredOff)
                         .OrderBy(v => StartOrder(v.Role)).ToList())
            {
                if (!CanStartWithoutVCenter(vm)) continue;
                if (vm.Encrypted) vm.CryptoState = CryptoState.Unlocked;
                vm.PowerState = PowerState.PoweredOn;
                vc?.Events.Log(EventTypes.VmPoweredOn, vm.Name, "VirtualMachine", $"Virtual machine is powered on by its host {vm.Host.Name} (autostart).");
                progress = true;
            }
            if (vc is { Lost: false, Running: false } && (vc.ApplianceVm is { } appliance ? appliance.PowerState == PowerState.PoweredOn : siteWide))
            {
                await vc.ComeBackAsync();
                foreach (var h in Hosts) reconnected.Add(h);
                progress = true;
            }
            if (vc is { Available: true } && together && booted.Where(h => !reconnected.Contains(h)).ToList() is { Count: > 0 } pending)
            {
                await vc.HostsReconnectedAsync(pending);
                reconnected.UnionWith(pending);
                progress = true;
            }
            else if (vc is { Available: true })
                foreach (var host in booted.Where(h => !reconnected.Contains(h)).ToList())
                {
                    await vc.HostReconnectedAsync(host);
                    reconnected.Add(host);
                    progress = true;
                }
            if (!progress) break;
        }
        if (vc is not { Available: true })
            foreach (var vm in booted.SelectMany(h => h.Vms).Where(v => v.Encrypted && v.PowerState == PowerState.PoweredOff && !v.Host.HasKey(v.KeyId!)))
                vm.CryptoState = CryptoState.Locked;
    }

    /// <summary>
    /// A host of an encrypted vSAN cluster fetches the cluster's keys from the KMS itself and mounts its disk groups;
    /// the current vCenter (when it answers) logs the outcome, and the vSAN health warning when the host cannot reach the KMS.
    /// </summary>
    public async Task<MountResult> MountDiskGroupsAsync(EsxiHost host)
    {
        var result = await VsanHost.MountDiskGroupsAsync(host);
        if (VCenter is { Available: true } vc && host.DiskGroups.Count > 0)
        {
            if (result.Mounted)
                vc.Events.Log(EventTypes.VsanDiskGroupsMounted, host.Name, "HostSystem");
            else
            {
                vc.Events.Log(EventTypes.VsanDiskGroupsNotMounted, host.Name, "HostSystem",
                    $"{EventTypes.Messages[EventTypes.VsanDiskGroupsNotMounted]} {result.Failure?.Message}");
                if (result.Failure?.Failure == KeyFailure.KmsClusterError)
                    vc.Events.Log(EventTypes.VsanKmsConnection, host.Name, "HostSystem",
                        $"vSAN health: host {host.Name} cannot connect to KMS cluster {result.Failure.Provider}: {result.Failure.Message}");
            }
        }
        return result;
    }

    // ---- reading data back ---------------------------------------------------------------------------------------

    /// <summary>
    /// Reads every disk of the VM back with the keys its host holds: true only when the datastore is accessible, every
    /// DEK unwraps and every disk decrypts to the data written. <paramref name="reason"/> says what failed.
    /// </summary>
    public static bool ReadsBackIntact(VirtualMachine vm, out string reason)
    {
        reason = "";
        var cluster = vm.Host.Cluster;
        if (vm.Datastore == cluster.Datastore && !cluster.DatastoreAccessible)
        {
            reason = $"the encrypted vSAN datastore {cluster.Datastore.Name} of cluster \"{cluster.Name}\" is not accessible: the hosts' disk groups are not mounted";
            return false;
        }
        if (!vm.Encrypted)
        {
            bool ok = vm.Files.Disks.All(d => d.ClearData is not null && SHA256.HashData(d.ClearData).AsSpan().SequenceEqual(d.Digest));
            reason = ok ? "" : "a disk's data differs from what was written";
            return ok;
        }
        foreach (var keyId in vm.RequiredKeyIds)
            if (!vm.Host.HasKey(keyId))
            {
                reason = $"host \"{vm.Host.Name}\" does not have key {keyId}";
                return false;
            }
        return DecryptsWith(vm, id => vm.Host.Key(id), out reason);
    }

    /// <summary>Tries one KEK on every disk of the VM.</summary>
    public static bool DecryptsWith(VirtualMachine vm, byte[] kek, out string reason) => DecryptsWith(vm, _ => kek, out reason);

    /// <summary>Tries every disk of the VM with the KEK that <paramref name="keyOf"/> gives for the disk's key ID.</summary>
    public static bool DecryptsWith(VirtualMachine vm, Func<string, byte[]?> keyOf, out string reason)
    {
        foreach (var disk in vm.Files.Disks)
        {
            if (!vm.Files.Bundle!.WrappedDeks.TryGetValue(disk.Name, out var wrapped) || disk.Encrypted is null)
            {
                reason = $"disk {disk.Name} has no wrapped key";
                return false;
            }
            var kek = keyOf(vm.KeyIdOf(disk)!);
            var dek = kek is null ? null : DiskCrypto.TryUnwrapDek(kek, wrapped);
            var plain = dek is null ? null : DiskCrypto.TryDecrypt(dek, disk.Encrypted);
            if (plain is null || !SHA256.HashData(plain).AsSpan().SequenceEqual(disk.Digest))
            {
                reason = $"disk {disk.Name} does not decrypt with this key";
                return false;
            }
        }
        reason = "";
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var vc in _vcenters.Values) await vc.DisposeAsync();
        foreach (var host in Hosts)
            if (host.KmsClient is { } client) await client.DisposeAsync();
    }
}
