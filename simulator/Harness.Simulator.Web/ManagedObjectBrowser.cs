using System.Text.Json.Nodes;
using Harness.Pki;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Harness.Simulator.Web;

/// <summary>
/// A property browser in the spirit of vCenter's Managed Object Browser (MOB): each managed object (VirtualMachine,
/// HostSystem, ClusterComputeResource, CryptoManagerKmip) with its properties under vSphere's names, data objects nested,
/// so that a user follows VirtualMachine → config → keyId → keyId to read a VM's key ID (seed 000, step 3a).
/// </summary>
/// <remarks>
/// GET /api/mob lists the objects (the ServiceInstance's content); GET /api/mob/{type}/{name} answers one object.
/// Every value is a node: <c>{"type": T, "value": scalar}</c>, a data object <c>{"type": T, "properties": {...}}</c>,
/// an array <c>{"type": "T[]", "items": [...]}</c>, or a reference to another managed object
/// <c>{"type": "ManagedObjectReference", "ref": {"type": "HostSystem", "name": "esx01"}}</c>. Properties that vSphere
/// does not have are prefixed "harness" (a host's key cache).
/// </remarks>
internal static class ManagedObjectBrowser
{
    public static readonly string[] Types = ["VirtualMachine", "HostSystem", "ClusterComputeResource", "Datastore", "CryptoManagerKmip"];

    public static void Map(WebApplication app, SimulatorHost host)
    {
        app.MapGet("/api/mob", () => SimulatorApi.Read(host, () => Content(host.Simulation)));
        app.MapGet("/api/mob/{type}/{name}", (string type, string name) => SimulatorApi.Read(host, () => Object(host.Simulation, type, name)));
    }

    /// <summary>The ServiceInstance's content: every managed object the browser can open, by type.</summary>
    public static JsonObject Content(Simulation sim) => new()
    {
        ["type"] = "ServiceInstance",
        ["name"] = sim.VCenter?.Name ?? "(no vCenter)",
        ["properties"] = new JsonObject
        {
            ["VirtualMachine"] = Refs("VirtualMachine", sim.AllVms.Select(v => v.Name)),
            ["HostSystem"] = Refs("HostSystem", sim.Hosts.Select(h => h.Name)),
            ["ClusterComputeResource"] = Refs("ClusterComputeResource", sim.Clusters.Select(c => c.Name)),
            ["Datastore"] = Refs("Datastore", sim.Clusters.Select(c => c.Datastore.Name).Distinct()),
            ["CryptoManagerKmip"] = Refs("CryptoManagerKmip", sim.VCenters.Keys),
        },
    };

    public static JsonObject Object(Simulation sim, string type, string name)
    {
        var properties = type switch
        {
            "VirtualMachine" => Vm(sim, sim.Vm(name)),
            "HostSystem" => Host(sim, sim.Host(name)),
            "ClusterComputeResource" => Cluster(sim.Clusters.FirstOrDefault(c => c.Name == name)
                ?? throw ApiProblem.NotFound($"there is no cluster \"{name}\" (known: {string.Join(", ", sim.Clusters.Select(c => c.Name))})")),
            "Datastore" => Datastore(sim, sim.Clusters.FirstOrDefault(c => c.Datastore.Name == name)
                ?? throw ApiProblem.NotFound($"there is no datastore \"{name}\" (known: {string.Join(", ", sim.Clusters.Select(c => c.Datastore.Name))})")),
            "CryptoManagerKmip" => CryptoManager(sim.VCenters.GetValueOrDefault(name)
                ?? throw ApiProblem.NotFound($"there is no vCenter \"{name}\" (known: {string.Join(", ", sim.VCenters.Keys)})")),
            _ => throw ApiProblem.NotFound($"the property browser has no managed object type \"{type}\" (it has: {string.Join(", ", Types)})"),
        };
        return new JsonObject { ["type"] = type, ["name"] = name, ["properties"] = properties };
    }

