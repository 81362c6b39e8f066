using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Harness.Pki;
using Harness.Simulator.Faults;

namespace Harness.Simulator.Web;

// What the REST API answers: plain records, serialized camelCase. State names are vSphere's own
// (runtime.powerState "poweredOn", runtime.cryptoState "locked", HostCryptoState "safe").

public sealed record VmView(
    string Name, string Host, string Cluster, string Datastore, string VmxPath,
    string PowerState, string CryptoState, bool Encrypted, string? KeyId, string? Provider,
    bool Registered, IReadOnlyList<string> ActiveAlarms, string ConnectionState, string? MoId = null);

public sealed record HostView(
    string Name, string Cluster, string CryptoState, bool KeyPersistence, int CachedKeyCount,
    IReadOnlyList<string> CachedKeyIds, IReadOnlyList<string> ActiveAlarms, IReadOnlyList<VmView> Vms,
    int DiskGroups = 0, bool DiskGroupsMounted = false, string? MoId = null);

public sealed record ClusterView(string Name, string Datastore, IReadOnlyList<string> ActiveAlarms, IReadOnlyList<HostView> Hosts,
    bool VsanEncrypted = false, string? MoId = null);

public sealed record DatacenterView(string Name, IReadOnlyList<ClusterView> Clusters);

public sealed record InventoryView(string? Vcenter, DateTimeOffset Time, DatacenterView Datacenter);

public sealed record EventView(string Vcenter, long Key, string TypeId, string Message, DateTimeOffset Time, string Object, string ObjectType);

public sealed record AlarmView(string Vcenter, string Name, string Object, string ObjectType, string RaisedOn, string Reason,
    bool Active, DateTimeOffset TriggeredAt, DateTimeOffset? ClearedAt);

public sealed record KmsServerStatusView(string Vcenter, string Provider, string Server, string Status, string? TrustedThumbprint);

public sealed record KmsServerView(int Number, string Name, string Endpoint, string Target, string Mode,
    long ConnectionsAccepted, int OpenConnections, IReadOnlyList<KmsServerStatusView> Vcenters);

/// <summary>A KMS cluster: its relays ("servers"), how each vCenter sees them, and from the KMS admin API its keys and clients.</summary>
public sealed record KmsClusterView(
    string Name, string KmipEndpoint, string? AdminUrl, string ServerThumbprint, double AllowedClientDelayMinutes,
    bool Reachable, string? UnreachableBecause, IReadOnlyList<int> ServersDown,
    IReadOnlyList<KmsServerView> Servers,
    JsonArray? Keys, JsonArray? Clients,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AdminError,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] KmsStoreView? Store = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] KmsRootKeyView? RootKey = null);

/// <summary>What seals the KMS's key material: a local root key file, or a customer root key in Key Protect with its
/// state there ("Active", "Suspended" when disabled, "Destroyed" when deleted) and its versions.</summary>
public sealed record KmsRootKeyView(string Provider, string? KeyId, string State, int? Versions, string? ServiceUrl, string? InstanceId);

/// <summary>Where a KMS cluster keeps its objects: the embedded SQLite file, or a PostgreSQL database its node processes share.</summary>
public sealed record KmsStoreView(string Kind, string? Database, IReadOnlyList<KmsNodeView> Nodes);

/// <summary>A KMS node: a `harness serve` process of the cluster (running, or killed).</summary>
public sealed record KmsNodeView(int Number, string KmipEndpoint, string AdminUrl, bool Running, int? ProcessId);

public sealed record KeyProviderServerView(string Name, string Endpoint, string? TrustedThumbprint, string Status);

public sealed record KeyProviderView(string Name, bool IsDefault, string? ClientCertificateSubject, string? ClientCertificateSha1,
    IReadOnlyList<KeyProviderServerView> Servers);

