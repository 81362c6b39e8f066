using System.Text.Json.Nodes;
using Harness.Pki;
using Harness.Simulator.Web.Vim25;
using Microsoft.AspNetCore.Builder;

namespace Harness.Simulator.Web;

/// <summary>
/// A property browser in the spirit of vCenter's Managed Object Browser (MOB): each managed object (Datacenter,
/// ClusterComputeResource, HostSystem, VirtualMachine, Datastore, and each vCenter's CryptoManagerKmip) with its
/// properties under vSphere's names, data objects nested, so that a user follows VirtualMachine → config → keyId → keyId
/// to read a VM's key ID (seed 000, step 3a). The values are those the vim25 endpoint serves (<see cref="VimInventory"/>,
/// the one reader of the model's properties), under the same IDs (vm-N); a data object lists every field vim25's schema
/// gives its type, unset ones too, as the MOB does.
/// </summary>
/// <remarks>
/// GET /api/mob lists the objects (the ServiceInstance's content); GET /api/mob/{type}/{id} answers one object, by its
/// managed object ID or its name. Every value is a node: <c>{"type": T, "value": scalar}</c>, a data object
/// <c>{"type": T, "properties": {...}}</c>, an array <c>{"type": "T[]", "items": [...]}</c>, or a reference to another
/// managed object <c>{"type": "ManagedObjectReference", "ref": {"type": "HostSystem", "value": "host-12", "name": "esx01"}}</c>.
/// Properties that vSphere does not have are prefixed "harness" (a host's key cache, an alarm's reason).
/// </remarks>
internal static class ManagedObjectBrowser
{
    public static readonly string[] Types = ["Datacenter", "ClusterComputeResource", "HostSystem", "VirtualMachine", "Datastore", "CryptoManagerKmip"];

    public static void Map(WebApplication app, SimulatorHost host)
    {
        app.MapGet("/api/mob", () => SimulatorApi.Read(host, () => Content(host.Simulation)));
        app.MapGet("/api/mob/{type}/{id}", (string type, string id) => SimulatorApi.Read(host, () => Object(host.Simulation, type, id)));
    }

    /// <summary>The ServiceInstance's content: every managed object the browser can open, by type.</summary>
    public static JsonObject Content(Simulation sim)
    {
        if (sim.VCenter is not { Lost: false })
            return new JsonObject
            {
                ["type"] = "ServiceInstance",
                ["name"] = "(no vCenter)",
                ["properties"] = new JsonObject
                {
                    ["harnessNote"] = Value("string", "vCenter Server is not running: its inventory cannot be browsed until a vCenter is back"),
                    ["CryptoManagerKmip"] = Array("ManagedObjectReference", sim.VCenters.Keys.Select(CryptoManagerRef)),
                },
            };
        var inventory = new VimInventory(sim);
        JsonObject Refs(IEnumerable<object> entities) => Array("ManagedObjectReference", entities.Select(e => Node(inventory, inventory.Ref(e), "ManagedObjectReference")));
        return new JsonObject
        {
            ["type"] = "ServiceInstance",
            ["name"] = sim.VCenter?.Name ?? "(no vCenter)",
            ["properties"] = new JsonObject
            {
                ["Datacenter"] = Refs([sim.Datacenter]),
                ["ClusterComputeResource"] = Refs(sim.Clusters),
                ["HostSystem"] = Refs(sim.Hosts),
                ["VirtualMachine"] = Refs(inventory.Vms),
                ["Datastore"] = Refs(sim.Clusters.Select(c => c.Datastore).Distinct()),
                ["CryptoManagerKmip"] = Array("ManagedObjectReference", sim.VCenters.Keys.Select(CryptoManagerRef)),
            },
        };
    }