    private static JsonObject Vm(Simulation sim, VirtualMachine vm)
    {
        var vc = sim.VCenter;
        var bundle = vm.Files.Bundle;
        return new JsonObject
        {
            ["name"] = Value("string", vm.Name),
            ["config"] = Data("VirtualMachineConfigInfo", new JsonObject
            {
                ["name"] = Value("string", vm.Name),
                ["files"] = Data("VirtualMachineFileInfo", new JsonObject { ["vmPathName"] = Value("string", vm.Files.VmxPath) }),
                ["keyId"] = bundle is null ? Value("CryptoKeyId", null) : KeyId(bundle.KeyId, bundle.ProviderId),
                ["hardware"] = Data("VirtualHardware", new JsonObject
                {
                    ["device"] = Array("VirtualDevice", vm.Files.Disks.Select((d, i) => Data("VirtualDisk", new JsonObject
                    {
                        ["deviceInfo"] = Data("Description", new JsonObject { ["label"] = Value("string", $"Hard disk {i + 1}") }),
                        ["backing"] = Data("VirtualDiskFlatVer2BackingInfo", new JsonObject
                        {
                            ["fileName"] = Value("string", d.Path),
                            ["keyId"] = vm.KeyIdOf(d) is { } k && bundle is not null ? KeyId(k, bundle.ProviderId) : Value("CryptoKeyId", null),
                        }),
                    }))),
                }),
            }),
            ["runtime"] = Data("VirtualMachineRuntimeInfo", new JsonObject
            {
                ["host"] = Ref("HostSystem", vm.Host.Name),
                ["powerState"] = Value("VirtualMachinePowerState", PropertyReader.Read(vm, "runtime.powerState")),
                ["cryptoState"] = Value("string", PropertyReader.Read(vm, "runtime.cryptoState")),
                ["connectionState"] = Value("VirtualMachineConnectionState", vm.Registered ? PropertyReader.Read(vm, "runtime.connectionState") : "orphaned"),
            }),
            ["datastore"] = Array("ManagedObjectReference", [Ref("Datastore", vm.Datastore.Name)]),
            ["snapshot"] = Value("int", vm.Snapshots),
            ["triggeredAlarmState"] = AlarmStates(vc, vm.Name),
            ["overallStatus"] = Value("ManagedEntityStatus", vc?.OverallStatus(vm) ?? "gray"),
        };
    }

    private static JsonObject Host(Simulation sim, EsxiHost h) => new()
    {
        ["name"] = Value("string", h.Name),
        ["parent"] = Ref("ClusterComputeResource", h.Cluster.Name),
        ["runtime"] = Data("HostRuntimeInfo", new JsonObject
        {
            ["cryptoState"] = Value("string", PropertyReader.Read(h, "runtime.cryptoState")),
            ["connectionState"] = Value("HostSystemConnectionState", PropertyReader.Read(h, "runtime.connectionState")),
            ["cryptoKeyId"] = h.HostKeyId is null ? Value("CryptoKeyId", null) : KeyId(h.HostKeyId, h.HostKeyProviderId ?? ""),
        }),
        ["vm"] = Array("ManagedObjectReference", h.Vms.Select(v => Ref("VirtualMachine", v.Name))),
        ["config"] = Data("HostConfigInfo", new JsonObject
        {
            ["keyPersistenceEnabled"] = Value("boolean", h.KeyPersistence),
            ["vsanHostConfig"] = Data("VsanHostConfigInfo", new JsonObject
            {
                ["diskGroupsMounted"] = Value("boolean", h.DiskGroupsMounted),
                ["diskGroupCount"] = Value("int", h.DiskGroups.Count),
            }),
        }),
        ["harnessCachedKeyIds"] = Array("string", h.CachedKeyIds.Order(StringComparer.Ordinal).Select(k => Value("string", k))),
        ["triggeredAlarmState"] = AlarmStates(sim.VCenter, h.Name),
        ["overallStatus"] = Value("ManagedEntityStatus", sim.VCenter?.OverallStatus(h) ?? "gray"),
    };

