namespace Harness.Simulator;

/// <summary>The site at scale: the size of the disks' data, many VMs added at once, many hosts rebooted at once.</summary>
public sealed partial class Simulation
{
    public const int DefaultDiskDataBytes = 64 * 1024;

    private int _diskDataBytes = DefaultDiskDataBytes;

    /// <summary>
    /// How many bytes of known data each disk of a new VM holds (default 64 KiB). A site of tens of thousands of VMs
    /// needs less to fit in memory; the data is still really encrypted and read back.
    /// </summary>
    public int DiskDataBytes
    {
        get => _diskDataBytes;
        set => _diskDataBytes = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "a disk holds at least one byte of data");
    }

    /// <summary>
    /// Many VMs at once, as <see cref="AddVm"/> adds each (names checked against the site's VMs and each other once,
    /// not once per VM). Nothing is added when a name is taken or a host is unknown.
    /// </summary>
    public IReadOnlyList<VirtualMachine> AddVms(IEnumerable<(string Name, string HostName)> vms, bool poweredOn)
    {
        var names = AllVms.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var hosts = new Dictionary<string, EsxiHost>(StringComparer.Ordinal);
        foreach (var h in Hosts) hosts.TryAdd(h.Name, h);
        var placed = new List<(string Name, EsxiHost Host)>();
        foreach (var (name, hostName) in vms)
        {
            if (!names.Add(name)) throw new VsphereFault("DuplicateName", $"VM \"{name}\" already exists");
            placed.Add((name, hosts.GetValueOrDefault(hostName) ?? throw new VsphereFault("NotFound", $"there is no host \"{hostName}\"")));
        }
        return placed.Select(p => NewVm(p.Name, p.Host, poweredOn)).ToList();
    }

    /// <summary>
    /// Many hosts reboot at once (a rolling upgrade gone wrong, a power loss that spares vCenter): each reboots as in
    /// <see cref="RebootHostAsync"/>, but vCenter reconnects them together: it fetches the keys of all their VMs at once,
    /// each key once, many per KMIP message, and pushes each to the hosts of its VM's cluster.
    /// </summary>
    public async Task RebootHostsAsync(IReadOnlyCollection<EsxiHost> hosts)
    {
        var distinct = hosts.Distinct().ToList();
        if (distinct.FirstOrDefault(h => h.ConnectionState == HostConnectionState.NotResponding) is { } failed)
            throw new VsphereFault("InvalidHostState", $"host \"{failed.Name}\" is not responding (it failed): power it on instead");
        foreach (var host in distinct)
        {
            if (VCenter is { Available: true } vc)
                vc.Events.Log(EventTypes.HostShutdown, host.Name, "HostSystem", $"Host {host.Name} is shut down for a reboot; its VMs power off.");
            host.Reboot();
        }
        await BootAsync(distinct, siteWide: false, together: true);
    }
}