    public static JsonObject Object(Simulation sim, string type, string id)
    {
        if (type == "CryptoManagerKmip")
        {
            var vc = sim.VCenters.GetValueOrDefault(id)
                     ?? throw ApiProblem.NotFound($"there is no vCenter \"{id}\" (known: {string.Join(", ", sim.VCenters.Keys)})");
            return new JsonObject { ["type"] = type, ["value"] = id, ["name"] = id, ["properties"] = CryptoManager(new VimInventory(sim), vc) };
        }
        if (!Types.Contains(type))
            throw ApiProblem.NotFound($"the property browser has no managed object type \"{type}\" (it has: {string.Join(", ", Types)})");
        var inventory = new VimInventory(sim);
        var entity = inventory.Resolve(new ManagedObjectReference(type, id)) ?? ByName(sim, inventory, type, id)
                     ?? throw ApiProblem.NotFound($"vCenter's inventory has no {type} \"{id}\" (by ID or name)");
        var mo = inventory.Ref(entity);
        var properties = new JsonObject();
        foreach (var name in VimInventory.Properties[type])
            properties[name] = Node(inventory, inventory.Property(mo, name), "unset");
        if (entity is EsxiHost h)
        {
            properties["harnessCachedKeyIds"] = Array("string", h.CachedKeyIds.Order(StringComparer.Ordinal).Select(k => Value("string", k)));
            properties["harnessKeyPersistenceEnabled"] = Value("boolean", h.KeyPersistence);
            properties["harnessDiskGroupsMounted"] = Value("boolean", h.DiskGroupsMounted);
            properties["harnessDiskGroupCount"] = Value("int", h.DiskGroups.Count);
        }
        if (entity is Cluster c)
            properties["harnessVsanDataEncryptionConfig"] = Data("VsanDataEncryptionConfig", new JsonObject
            {
                ["encryptionEnabled"] = Value("boolean", c.VsanEncrypted),
                ["kmsProviderId"] = c.VsanEncryption is { } v ? Data("KeyProviderId", new JsonObject { ["id"] = Value("string", v.ProviderId) }) : Value("KeyProviderId", null),
            });
        if (properties["triggeredAlarmState"] is JsonObject alarms && sim.VCenter is { } center)
            AddAlarmReasons(alarms, center, (string)inventory.Property(mo, "name")!);
        return new JsonObject { ["type"] = type, ["value"] = mo.Value, ["name"] = (string?)inventory.Property(mo, "name"), ["properties"] = properties };
    }

    private static object? ByName(Simulation sim, VimInventory inventory, string type, string name) => type switch
    {
        "VirtualMachine" => inventory.Vms.FirstOrDefault(v => v.Name == name),
        "HostSystem" => sim.Hosts.FirstOrDefault(h => h.Name == name),
        "ClusterComputeResource" => sim.Clusters.FirstOrDefault(c => c.Name == name),
        "Datastore" => sim.Clusters.Select(c => c.Datastore).FirstOrDefault(d => d.Name == name),
        "Datacenter" => sim.Datacenter.Name == name ? sim.Datacenter : null,
        _ => null,
    };

    /// <summary>Why each triggered alarm fired, beside vSphere's AlarmState (harnessReason).</summary>
    private static void AddAlarmReasons(JsonObject alarms, VCenterServer vc, string objectName)
    {
        var active = vc.Alarms.ActiveOn(objectName).ToList();
        foreach (var item in alarms["items"]!.AsArray().OfType<JsonObject>())
        {
            var alarmId = item["properties"]?["alarm"]?["ref"]?["value"]?.GetValue<string>();
            if (active.FirstOrDefault(a => VimInventory.AlarmId(a.Name) == alarmId) is { } a)
                item["properties"]!.AsObject()["harnessReason"] = Value("string", a.Reason);
        }
    }

