using System.Security.Cryptography;
using System.Text;

namespace Harness.Simulator;

/// <summary>
/// vCenter's inventory as the vSphere API shows it: a managed object reference for each object of the site (the
/// folders of the one datacenter, the datacenter, clusters, hosts, VMs, datastores) and each managed object's properties
/// as vim25 values: text, <see cref="EnumValue"/>s, <see cref="ManagedObjectReference"/>s and <see cref="DataObject"/>s
/// (what the PropertyCollector answers for VirtualMachine.config or HostSystem.runtime).
/// </summary>
/// <remarks>
/// The folders have fixed IDs, as on a vCenter: group-d1 (the root folder), group-v3 (VMs), group-h4 (hosts and
/// clusters), group-s5 (datastores), group-n6 (networks: none are simulated). The other IDs are vCenter's <see cref="VCenterServer.MoId"/>s. The inventory is the
/// current vCenter's; with none running, every call is a HostCommunication fault.
/// </remarks>
public sealed class VimInventory(Simulation sim)
{
    public const string RootFolderId = "group-d1", VmFolderId = "group-v3", HostFolderId = "group-h4", DatastoreFolderId = "group-s5", NetworkFolderId = "group-n6";

    public static readonly ManagedObjectReference RootFolder = new("Folder", RootFolderId);
    public static readonly ManagedObjectReference VmFolder = new("Folder", VmFolderId);
    public static readonly ManagedObjectReference HostFolder = new("Folder", HostFolderId);
    public static readonly ManagedObjectReference DatastoreFolder = new("Folder", DatastoreFolderId);
    public static readonly ManagedObjectReference NetworkFolder = new("Folder", NetworkFolderId);

    /// <summary>The managed object types whose properties this inventory gives, with the properties it has.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Properties = new Dictionary<string, IReadOnlyList<string>>
    {
        ["Folder"] = ["name", "parent", "childEntity", "childType", "overallStatus"],
        ["Datacenter"] = ["name", "parent", "vmFolder", "hostFolder", "datastoreFolder", "networkFolder", "datastore", "overallStatus"],
        ["ClusterComputeResource"] = ["name", "parent", "host", "datastore", "overallStatus", "triggeredAlarmState"],
        ["HostSystem"] = ["name", "parent", "runtime", "configManager", "vm", "datastore", "overallStatus", "triggeredAlarmState"],
        ["VirtualMachine"] = ["name", "parent", "config", "runtime", "summary", "datastore", "overallStatus", "triggeredAlarmState"],
        ["Datastore"] = ["name", "parent", "summary", "host", "vm", "overallStatus"],
    };

    private VCenterServer VCenter => sim.VCenter is { Lost: false } vc ? vc
        : throw new VsphereFault("HostCommunication", "vCenter Server is not running: the site has no vCenter to answer");

    /// <summary>The reference of an inventory object (a VM, host, cluster, datastore or the datacenter).</summary>
    public ManagedObjectReference Ref(object entity) => entity switch
    {
        VirtualMachine vm => new("VirtualMachine", VCenter.MoId(vm)),
        EsxiHost host => new("HostSystem", VCenter.MoId(host)),
        Cluster cluster => new("ClusterComputeResource", VCenter.MoId(cluster)),
        Datastore ds => new("Datastore", VCenter.MoId(ds)),
        Datacenter dc => new("Datacenter", VCenter.MoId(dc)),
        _ => throw new ArgumentException($"{entity.GetType().Name} is not an inventory object", nameof(entity)),
    };

    /// <summary>The object a reference names: a site object, or the folder's ID for a folder; null when there is no such object.</summary>
    public object? Resolve(ManagedObjectReference mo)
    {
        // A host's CryptoManagerHost (HostSystem.configManager.cryptoManager) resolves to its host.
        if (mo.Type == "CryptoManagerHost")
            return mo.Value.StartsWith(CryptoManagerHostPrefix, StringComparison.Ordinal)
                ? Resolve(new ManagedObjectReference("HostSystem", mo.Value[CryptoManagerHostPrefix.Length..])) : null;
        if (mo.Type == "Folder") return mo.Value is RootFolderId or VmFolderId or HostFolderId or DatastoreFolderId or NetworkFolderId ? mo.Value : null;
        var entity = VCenter.EntityOf(mo.Value);
        bool live = entity switch
        {
            VirtualMachine vm => mo.Type == "VirtualMachine" && vm.Registered && vm.Host.Vms.Contains(vm),
            EsxiHost host => mo.Type == "HostSystem",
            Cluster => mo.Type == "ClusterComputeResource",
            Datastore => mo.Type == "Datastore",
            Datacenter => mo.Type == "Datacenter",
            _ => false,
        };
        return live ? entity : null;
    }

