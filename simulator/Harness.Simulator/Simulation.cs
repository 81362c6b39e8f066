using System.Security.Cryptography;
using System.Text;

namespace Harness.Simulator;

/// <summary>
/// A simulated vSphere site: one clock, a datacenter of clusters, hosts and VMs with their datastores, and the vCenter
/// that manages them now (vCenters can be lost and replaced; hosts, VMs and datastores stay).
/// </summary>
public sealed class Simulation : IAsyncDisposable
{
    private readonly Dictionary<string, VCenterServer> _vcenters = new(StringComparer.Ordinal);

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

    public IEnumerable<Cluster> Clusters => Datacenter.Clusters;
    public IEnumerable<EsxiHost> Hosts => Clusters.SelectMany(c => c.Hosts);
    public IEnumerable<VirtualMachine> AllVms => Hosts.SelectMany(h => h.Vms);

    public EsxiHost Host(string name) => Hosts.FirstOrDefault(h => h.Name == name)
        ?? throw new VsphereFault("NotFound", $"there is no host \"{name}\"");

    public VirtualMachine Vm(string name) => AllVms.FirstOrDefault(v => v.Name == name)
        ?? throw new VsphereFault("NotFound", $"there is no VM \"{name}\"");

    public Cluster Cluster(string name) => Clusters.FirstOrDefault(c => c.Name == name)
        ?? throw new VsphereFault("NotFound", $"there is no cluster \"{name}\"");

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
        var host = Host(hostName);
        var files = new VmFiles(name);
        foreach (var disk in new[] { "home", "disk0" })
        {
            var data = KnownData(name, disk);
            files.Disks.Add(new VirtualDisk(disk, $"[{host.Cluster.Datastore.Name}] {name}/{name}{(disk == "home" ? ".vmx" : "_0.vmdk")}")
            {
                ClearData = data,
                Digest = SHA256.HashData(data),
            });
        }
        host.Cluster.Datastore.Write(files);
        var vm = new VirtualMachine(name, host, host.Cluster.Datastore, files) { PowerState = poweredOn ? PowerState.PoweredOn : PowerState.PoweredOff };
        host.Vms.Add(vm);
        return vm;
    }

    /// <summary>Deterministic disk contents: 64 KiB derived from the VM and disk names.</summary>
    public static byte[] KnownData(string vm, string disk)
    {
        var seed = SHA256.HashData(Encoding.UTF8.GetBytes($"{vm}/{disk}"));
        var data = new byte[64 * 1024];
        for (int i = 0; i < data.Length; i += 32) SHA256.HashData(seed.Concat(BitConverter.GetBytes(i)).ToArray()).CopyTo(data.AsSpan(i));
        return data;
    }

    /// <summary>A host reboots: its cache is lost, its VMs power off; then it reconnects to vCenter (if there is one to reconnect to).</summary>
    public async Task RebootHostAsync(EsxiHost host)
    {
        host.Reboot();
        if (VCenter is { Lost: false } vc) await vc.HostReconnectedAsync(host);
        else foreach (var vm in host.Vms.Where(v => v.Encrypted)) vm.CryptoState = CryptoState.Locked;
    }

    /// <summary>
    /// Reads every disk of the VM back with the key its host holds: true only when every DEK unwraps and every disk
    /// decrypts to the data written. <paramref name="reason"/> says what failed.
    /// </summary>
    public static bool ReadsBackIntact(VirtualMachine vm, out string reason)
    {
        reason = "";
        if (!vm.Encrypted)
        {
            bool ok = vm.Files.Disks.All(d => d.ClearData is not null && SHA256.HashData(d.ClearData).AsSpan().SequenceEqual(d.Digest));
            reason = ok ? "" : "a disk's data differs from what was written";
            return ok;
        }
        var kek = vm.Host.Key(vm.KeyId!);
        if (kek is null)
        {
            reason = $"host \"{vm.Host.Name}\" does not have key {vm.KeyId}";
            return false;
        }
        return DecryptsWith(vm, kek, out reason);
    }

    /// <summary>Tries one KEK on every disk of the VM.</summary>
    public static bool DecryptsWith(VirtualMachine vm, byte[] kek, out string reason)
    {
        foreach (var disk in vm.Files.Disks)
        {
            if (!vm.Files.Bundle!.WrappedDeks.TryGetValue(disk.Name, out var wrapped) || disk.Encrypted is null)
            {
                reason = $"disk {disk.Name} has no wrapped key";
                return false;
            }
            var dek = DiskCrypto.TryUnwrapDek(kek, wrapped);
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
    }
}