    /// <summary>A vCenter's CryptoManagerKmip: its key providers as ListKmipServers gives them, with what vCenter trusts of each.</summary>
    private static JsonObject CryptoManager(VimInventory inventory, VCenterServer vc)
    {
        var providers = vc.CryptoManagerKmip.ListKmipServers().Select(p =>
        {
            var info = (JsonObject)Node(inventory, VimInventory.KmipClusterInfo(p, p.Name == vc.DefaultProvider), "KmipClusterInfo");
            var properties = info["properties"]!.AsObject();
            properties["harnessClientCertificateSha1"] = Value("string", p.ClientCertificate is null ? null : Thumbprints.Sha1(p.ClientCertificate));
            var servers = properties["servers"]!["items"]!.AsArray();
            for (int i = 0; i < p.Servers.Count; i++)
            {
                var server = servers[i]!["properties"]!.AsObject();
                server["harnessTrustedThumbprint"] = Value("string", p.Servers[i].TrustedThumbprint);
                server["harnessStatus"] = Value("string", p.Servers[i].Status);
            }
            return info;
        });
        return new JsonObject
        {
            ["enabled"] = Value("boolean", !vc.Lost),
            ["kmipServers"] = Array("KmipClusterInfo", providers),
        };
    }

    /// <summary>A value of the model as a browser node; <paramref name="declared"/> is the schema's type, for an unset value.</summary>
    private static JsonObject Node(VimInventory inventory, object? value, string declared) => value switch
    {
        null => Value(declared, null),
        DataObject data => Data(data.Type, Fields(inventory, data)),
        DataArray array => Array(array.ItemType, array.Items.Select(i => Node(inventory, i, array.ItemType))),
        IEnumerable<object> list => Array(Plain(declared), list.Select(i => Node(inventory, i, Plain(declared)))),
        ManagedObjectReference mo => new JsonObject
        {
            ["type"] = "ManagedObjectReference",
            ["ref"] = new JsonObject { ["type"] = mo.Type, ["value"] = mo.Value, ["name"] = NameOf(inventory, mo) },
        },
        EnumValue e => Value(e.Type, e.Value),
        string s => Value("string", s),
        bool b => Value("boolean", b),
        int i => Value("int", i),
        long l => Value("long", l),
        DateTimeOffset t => Value("dateTime", t.ToString("O")),
        _ => Value(Plain(declared), value.ToString()),
    };

    /// <summary>Every field vim25's schema gives the data object's type, in schema order (unset ones as null), then any others it carries.</summary>
    private static JsonObject Fields(VimInventory inventory, DataObject data)
    {
        var fields = new JsonObject();
        var declared = VimTypes.Vim25.Fields(data.Type);
        foreach (var f in declared)
            fields[f.Name] = Node(inventory, data[f.Name], f.Array ? Plain(f.Type) + "[]" : Plain(f.Type));
        foreach (var (name, value) in data)
            if (!fields.ContainsKey(name)) fields[name] = Node(inventory, value, "unset");
        return fields;
    }

    private static string Plain(string schemaType) => schemaType.StartsWith("xsd:", StringComparison.Ordinal) ? schemaType[4..] : schemaType;

    /// <summary>The name the browser shows for a reference: the object's name, an alarm's or a folder's.</summary>
    private static string? NameOf(VimInventory inventory, ManagedObjectReference mo)
    {
        if (mo.Type == "Alarm")
            return inventory.AlarmName(mo.Value) ?? mo.Value;
        if (mo.Type == "CryptoManagerHost") return mo.Value;
        return inventory.Resolve(mo) is null ? null : inventory.Property(mo, "name") as string;
    }

    private static JsonObject CryptoManagerRef(string vcenter) =>
        new() { ["type"] = "ManagedObjectReference", ["ref"] = new JsonObject { ["type"] = "CryptoManagerKmip", ["value"] = vcenter, ["name"] = vcenter } };

    private static JsonObject Value(string type, object? value) => new()
    {
        ["type"] = type,
        ["value"] = value switch
        {
            null => null,
            string s => s,
            bool b => b,
            int i => i,
            long l => l,
            _ => value.ToString(),
        },
    };

    private static JsonObject Data(string type, JsonObject properties) => new() { ["type"] = type, ["properties"] = properties };

    private static JsonObject Array(string type, IEnumerable<JsonObject> items) => new() { ["type"] = type + "[]", ["items"] = new JsonArray(items.ToArray<JsonNode?>()) };
}