    private const string CryptoManagerHostPrefix = "cryptoManager-";

    /// <summary>A host's CryptoManagerHost: cryptoManager-host-N.</summary>
    public ManagedObjectReference CryptoManagerOf(EsxiHost host) => new("CryptoManagerHost", CryptoManagerHostPrefix + Ref(host).Value);

    /// <summary>The VMs vCenter has in its inventory (registered ones).</summary>
    public IEnumerable<VirtualMachine> Vms => sim.AllVms.Where(v => v.Registered);

    private IEnumerable<Datastore> Datastores => sim.Clusters.Select(c => c.Datastore).Distinct();

    /// <summary>
    /// A property of a managed object by its top-level name; null when it is unset. An unknown property is an
    /// InvalidProperty fault (as the PropertyCollector answers); an object that is gone, ManagedObjectNotFound.
    /// </summary>
    public object? Property(ManagedObjectReference mo, string name)
    {
        var entity = Resolve(mo) ?? throw new VsphereFault("ManagedObjectNotFound", $"the managed object {mo.Type}:{mo.Value} does not exist (any more)");
        if (mo.Type == "CryptoManagerHost") throw new VsphereFault("InvalidProperty", $"CryptoManagerHost has no property \"{name}\" here");
        if (!Properties.TryGetValue(mo.Type, out var known) || !known.Contains(name))
            throw new VsphereFault("InvalidProperty", $"{mo.Type} has no property \"{name}\" here (it has: {string.Join(", ", known ?? [])})");
        return entity switch
        {
            string folder => FolderProperty(folder, name),
            Datacenter dc => name switch
            {
                "name" => dc.Name,
                "parent" => RootFolder,
                "vmFolder" => VmFolder,
                "hostFolder" => HostFolder,
                "datastoreFolder" => DatastoreFolder,
                "networkFolder" => NetworkFolder,
                "datastore" => DataArray.Of(Datastores.Select(Ref)),
                _ => Status("green"),
            },
            Cluster c => name switch
            {
                "name" => c.Name,
                "parent" => HostFolder,
                "host" => DataArray.Of(c.Hosts.Select(Ref)),
                "datastore" => DataArray.Of([Ref(c.Datastore)]),
                "triggeredAlarmState" => AlarmStates(c, c.Name),
                _ => Status(VCenter.OverallStatus(c)),
            },
            EsxiHost h => HostProperty(h, name),
            VirtualMachine vm => VmProperty(vm, name),
            Datastore ds => name switch
            {
                "name" => ds.Name,
                "parent" => DatastoreFolder,
                "summary" => DatastoreSummary(ds),
                "host" => DataArray.Of("DatastoreHostMount", (DatastoreCluster(ds)?.Hosts ?? []).Select(h => new DataObject("DatastoreHostMount")
                {
                    { "key", Ref(h) },
                    { "mountInfo", new DataObject("HostMountInfo")
                        {
                            { "accessMode", "readWrite" },
                            { "mounted", true },
                            { "accessible", DatastoreCluster(ds)?.DatastoreAccessible ?? true },
                        }
                    },
                })),
                "vm" => DataArray.Of(Vms.Where(v => v.Datastore == ds).Select(Ref)),
                _ => Status(DatastoreCluster(ds)?.DatastoreAccessible == false ? "red" : "green"),
            },
            _ => null,
        };
    }

    private object? FolderProperty(string folder, string name) => name switch
    {
        "name" => folder switch { RootFolderId => "Datacenters", VmFolderId => "vm", HostFolderId => "host", NetworkFolderId => "network", _ => "datastore" },
        "parent" => folder == RootFolderId ? null : Ref(sim.Datacenter),
        "childEntity" => folder switch
        {
            RootFolderId => DataArray.Of([Ref(sim.Datacenter)]),
            VmFolderId => DataArray.Of(Vms.Select(Ref)),
            HostFolderId => DataArray.Of(sim.Clusters.Select(Ref)),
            NetworkFolderId => DataArray.Of([]),
            _ => DataArray.Of(Datastores.Select(Ref)),
        },
        "childType" => folder switch
        {
            RootFolderId => DataArray.OfStrings(["Folder", "Datacenter"]),
            VmFolderId => DataArray.OfStrings(["Folder", "VirtualMachine", "VirtualApp"]),
            HostFolderId => DataArray.OfStrings(["Folder", "ComputeResource"]),
            NetworkFolderId => DataArray.OfStrings(["Folder", "Network", "DistributedVirtualSwitch"]),
            _ => DataArray.OfStrings(["Folder", "Datastore", "StoragePod"]),
        },
        _ => Status("green"),
    };