public sealed record VCenterView(string Name, bool Lost, bool Current, string? DefaultProvider, IReadOnlyList<KeyProviderView> KeyProviders,
    int RegisteredVms, int Events, int ActiveAlarms);

public sealed record ClockView(DateTimeOffset Now);

/// <summary>What an action did: the objects after it, and the events and alarm changes it caused.</summary>
public sealed record ActionResult(string Did)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public VmView? Vm { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public HostView? Host { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public KmsClusterView? KmsCluster { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public VCenterView? Vcenter { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public JsonNode? Key { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ClockView? Clock { get; init; }
    public IReadOnlyList<EventView> Events { get; init; } = [];
    public IReadOnlyList<AlarmView> Alarms { get; init; } = [];
}

/// <summary>Builds the views from the simulation (callers hold the host's gate).</summary>
internal static class View
{
    // The API's names are PropertyReader's (vSphere's): one map of values for the REST API, the MOB view and the steps.
    public static string Power(PowerState s) => PropertyReader.PowerStateName(s);

    /// <summary>The lock state the dashboard shows: a VM that is not encrypted cannot be locked ("unlocked"; runtime.cryptoState is unset for it).</summary>
    public static string Crypto(CryptoState s) => PropertyReader.CryptoStateName(s);

    public static string HostCrypto(HostCryptoState s) => PropertyReader.HostCryptoStateName(s);

    /// <summary>The alarms a host or cluster shows: its own and, rolled up, those of what it contains (vSphere's overall status).</summary>
    private static IReadOnlyList<string> RolledUp(VCenterServer? vc, IEnumerable<string> objectNames) =>
        vc is null ? [] : objectNames.SelectMany(n => vc.Alarms.ActiveOn(n)).Select(a => a.Name).Distinct().ToList();

    private static IReadOnlyList<string> ActiveAlarms(VCenterServer? vc, string objectName) =>
        vc is null ? [] : vc.Alarms.ActiveOn(objectName).Select(a => a.Name).Distinct().ToList();

    public static VmView Of(VirtualMachine vm, VCenterServer? vc) => new(
        vm.Name, vm.Host.Name, vm.Host.Cluster.Name, vm.Datastore.Name, vm.Files.VmxPath,
        Power(vm.PowerState), Crypto(vm.CryptoState), vm.Encrypted, vm.KeyId, vm.ProviderId, vm.Registered,
        ActiveAlarms(vc, vm.Name), PropertyReader.Read(vm, "runtime.connectionState")!, vm.Registered ? MoIdOf(vc, vm) : null);

    /// <summary>The object's managed object ID on vCenter (vm-N, host-N, domain-cN), as the vSphere API shows it; null without a vCenter.</summary>
    private static string? MoIdOf(VCenterServer? vc, object entity) => vc is { Lost: false } ? vc.MoId(entity) : null;

    public static HostView Of(EsxiHost host, VCenterServer? vc)
    {
        var keys = host.CachedKeyIds.Order(StringComparer.Ordinal).ToList();
        return new HostView(host.Name, host.Cluster.Name, HostCrypto(host.CryptoState), host.KeyPersistence, keys.Count, keys,
            RolledUp(vc, [host.Name, .. host.Vms.Select(v => v.Name)]), host.Vms.Select(v => Of(v, vc)).ToList(), host.DiskGroups.Count, host.DiskGroupsMounted,
            MoIdOf(vc, host));
    }

    public static ClusterView Of(Cluster cluster, VCenterServer? vc) =>
        new(cluster.Name, cluster.Datastore.Name, RolledUp(vc, [cluster.Name, .. cluster.Hosts.SelectMany(h => h.Vms.Select(v => v.Name).Prepend(h.Name))]), cluster.Hosts.Select(h => Of(h, vc)).ToList(),
            cluster.VsanEncrypted, MoIdOf(vc, cluster));