    private static JsonObject Cluster(Cluster c) => new()
    {
        ["name"] = Value("string", c.Name),
        ["host"] = Array("ManagedObjectReference", c.Hosts.Select(h => Ref("HostSystem", h.Name))),
        ["datastore"] = Array("ManagedObjectReference", [Ref("Datastore", c.Datastore.Name)]),
        ["configurationEx"] = Data("ClusterConfigInfoEx", new JsonObject
        {
            ["vsanConfigInfo"] = Data("VsanClusterConfigInfo", new JsonObject
            {
                ["dataEncryptionConfig"] = Data("VsanDataEncryptionConfig", new JsonObject
                {
                    ["encryptionEnabled"] = Value("boolean", c.VsanEncrypted),
                    ["kmsProviderId"] = c.VsanEncryption is { } v ? Data("KeyProviderId", new JsonObject { ["id"] = Value("string", v.ProviderId) }) : Value("KeyProviderId", null),
                }),
            }),
        }),
    };

    private static JsonObject Datastore(Simulation sim, Cluster c) => new()
    {
        ["name"] = Value("string", c.Datastore.Name),
        ["summary"] = Data("DatastoreSummary", new JsonObject
        {
            ["name"] = Value("string", c.Datastore.Name),
            ["type"] = Value("string", c.VsanEncrypted ? "vsan" : "VMFS"),
            ["accessible"] = Value("boolean", c.DatastoreAccessible),
        }),
        ["host"] = Array("ManagedObjectReference", c.Hosts.Select(h => Ref("HostSystem", h.Name))),
        ["vm"] = Array("ManagedObjectReference", sim.AllVms.Where(v => v.Datastore == c.Datastore).Select(v => Ref("VirtualMachine", v.Name))),
    };

    private static JsonObject CryptoManager(VCenterServer vc) => new()
    {
        ["enabled"] = Value("boolean", !vc.Lost),
        ["kmipServers"] = Array("KmipClusterInfo", vc.KeyProviders.Values.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => Data("KmipClusterInfo", new JsonObject
        {
            ["clusterId"] = Data("KeyProviderId", new JsonObject { ["id"] = Value("string", p.Name) }),
            ["useAsDefault"] = Value("boolean", p.Name == vc.DefaultProvider),
            ["servers"] = Array("KmipServerInfo", p.Servers.Select(s => Data("KmipServerInfo", new JsonObject
            {
                ["name"] = Value("string", s.Name),
                ["address"] = Value("string", s.Endpoint.Address.ToString()),
                ["port"] = Value("int", s.Endpoint.Port),
                ["harnessTrustedThumbprint"] = Value("string", s.TrustedThumbprint),
                ["harnessStatus"] = Value("string", s.Status),
            }))),
            ["harnessClientCertificateSha1"] = Value("string", p.ClientCertificate is null ? null : Thumbprints.Sha1(p.ClientCertificate)),
        }))),
    };

    private static JsonObject AlarmStates(VCenterServer? vc, string objectName) =>
        Array("AlarmState", vc is null ? [] : vc.Alarms.ActiveOn(objectName).Select(a => Data("AlarmState", new JsonObject
        {
            ["alarm"] = Value("Alarm", a.Name),
            ["overallStatus"] = Value("ManagedEntityStatus", "red"),
            ["time"] = Value("dateTime", a.TriggeredAt.ToString("O")),
            ["harnessReason"] = Value("string", a.Reason),
        })));

    private static JsonObject KeyId(string keyId, string providerId) => Data("CryptoKeyId", new JsonObject
    {
        ["keyId"] = Value("string", keyId),
        ["providerId"] = Data("KeyProviderId", new JsonObject { ["id"] = Value("string", providerId) }),
    });

    private static JsonObject Value(string type, object? value) => new()
    {
        ["type"] = type,
        ["value"] = value switch
        {
            null => null,
            string s => s,
            bool b => b,
            int i => i,
            _ => value.ToString(),
        },
    };

    private static JsonObject Data(string type, JsonObject properties) => new() { ["type"] = type, ["properties"] = properties };

    private static JsonObject Array(string type, IEnumerable<JsonObject> items) => new() { ["type"] = type + "[]", ["items"] = new JsonArray(items.ToArray<JsonNode?>()) };

    private static JsonObject Ref(string type, string name) =>
        new() { ["type"] = "ManagedObjectReference", ["ref"] = new JsonObject { ["type"] = type, ["name"] = name } };

    private static JsonObject Refs(string type, IEnumerable<string> names) => Array("ManagedObjectReference", names.Select(n => Ref(type, n)));
}