    private object? HostProperty(EsxiHost h, string name) => name switch
    {
        "name" => h.Name,
        "parent" => Ref(h.Cluster),
        "runtime" => new DataObject("HostRuntimeInfo")
        {
            { "connectionState", new EnumValue("HostSystemConnectionState", PropertyReader.Read(h, "runtime.connectionState")!) },
            { "powerState", new EnumValue("HostSystemPowerState", h.ConnectionState == HostConnectionState.Connected ? "poweredOn" : "unknown") },
            { "inMaintenanceMode", false },
            { "cryptoState", PropertyReader.Read(h, "runtime.cryptoState") },
            { "cryptoKeyId", h.HostKeyId is null ? null : KeyId(h.HostKeyId, h.HostKeyProviderId ?? "") },
        },
        "configManager" => new DataObject("HostConfigManager") { { "cryptoManager", CryptoManagerOf(h) } },
        "vm" => DataArray.Of(h.Vms.Where(v => v.Registered).Select(Ref)),
        "datastore" => DataArray.Of([Ref(h.Cluster.Datastore)]),
        "triggeredAlarmState" => AlarmStates(h, h.Name),
        _ => Status(VCenter.OverallStatus(h)),
    };

    private object? VmProperty(VirtualMachine vm, string name) => name switch
    {
        "name" => vm.Name,
        "parent" => VmFolder,
        "config" => VmConfig(vm),
        "runtime" => VmRuntime(vm),
        "summary" => new DataObject("VirtualMachineSummary")
        {
            { "vm", Ref(vm) },
            { "runtime", VmRuntime(vm) },
            { "config", new DataObject("VirtualMachineConfigSummary")
                {
                    { "name", vm.Name },
                    { "template", false },
                    { "vmPathName", vm.Files.VmxPath },
                    { "uuid", Uuid("bios", vm) },
                    { "instanceUuid", Uuid("instance", vm) },
                    { "guestId", "otherGuest64" },
                    { "numCpu", 2 },
                    { "memorySizeMB", 4096 },
                }
            },
            { "overallStatus", Status(VCenter.OverallStatus(vm)) },
        },
        "datastore" => DataArray.Of([Ref(vm.Datastore)]),
        "triggeredAlarmState" => AlarmStates(vm, vm.Name),
        _ => Status(VCenter.OverallStatus(vm)),
    };

    private DataObject VmRuntime(VirtualMachine vm) => new("VirtualMachineRuntimeInfo")
    {
        { "host", Ref(vm.Host) },
        { "connectionState", new EnumValue("VirtualMachineConnectionState", PropertyReader.Read(vm, "runtime.connectionState")!) },
        { "powerState", new EnumValue("VirtualMachinePowerState", PropertyReader.Read(vm, "runtime.powerState")!) },
        { "cryptoState", PropertyReader.Read(vm, "runtime.cryptoState") },
    };

    private DataObject VmConfig(VirtualMachine vm)
    {
        var bundle = vm.Files.Bundle;
        return new DataObject("VirtualMachineConfigInfo")
        {
            { "name", vm.Name },
            { "guestFullName", "Other Linux (64-bit)" },
            { "version", "vmx-19" },
            { "uuid", Uuid("bios", vm) },
            { "instanceUuid", Uuid("instance", vm) },
            { "template", false },
            { "guestId", "otherGuest64" },
            { "files", new DataObject("VirtualMachineFileInfo") { { "vmPathName", vm.Files.VmxPath } } },
            { "hardware", new DataObject("VirtualHardware")
                {
                    { "numCPU", 2 },
                    { "memoryMB", 4096 },
                    { "device", vm.Files.Disks.Select((d, i) => new DataObject("VirtualDisk")
                        {
                            { "key", 2000 + i },
                            { "deviceInfo", new DataObject("Description") { { "label", $"Hard disk {i + 1}" }, { "summary", d.Path } } },
                            { "backing", new DataObject("VirtualDiskFlatVer2BackingInfo")
                                {
                                    { "fileName", d.Path },
                                    { "diskMode", "persistent" },
                                    { "keyId", vm.KeyIdOf(d) is { } k && bundle is not null ? KeyId(k, bundle.ProviderId) : null },
                                }
                            },
                            { "capacityInKB", 16L * 1024 * 1024 },
                        }).ToList<object>()
                    },
                }
            },
            { "keyId", bundle is null ? null : KeyId(bundle.KeyId, bundle.ProviderId) },
        };
    }