    public static InventoryView Inventory(Simulation sim) =>
        new(sim.VCenter?.Name, sim.Clock.GetUtcNow(),
            new DatacenterView(sim.Datacenter.Name, sim.Clusters.Select(c => Of(c, sim.VCenter)).ToList()));

    public static EventView Of(VsphereEvent e, VCenterServer vc) => new(vc.Name, e.Key, e.TypeId, e.Message, e.Time, e.ObjectName, e.ObjectType);

    public static AlarmView Of(Alarm a, VCenterServer vc) =>
        new(vc.Name, a.Name, a.ObjectName, a.ObjectType, a.RaisedOn, a.Reason, a.IsActive, a.TriggeredAt, a.ClearedAt);

    public static VCenterView Of(VCenterServer vc, Simulation sim) => new(
        vc.Name, vc.Lost, ReferenceEquals(sim.VCenter, vc), vc.DefaultProvider,
        vc.KeyProviders.Values.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => new KeyProviderView(
            p.Name, p.Name == vc.DefaultProvider, p.ClientCertificate?.Subject,
            p.ClientCertificate is null ? null : Thumbprints.Sha1(p.ClientCertificate),
            p.Servers.Select(s => new KeyProviderServerView(s.Name, s.Endpoint.ToString(), s.TrustedThumbprint, s.Status)).ToList())).ToList(),
        vc.Vms.Count(), vc.Events.Count, vc.Alarms.All.Count(a => a.IsActive));

    /// <summary>The simulation side of a KMS cluster; the admin side (keys, clients) is filled in by the caller.</summary>
    public static KmsClusterView Of(KmsClusterInstance kms, Simulation sim)
    {
        var onSite = kms.Site;
        bool nodes = kms.Nodes.Count > 0;
        return new(kms.Name, kms.KmipEndpoints, kms.AdminAccess?.Url.AbsoluteUri, kms.ServerThumbprint,
            nodes ? 0 : KmsClusterInstance.AllowedClientDelay.TotalMinutes,
            onSite?.Reachable ?? true, onSite?.Unreachable, onSite?.ServersDown.Order().ToList() ?? [],
            kms.Relays.Select((r, i) => Of(r, i + 1, sim)).ToList(), null, null, null,
            nodes ? new KmsStoreView("PostgreSQL", kms.Database,
                    kms.Nodes.Select(n => new KmsNodeView(n.Number, n.Endpoint.ToString(), n.AdminUrl.AbsoluteUri, n.Running, n.ProcessId)).ToList())
                : new KmsStoreView("SQLite", null, []),
            RootKeyOf(kms));
    }

    private static KmsRootKeyView? RootKeyOf(KmsClusterInstance kms)
    {
        if (kms.External is not null) return null;
        if (kms.KeyProtect is not { } kp || kms.CustomerRootKeyId is not { } id) return new KmsRootKeyView("local file", null, "Active", null, null, null);
        try
        {
            var key = kp.Find(id);
            return new KmsRootKeyView("Key Protect", id, key.State, key.Versions, kp.Url.AbsoluteUri, kp.InstanceId);
        }
        catch (Harness.Simulator.KmsAdministration.KmsAdministrationException ex)
        {
            return new KmsRootKeyView("Key Protect", id, "unknown: " + ex.Message, null, kp.Url.AbsoluteUri, kp.InstanceId);
        }
    }

    private static KmsServerView Of(KmsRelay relay, int number, Simulation sim) => new(
        number, relay.Name, relay.Endpoint.ToString(), relay.Target.ToString(), relay.Mode.ToString(),
        relay.ConnectionsAccepted, relay.OpenConnections,
        sim.VCenters.Values.SelectMany(vc => vc.KeyProviders.Values.SelectMany(p => p.Servers
                .Where(s => s.Endpoint.Equals(relay.Endpoint))
                .Select(s => new KmsServerStatusView(vc.Name, p.Name, s.Name, s.Status, s.TrustedThumbprint))))
            .ToList());
}