    private DataObject DatastoreSummary(Datastore ds)
    {
        var cluster = DatastoreCluster(ds);
        return new DataObject("DatastoreSummary")
        {
            { "datastore", Ref(ds) },
            { "name", ds.Name },
            { "url", $"ds:///vmfs/volumes/{ds.Name}/" },
            { "capacity", 2L << 40 },
            { "freeSpace", 1L << 40 },
            { "accessible", cluster?.DatastoreAccessible ?? true },
            { "type", cluster?.VsanEncrypted == true ? "vsan" : "VMFS" },
        };
    }

    private Cluster? DatastoreCluster(Datastore ds) => sim.Clusters.FirstOrDefault(c => c.Datastore == ds);

    private DataArray AlarmStates(object entity, string objectName) =>
        DataArray.Of("AlarmState", VCenter.Alarms.ActiveOn(objectName).Select(a => new DataObject("AlarmState")
        {
            { "key", $"{AlarmId(a.Name)}.{Ref(entity).Value}" },
            { "entity", Ref(entity) },
            { "alarm", new ManagedObjectReference("Alarm", AlarmId(a.Name)) },
            { "overallStatus", Status("red") },
            { "time", a.TriggeredAt },
            { "acknowledged", false },
        }));

    /// <summary>The alarm definition's ID: alarm-1 for vCenter's VM-locked alarm, one per alarm name after it.</summary>
    public static string AlarmId(string alarmName) => alarmName == AlarmManager.VmLockedAlarm ? "alarm-1" : $"alarm-{2 + (StableHash(alarmName) % 1000)}";

    private Dictionary<string, string>? _alarmNames;

    /// <summary>The name of the alarm definition with this ID (<see cref="AlarmId"/>), or null; the names are gathered once per inventory.</summary>
    public string? AlarmName(string alarmId) =>
        (_alarmNames ??= (sim.VCenter?.Alarms.All.Select(a => a.Name) ?? []).Append(AlarmManager.VmLockedAlarm)
            .DistinctBy(AlarmId).ToDictionary(AlarmId, StringComparer.Ordinal)).GetValueOrDefault(alarmId);

    /// <summary>A key provider as CryptoManagerKmip.ListKmipServers answers it (KmipClusterInfo with its KmipServerInfos).</summary>
    public static DataObject KmipClusterInfo(KeyProvider provider, bool isDefault) => new("KmipClusterInfo")
    {
        { "clusterId", new DataObject("KeyProviderId") { { "id", provider.Name } } },
        { "servers", provider.Servers.Select(s => (object)new DataObject("KmipServerInfo")
            {
                { "name", s.Name }, { "address", s.Endpoint.Address.ToString() }, { "port", s.Endpoint.Port },
                { "timeout", s.Timeout is { } t ? (int)t.TotalMilliseconds : null },
                { "userName", provider.Credential?.Username },
            }).ToList()
        },
        { "useAsDefault", isDefault },
        { "managementType", "vCenter" },
    };

    private static DataObject KeyId(string keyId, string providerId) => new("CryptoKeyId")
    {
        { "keyId", keyId },
        { "providerId", new DataObject("KeyProviderId") { { "id", providerId } } },
    };

    private static EnumValue Status(string color) => new("ManagedEntityStatus", color);

    /// <summary>A VM's BIOS or instance UUID: derived from its name, so the same VM keeps it when registered again.</summary>
    public static string Uuid(string kind, VirtualMachine vm)
    {
        var hash = MD5.HashData(Encoding.UTF8.GetBytes($"{kind}:{vm.Name}"));
        hash[6] = (byte)((hash[6] & 0x0f) | 0x30);
        hash[8] = (byte)((hash[8] & 0x3f) | 0x80);
        return new Guid(hash, bigEndian: true).ToString();
    }

    private static int StableHash(string s)
    {
        int h = 17;
        foreach (var c in s) h = unchecked(h * 31 + c);
        return h & 0x7fffffff;
    }
}
