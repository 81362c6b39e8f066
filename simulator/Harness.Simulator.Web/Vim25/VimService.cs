using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Harness.Simulator.Web.Vim25;

/// <summary>
/// A login session of the vim25 endpoint: its secret <see cref="Key"/> (the vmware_soap_session cookie), its public
/// <see cref="Id"/> (UserSession.key, what SessionIsActive takes and session-scoped object IDs carry), its user, and the
/// views, filters and result pages it made.
/// </summary>
internal sealed class VimSession(string key, string userName, DateTimeOffset loginTime)
{
    public string Key { get; } = key;
    public string Id { get; } = Guid.NewGuid().ToString();
    public string UserName { get; } = userName;
    public DateTimeOffset LoginTime { get; } = loginTime;
    public DateTimeOffset LastActiveTime { get; set; } = loginTime;

    /// <summary>When the session was last used, in real time (idle sessions end: <see cref="VimService.IdleSessionTimeout"/>).</summary>
    public long LastUsedTicks { get; set; } = Environment.TickCount64;
    public Dictionary<string, ContainerView> Views { get; } = new(StringComparer.Ordinal);
    public PropertyFilters Filters { get; } = new();

    /// <summary>EventManager.CreateCollectorForEvents's collectors: the filter, the scrollable view's position and page size.</summary>
    public Dictionary<string, EventCollector> EventCollectors { get; } = new(StringComparer.Ordinal);

    /// <summary>The rest of RetrievePropertiesEx results by token, and their page size.</summary>
    public Dictionary<string, (List<DataObject> Objects, int PageSize)> Pages { get; } = new(StringComparer.Ordinal);

    public DataObject ToUserSession() => new("UserSession")
    {
        { "key", Id },
        { "userName", UserName },
        { "fullName", UserName },
        { "loginTime", LoginTime },
        { "lastActiveTime", LastActiveTime },
        { "locale", "en" },
        { "messageLocale", "en" },
        { "extensionSession", false },
        { "ipAddress", "127.0.0.1" },
        { "userAgent", "" },
        { "callCount", 0L },
    };
}

/// <summary>An EventHistoryCollector: its filter, where ReadNextEvents goes on from (an index into the matching events, oldest first) and its latest page's size.</summary>
internal sealed class EventCollector(ManagedObjectReference reference, DataObject? filter)
{
    public ManagedObjectReference Ref { get; } = reference;
    public DataObject? Filter { get; } = filter;
    public int Position { get; set; }
    public int PageSize { get; set; } = 10;
}

/// <summary>ViewManager.CreateContainerView's view: the objects of <see cref="Types"/> in a container (and below it, when recursive).</summary>
internal sealed record ContainerView(ManagedObjectReference Ref, ManagedObjectReference Container, IReadOnlyList<string> Types, bool Recursive);

/// <summary>
/// The vim25 methods the endpoint serves, over the simulator's model: the ServiceInstance, SessionManager, ViewManager
/// and PropertyCollector. Each call runs with the simulator's gate held (the model is not thread-safe).
/// </summary>
internal sealed class VimService(SimulatorHost host, VimTypes types, string userName, string password)
{
    public const string ApiVersion = "7.0.3.0";
    private static readonly ManagedObjectReference ServiceInstance = new("ServiceInstance", "ServiceInstance");
    private static readonly ManagedObjectReference SessionManager = new("SessionManager", "SessionManager");
    private static readonly ManagedObjectReference ViewManager = new("ViewManager", "ViewManager");
    private static readonly ManagedObjectReference PropertyCollectorRef = new("PropertyCollector", "propertyCollector");

    private readonly ConcurrentDictionary<string, VimSession> _sessions = new(StringComparer.Ordinal);
    private readonly string _instanceUuid = Guid.NewGuid().ToString();

    public string UserName => userName;

    /// <summary>Methods anyone may call; the others need a session (NotAuthenticated).</summary>
    private static readonly HashSet<string> Anonymous = ["RetrieveServiceContent", "Login", "CurrentTime"];

    /// <summary>What a call answers: its return value and vim25 return type, and the session cookie to set (after Login).</summary>
    public sealed record Answer(object? Returnval, string ReturnType, string? NewSessionKey = null);

    /// <summary>A session unused this long (real time) ends, as vCenter's do after 30 minutes; its views and filters go with it.</summary>
    public static readonly TimeSpan IdleSessionTimeout = TimeSpan.FromMinutes(30);

    public async Task<Answer> CallAsync(VimCall call, string? sessionKey)
    {
        long now = Environment.TickCount64;
        foreach (var idle in _sessions.Values.Where(s => now - s.LastUsedTicks > IdleSessionTimeout.TotalMilliseconds).ToList())
            _sessions.TryRemove(idle.Key, out _);
        var session = sessionKey is not null ? _sessions.GetValueOrDefault(sessionKey) : null;
        if (session is not null) session.LastUsedTicks = now;
        if (!call.Known)
            throw VimFaultException.Of("MethodNotFound", $"vim25 has no method {call.Method}", ("receiver", call.This ?? ServiceInstance), ("method", call.Method));
        var target = call.This ?? throw VimFaultException.Of("InvalidRequest", $"{call.Method} needs a _this managed object reference");
        if (session is null && !Anonymous.Contains(call.Method))
            throw VimFaultException.Of("NotAuthenticated", $"{call.Method} needs a session: log in first (SessionManager.Login)", ("object", target), ("privilegeId", "System.View"));
        if (session is not null) session.LastActiveTime = host.Simulation.Clock.GetUtcNow();
        if (!Exists(session, target))
            throw VimFaultException.Of("ManagedObjectNotFound", $"the managed object {target.Type}:{target.Value} does not exist", ("obj", target));
        string? user = session?.UserName;

        switch (target.Type, call.Method)
        {
            case ("ServiceInstance", "RetrieveServiceContent"): return new(ServiceContent(), "ServiceContent");
            case ("ServiceInstance", "CurrentTime"): return new(host.Simulation.Clock.GetUtcNow(), "xsd:dateTime");
            case ("SessionManager", "Login"): return Login(call);
            case ("SessionManager", "Logout"): return Logout(session!);
            case ("SessionManager", "SessionIsActive"):
                return new(_sessions.Values.Any(s => s.Id == call["sessionID"] as string && s.UserName == call["userName"] as string), "xsd:boolean");
            case ("ViewManager", "CreateContainerView"): return CreateContainerView(session!, call);
            case ("ContainerView", "DestroyView"): return DestroyView(session!, target);
            case ("PropertyCollector", "RetrieveProperties"): return new(DataArray.Of("ObjectContent", Collector(session!).Retrieve(Specs(call), PropertiesOf)), "ObjectContent");
            case ("PropertyCollector", "RetrievePropertiesEx"): return RetrievePropertiesEx(session!, call);
            case ("PropertyCollector", "CreateFilter"): return new(session!.Filters.Create(Specs(call).ToList(), call["partialUpdates"] is true), "ManagedObjectReference");
            case ("PropertyFilter", "DestroyPropertyFilter"):
                session!.Filters.Destroy(target);
                return new(null, "");
            case ("PropertyCollector", "WaitForUpdatesEx"):
            case ("PropertyCollector", "WaitForUpdates"):
            case ("PropertyCollector", "CheckForUpdates"):
                return new(await WaitForUpdatesAsync(session!, call), "UpdateSet");
            case ("PropertyCollector", "ContinueRetrievePropertiesEx"): return ContinueRetrievePropertiesEx(session!, call["token"] as string);
            case ("PropertyCollector", "CancelRetrievePropertiesEx"):
                session!.Pages.Remove(call["token"] as string ?? "");
                return new(null, "");
            case ("EventManager", "QueryEvents"): return new(DataArray.Of("Event", QueryEvents(call["filter"] as DataObject)), "Event");
            case ("EventManager", "CreateCollectorForEvents"):
                QueryEvents(call["filter"] as DataObject); // a bad filter (an entity that does not exist) fails here, not at the first read
                var collector = new EventCollector(new ManagedObjectReference("EventHistoryCollector", $"session[{session!.Id}]{Guid.NewGuid():N}"), call["filter"] as DataObject);
                session.EventCollectors[collector.Ref.Value] = collector;
                return new(collector.Ref, "ManagedObjectReference");
            case ("EventHistoryCollector", _): return EventCollectorCall(session!.EventCollectors[target.Value], session, call);
            case ("SearchIndex", "FindByInventoryPath"): return new(FindByInventoryPath(call["inventoryPath"] as string ?? ""), "ManagedObjectReference");
            case ("SearchIndex", "FindByDatastorePath"): return new(FindByDatastorePath(call["path"] as string ?? ""), "ManagedObjectReference");
            case ("SearchIndex", "FindByUuid"): return new(FindByUuid(call), "ManagedObjectReference");
            case ("AlarmManager", "GetAlarm"): return new(DataArray.Of([new ManagedObjectReference("Alarm", VimInventory.AlarmId(AlarmManager.VmLockedAlarm))]), "ManagedObjectReference");
            case ("CryptoManagerKmip", "ListKmipServers"): return new(DataArray.Of("KmipClusterInfo", ListKmipServers()), "KmipClusterInfo");
            case ("CryptoManagerKmip", "MarkDefault"):
                VCenter.CryptoManagerKmip.MarkDefault(ProviderId(call["clusterId"]), user).ThrowIfFault();
                return new(null, "");
            case ("CryptoManagerKmip", "RegisterKmipServer" or "UpdateKmipServer"):
                var spec = call["server"] as DataObject ?? throw VimFaultException.Of("InvalidArgument", $"{call.Method} needs a KmipServerSpec", ("invalidProperty", "server"));
                var info = spec["info"] as DataObject ?? throw VimFaultException.Of("InvalidArgument", "the KmipServerSpec has no info", ("invalidProperty", "server.info"));
                var credential = info["userName"] is string userName && userName.Length > 0 ? new Harness.Kmip.Client.UsernamePasswordCredential(userName, spec["password"] as string ?? "") : null;
                (await (call.Method == "RegisterKmipServer"
                    ? VCenter.CryptoManagerKmip.RegisterKmipServer(ProviderId(spec["clusterId"]), KmsServer(info), credential, user)
                    : VCenter.CryptoManagerKmip.UpdateKmipServer(ProviderId(spec["clusterId"]), KmsServer(info), credential, user))).ThrowIfFault();
                return new(null, "");
            case ("CryptoManagerKmip", "RemoveKmipServer"):
                (await VCenter.CryptoManagerKmip.RemoveKmipServer(ProviderId(call["clusterId"]), call["serverName"] as string ?? "", user)).ThrowIfFault();
                return new(null, "");
            case ("CryptoManagerKmip", "RetrieveKmipServerCert"):
                var asking = call["server"] as DataObject ?? throw VimFaultException.Of("InvalidArgument", "RetrieveKmipServerCert needs a KmipServerInfo", ("invalidProperty", "server"));
                var presented = (await VCenter.CryptoManagerKmip.RetrieveKmipServerCert(ProviderId(call["keyProvider"]), asking["address"] as string ?? "", asking["port"] as int? ?? 0, user)).ReturnvalOrThrow();
                return new(new DataObject("CryptoManagerKmipServerCertInfo")
                {
                    { "certificate", presented.Pem },
                    { "certInfo", CertificateInfo(presented.Certificate) },
                    { "clientTrustServer", presented.ClientTrustServer },
                }, "CryptoManagerKmipServerCertInfo");
            case ("CryptoManagerKmip", "UploadKmipServerCert"):
                (await VCenter.CryptoManagerKmip.UploadKmipServerCert(ProviderId(call["cluster"]), call["certificate"] as string ?? "", user)).ThrowIfFault();
                return new(null, "");
            case ("CryptoManagerKmip", "UploadClientCert"):
                (await VCenter.UploadClientCert(ProviderId(call["cluster"]), ClientCertificate(call["certificate"] as string, call["privateKey"] as string))).ThrowIfFault();
                return new(null, "");
            case ("CryptoManagerKmip", "ListKeys"):
                var keys = VCenter.CryptoManagerKmip.ListKeys();
                if (call["limit"] is int limit && limit >= 0) keys = [.. keys.Take(limit)];
                return new(DataArray.Of("CryptoKeyId", keys.Select(k => CryptoKeyId(k.KeyId, k.ProviderId))), "CryptoKeyId");
            case ("CryptoManagerKmip", "GenerateKey"):
                var generated = await VCenter.CryptoManagerKmip.GenerateKey((call["keyProvider"] as DataObject)?["id"] as string, user);
                return new(new DataObject("CryptoKeyResult")
                {
                    { "keyId", generated.KeyId is { } id ? CryptoKeyId(id, (call["keyProvider"] as DataObject)?["id"] as string ?? VCenter.DefaultProvider ?? "") : CryptoKeyId("", "") },
                    { "success", generated.Success },
                    { "reason", generated.Reason },
                    { "fault", generated.Fault is { } f ? new DataObject("LocalizedMethodFault") { { "fault", VimFaults.ToData(f) }, { "localizedMessage", f.Message } } : null },
                }, "CryptoKeyResult");
            case ("CryptoManagerKmip", "QueryCryptoKeyStatus"):
                var asked = PropertyCollector.Items(call["keyIds"]).Cast<DataObject>()
                    .Select(k => (ProviderId((k["providerId"] as DataObject)?["id"]), k["keyId"] as string ?? "")).ToList();
                var statuses = (await VCenter.CryptoManagerKmip.QueryCryptoKeyStatus(asked)).ReturnvalOrThrow();
                var named = EntitiesByName();
                IEnumerable<ManagedObjectReference> Refs(IEnumerable<string> names) => names.Select(n => named.GetValueOrDefault(n)).OfType<object>().Select(Inventory.Ref);
                return new(DataArray.Of("CryptoManagerKmipCryptoKeyStatus", statuses.Select(st => new DataObject("CryptoManagerKmipCryptoKeyStatus")
                {
                    { "keyId", CryptoKeyId(st.KeyId, st.ProviderId) },
                    { "keyAvailable", st.KeyAvailable },
                    { "reason", st.Reason },
                    { "encryptedVMs", DataArray.Of(Refs(st.EncryptedVms)) },
                    { "affectedHosts", DataArray.Of(Refs(st.AffectedHosts)) },
                })), "CryptoManagerKmipCryptoKeyStatus");
            case ("CryptoManagerKmip", "RemoveKeys"):
                var results = new List<DataObject>();
                foreach (var k in PropertyCollector.Items(call["keys"]).Cast<DataObject>())
                {
                    var keyId = k["keyId"] as string ?? "";
                    var fault = await VCenter.RemoveKeys(keyId, call["force"] is true, user);
                    results.Add(new DataObject("CryptoKeyResult")
                    {
                        { "keyId", k }, { "success", fault is null }, { "reason", fault?.Message },
                        { "fault", fault is null ? null : new DataObject("LocalizedMethodFault") { { "fault", VimFaults.ToData(fault) }, { "localizedMessage", fault.Message } } },
                    });
                }
                return new(DataArray.Of("CryptoKeyResult", results), "CryptoKeyResult");
            case ("CryptoManagerKmip", "RetrieveKmipServersStatus_Task"):
                var clusters = PropertyCollector.Items(call["clusters"]).Cast<DataObject>().ToList();
                return TaskAnswer(null, await host.Simulation.VCenter!.Tasks.RunAsync("CryptoManagerKmip.retrieveKmipServersStatus", null, user, async () =>
                {
                    var statuses = new List<object>();
                    foreach (var c in clusters)
                    {
                        var id = (c["clusterId"] as DataObject)?["id"] as string ?? throw new VsphereFault("InvalidArgument", "a KmipClusterInfo has no clusterId");
                        statuses.Add(KmipClusterStatus(await host.Simulation.VCenter!.CryptoManagerKmip.RetrieveKmipServersStatusAsync(id, user)));
                    }
                    return DataArray.Of("CryptoManagerKmipClusterStatus", statuses.Cast<DataObject>());
                }));
        }
        var vc = host.Simulation.VCenter ?? throw new VsphereFault("HostCommunication", "the site has no vCenter");
        var entity = Inventory.Resolve(target);
        switch (entity, call.Method)
        {
            case (VirtualMachine vm, "PowerOnVM_Task"): return TaskAnswer(vm, await vc.PowerOnVM_Task(vm, user));
            case (VirtualMachine vm, "PowerOffVM_Task"): return TaskAnswer(vm, await vc.PowerOffVM_Task(vm, user));
            case (VirtualMachine vm, "CryptoUnlock_Task"): return TaskAnswer(vm, await vc.CryptoUnlock_Task(vm, user));
            case (VirtualMachine vm, "UnregisterVM"):
                vc.UnregisterVM(vm, user).ThrowIfFault();
                return new(null, "");
            case (VirtualMachine vm, "Reload"):
                (await vc.Reload(vm, user)).ThrowIfFault();
                return new(null, "");
            case (VirtualMachine vm, "MigrateVM_Task"):
                return TaskAnswer(vm, await vc.MigrateVM_Task(vm, HostParameter(call["host"]) ?? vm.Host, user));
            case (VirtualMachine vm, "RelocateVM_Task"):
                return TaskAnswer(vm, await vc.MigrateVM_Task(vm, HostParameter((call["spec"] as DataObject)?["host"]) ?? vm.Host, user));
            case (VirtualMachine vm, "CloneVM_Task"):
                var clone = await vc.CloneVM_Task(vm, call["name"] as string ?? throw VimFaultException.Of("InvalidArgument", "CloneVM_Task needs a name", ("invalidProperty", "name")), user);
                return TaskAnswer(vm, clone, clone.Result is VirtualMachine made ? Inventory.Ref(made) : null);
            case (VirtualMachine vm, "ReconfigVM_Task"):
                return TaskAnswer(vm, await vc.ReconfigVM_Task(vm, CryptoSpecOf(call["spec"] as DataObject), user));
            case (VimInventory.VmFolderId, "RegisterVM_Task"):
                var (toRegister, onHost) = VmToRegister(call);
                var registered = await vc.RegisterVM_Task(toRegister, onHost, user);
                return TaskAnswer(registered.Succeeded ? toRegister : null, registered, registered.Succeeded ? Inventory.Ref(toRegister) : null);
            case (EsxiHost h, "CryptoManagerHostPrepare") when target.Type == "CryptoManagerHost":
                h.PrepareCrypto();
                return new(null, "");
            case (EsxiHost h, "CryptoManagerHostEnable") when target.Type == "CryptoManagerHost":
                var initial = call["initialKey"] as DataObject ?? throw VimFaultException.Of("InvalidArgument", "CryptoManagerHostEnable needs an initialKey", ("invalidProperty", "initialKey"));
                var initialId = initial["keyId"] as DataObject;
                if (h.CryptoState == HostCryptoState.Incapable)
                    throw new VsphereFault("InvalidState", $"host \"{h.Name}\" is incapable: CryptoManagerHostPrepare first");
                h.EnableCrypto(initialId?["keyId"] as string ?? throw VimFaultException.Of("InvalidArgument", "the initialKey has no keyId", ("invalidProperty", "initialKey.keyId")),
                    System.Text.Encoding.UTF8.GetBytes(initial["keyData"] as string ?? ""), (initialId["providerId"] as DataObject)?["id"] as string ?? "");
                return new(null, "");
            case (EsxiHost h, "ChangeKey_Task") when target.Type == "CryptoManagerHost":
                // vCenter's flow: a new host key from the host's key provider (the newKey's material is not what the model uses).
                return TaskAnswer(h, await vc.ChangeKey_Task(h, user));
            case (EsxiHost h, "RebootHost_Task") when target.Type == "HostSystem":
                return TaskAnswer(h, await vc.Tasks.RunAsync("HostSystem.reboot", h.Name, user, async () => { await host.Simulation.RebootHostAsync(h); return null; }));
        }
        throw VimFaultException.Of("MethodNotFound", $"the simulator's {target.Type} does not serve {call.Method}", ("receiver", target), ("method", call.Method));
    }

    /// <summary>
    /// An EventHistoryCollector's methods over its filter's events, oldest first: ReadNextEvents from the position
    /// forward, ReadPreviousEvents backward, RewindCollector to the oldest, ResetCollector to just before the latest page,
    /// SetCollectorPageSize, DestroyCollector. A new collector starts at the oldest event.
    /// </summary>
    private Answer EventCollectorCall(EventCollector collector, VimSession session, VimCall call)
    {
        int Max() => call["maxCount"] is int n && n > 0 ? n : throw VimFaultException.Of("InvalidArgument", $"{call.Method} needs a maxCount above 0", ("invalidProperty", "maxCount"));
        var events = QueryEvents(collector.Filter).ToList();
        switch (call.Method)
        {
            case "ReadNextEvents":
                var next = events.Skip(collector.Position).Take(Max()).ToList();
                collector.Position = Math.Min(events.Count, collector.Position + next.Count);
                return new(DataArray.Of("Event", next), "Event");
            case "ReadPreviousEvents":
                int count = Max(), from = Math.Max(0, Math.Min(collector.Position, events.Count) - count);
                var previous = events.Skip(from).Take(Math.Min(collector.Position, events.Count) - from).ToList();
                collector.Position = from;
                return new(DataArray.Of("Event", previous), "Event");
            case "RewindCollector":
                collector.Position = 0;
                return new(null, "");
            case "ResetCollector":
                collector.Position = Math.Max(0, events.Count - collector.PageSize);
                return new(null, "");
            case "SetCollectorPageSize":
                collector.PageSize = call["maxCount"] is int size && size >= 0 ? size : throw VimFaultException.Of("InvalidArgument", "SetCollectorPageSize needs a maxCount of 0 or more", ("invalidProperty", "maxCount"));
                return new(null, "");
            case "DestroyCollector":
                session.EventCollectors.Remove(collector.Ref.Value);
                return new(null, "");
            default:
                throw VimFaultException.Of("MethodNotFound", $"the simulator's EventHistoryCollector does not serve {call.Method}", ("receiver", collector.Ref), ("method", call.Method));
        }
    }

    private VCenterServer VCenter => host.Simulation.VCenter is { Lost: false } vc ? vc
        : throw new VsphereFault("HostCommunication", "vCenter Server is not running: the site has no vCenter to answer");

    private static string ProviderId(object? keyProviderId) => keyProviderId switch
    {
        DataObject d when d["id"] is string id => id,
        string id => id,
        _ => throw VimFaultException.Of("InvalidArgument", "a KeyProviderId with an id is needed", ("invalidProperty", "clusterId")),
    };

    private static DataObject CryptoKeyId(string keyId, string providerId) => new("CryptoKeyId")
    {
        { "keyId", keyId },
        { "providerId", new DataObject("KeyProviderId") { { "id", providerId } } },
    };

    /// <summary>SearchIndex.FindByInventoryPath: "DC0/vm/NAME", "DC0/host/CLUSTER/HOST", "DC0/host/CLUSTER", "DC0", "DC0/vm".</summary>
    private ManagedObjectReference? FindByInventoryPath(string path)
    {
        var sim = host.Simulation;
        var parts = path.Trim('/').Split('/');
        if (parts[0] != sim.Datacenter.Name) return null;
        return parts.Length switch
        {
            1 => Inventory.Ref(sim.Datacenter),
            2 => parts[1] switch { "vm" => VimInventory.VmFolder, "host" => VimInventory.HostFolder, "datastore" => VimInventory.DatastoreFolder, _ => null },
            3 when parts[1] == "vm" => Inventory.Vms.FirstOrDefault(v => v.Name == parts[2]) is { } vm ? Inventory.Ref(vm) : null,
            3 when parts[1] == "host" => sim.Clusters.FirstOrDefault(c => c.Name == parts[2]) is { } c ? Inventory.Ref(c) : null,
            3 when parts[1] == "datastore" => sim.Clusters.Select(c => c.Datastore).FirstOrDefault(d => d.Name == parts[2]) is { } d ? Inventory.Ref(d) : null,
            4 when parts[1] == "host" => sim.Clusters.FirstOrDefault(c => c.Name == parts[2])?.Hosts.FirstOrDefault(h => h.Name == parts[3]) is { } h ? Inventory.Ref(h) : null,
            _ => null,
        };
    }

    /// <summary>SearchIndex.FindByDatastorePath: the registered VM whose .vmx is at "[datastore] path".</summary>
    private ManagedObjectReference? FindByDatastorePath(string path) =>
        Inventory.Vms.FirstOrDefault(v => v.Files.VmxPath == path || $"[{v.Datastore.Name}] {v.Files.VmxPath}" == path) is { } vm ? Inventory.Ref(vm) : null;

    /// <summary>SearchIndex.FindByUuid: a VM by its BIOS or instance UUID (instanceUuid true), or a host (vmSearch false: none here).</summary>
    private ManagedObjectReference? FindByUuid(VimCall call)
    {
        var uuid = (call["uuid"] as string ?? "").ToLowerInvariant();
        if (call["vmSearch"] is not true) return null;
        string kind = call["instanceUuid"] is true ? "instance" : "bios";
        return Inventory.Vms.FirstOrDefault(v => VimInventory.Uuid(kind, v) == uuid) is { } vm ? Inventory.Ref(vm) : null;
    }

    private static IEnumerable<DataObject> Specs(VimCall call) =>
        PropertyCollector.Items(call["specSet"] ?? call["spec"]).Cast<DataObject>();

    private PropertyCollector Collector(VimSession session) => new(types, (mo, name) => Property(session, mo, name));

    /// <summary>
    /// A task's answer: its managed object reference. The task is kept for Task.info with the reference of the object it
    /// ran on (<paramref name="entity"/>, known here, so reading info later looks nothing up); <paramref name="result"/>
    /// replaces the model's result.
    /// </summary>
    private Answer TaskAnswer(object? entity, TaskInfo task, object? result = null)
    {
        _tasks[task.Key] = new KeptTask(task, result ?? task.Result, entity is null ? null : Inventory.Ref(entity));
        _taskOrder.Enqueue(task.Key);
        while (_taskOrder.Count > TaskLimit && _taskOrder.TryDequeue(out var oldest)) _tasks.TryRemove(oldest, out _);
        return new(new ManagedObjectReference("Task", task.Key), "ManagedObjectReference");
    }

    /// <summary>How many finished tasks the endpoint keeps for Task.info (the oldest go first, as on vCenter).</summary>
    public const int TaskLimit = 10_000;
    private readonly ConcurrentDictionary<string, KeptTask> _tasks = new(StringComparer.Ordinal);

    private sealed record KeptTask(TaskInfo Info, object? Result, ManagedObjectReference? Entity);
    private readonly ConcurrentQueue<string> _taskOrder = new();

    private static DataObject TaskInfoOf(KeptTask kept) => TaskInfoOf(kept.Info, kept.Result, kept.Entity);

    private static DataObject TaskInfoOf(TaskInfo t, object? result, ManagedObjectReference? entity) => new("TaskInfo")
    {
        { "key", t.Key },
        { "task", new ManagedObjectReference("Task", t.Key) },
        { "descriptionId", t.DescriptionId },
        { "entity", entity },
        { "entityName", t.EntityName },
        { "state", new EnumValue("TaskInfoState", t.State.ToString().ToLowerInvariant()) },
        { "cancelled", false },
        { "cancelable", false },
        { "error", t.Error is { } fault ? new DataObject("LocalizedMethodFault") { { "fault", VimFaults.ToData(fault) }, { "localizedMessage", fault.Message } } : null },
        { "result", result switch { null => null, DataObject or DataArray or ManagedObjectReference or string or bool or int or long => result, _ => result.ToString() } },
        { "progress", t.State == TaskInfoState.Success ? 100 : null },
        { "reason", new DataObject("TaskReasonUser") { { "userName", t.UserName ?? "" } } },
        { "queueTime", t.QueueTime },
        { "startTime", t.QueueTime },
        { "completeTime", t.CompleteTime },
        { "eventChainId", 0 },
    };

    /// <summary>The registered VMs, hosts and clusters by name (names are unique in the simulator).</summary>
    private Dictionary<string, object> EntitiesByName()
    {
        var sim = host.Simulation;
        var byName = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var c in sim.Clusters) byName.TryAdd(c.Name, c);
        foreach (var h in sim.Hosts) byName.TryAdd(h.Name, h);
        foreach (var v in Inventory.Vms) byName.TryAdd(v.Name, v);
        return byName;
    }

    private EsxiHost? HostParameter(object? value) => value switch
    {
        null => null,
        ManagedObjectReference mo => Inventory.Resolve(mo) as EsxiHost
                                     ?? throw VimFaultException.Of("ManagedObjectNotFound", $"the host {mo.Type}:{mo.Value} does not exist", ("obj", mo)),
        _ => throw VimFaultException.Of("InvalidArgument", "host must be a HostSystem reference", ("invalidProperty", "host")),
    };

    /// <summary>The crypto spec of a ReconfigVM_Task's VirtualMachineConfigSpec.</summary>
    private static CryptoSpec CryptoSpecOf(DataObject? spec) => (spec?["crypto"] as DataObject)?.Type switch
    {
        "CryptoSpecEncrypt" => CryptoSpec.Encrypt,
        "CryptoSpecDecrypt" => CryptoSpec.Decrypt,
        "CryptoSpecShallowRecrypt" => CryptoSpec.ShallowRecrypt,
        "CryptoSpecDeepRecrypt" => CryptoSpec.DeepRecrypt,
        var other => throw VimFaultException.Of("NotSupported", other is null
            ? "the simulator's ReconfigVM_Task changes encryption only: give the spec a crypto (CryptoSpecEncrypt, CryptoSpecDecrypt, CryptoSpecShallowRecrypt, CryptoSpecDeepRecrypt)"
            : $"the simulator's ReconfigVM_Task does not apply a {other}"),
    };

    /// <summary>Folder.RegisterVM_Task's VM: the unregistered VM whose .vmx is at path ("[datastore] vm/vm.vmx" or "vm/vm.vmx"), and its host.</summary>
    private (VirtualMachine Vm, EsxiHost Host) VmToRegister(VimCall call)
    {
        var path = call["path"] as string ?? throw VimFaultException.Of("InvalidArgument", "RegisterVM_Task needs the path of the .vmx", ("invalidProperty", "path"));
        var bare = path.StartsWith('[') && path.IndexOf("] ", StringComparison.Ordinal) is var end and > 0 ? path[(end + 2)..] : path;
        var vm = host.Simulation.AllVms.FirstOrDefault(v => v.Files.VmxPath == path || v.Files.VmxPath == bare || v.Files.VmxPath.EndsWith("] " + bare, StringComparison.Ordinal))
                 ?? throw VimFaultException.Of("NotFound", $"no .vmx file at \"{path}\" on the site's datastores");
        return (vm, HostParameter(call["host"]) ?? vm.Host);
    }

    /// <summary>EventManager.QueryEvents: vCenter's events that match the filter (entity with recursion, time, eventTypeId, type, maxCount).</summary>
    private IEnumerable<DataObject> QueryEvents(DataObject? filter)
    {
        var vc = host.Simulation.VCenter ?? throw new VsphereFault("HostCommunication", "the site has no vCenter");
        IEnumerable<VsphereEvent> events = vc.Events.All;
        if (filter?["entity"] is DataObject byEntity && byEntity["entity"] is ManagedObjectReference entity)
        {
            var names = EntityNames(entity, byEntity["recursion"] as string ?? "self");
            events = events.Where(e => names.Contains(e.ObjectName));
        }
        if (filter?["time"] is DataObject byTime)
        {
            if (byTime["beginTime"] is DateTimeOffset begin) events = events.Where(e => e.Time >= begin);
            if (byTime["endTime"] is DateTimeOffset end) events = events.Where(e => e.Time <= end);
        }
        var ids = PropertyCollector.Items(filter?["eventTypeId"]).Cast<string>().ToHashSet(StringComparer.Ordinal);
        var typeNames = PropertyCollector.Items(filter?["type"]).Cast<string>().ToHashSet(StringComparer.Ordinal);
        var byName = EntitiesByName();
        var list = events.Select(e => ToEvent(e, byName)).Where(e =>
            (ids.Count == 0 || ids.Contains(e.Type == "EventEx" ? (string)e["eventTypeId"]! : e.Type)) &&
            (typeNames.Count == 0 || typeNames.Any(t => types.IsA(e.Type, t)))).ToList();
        if (filter?["maxCount"] is int max && max > 0 && list.Count > max) list = list[^max..];
        return list;
    }

    /// <summary>The names of an entity and, per recursion (self, children, all), what is below it.</summary>
    private HashSet<string> EntityNames(ManagedObjectReference mo, string recursion)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var entity = Inventory.Resolve(mo) ?? throw VimFaultException.Of("ManagedObjectNotFound", $"the entity {mo.Type}:{mo.Value} does not exist", ("obj", mo));
        if (recursion != "children" && entity is not string) names.Add(Name(entity));
        if (recursion == "self") return names;
        var sim = host.Simulation;
        IEnumerable<object> below = entity switch
        {
            Cluster c => recursion == "all" ? [.. c.Hosts, .. c.Hosts.SelectMany(h => h.Vms)] : c.Hosts,
            EsxiHost h => h.Vms,
            string or Datacenter => [.. sim.Clusters, .. sim.Hosts, .. sim.AllVms],
            _ => [],
        };
        foreach (var e in below) names.Add(Name(e));
        return names;
    }

    private static string Name(object entity) => entity switch
    {
        VirtualMachine vm => vm.Name,
        EsxiHost h => h.Name,
        Cluster c => c.Name,
        Datastore d => d.Name,
        Datacenter dc => dc.Name,
        _ => entity.ToString() ?? "",
    };

    /// <summary>An event as vim25 has it: its own type when vim25 has one (VmPoweredOnEvent), else an EventEx with its eventTypeId.</summary>
    private DataObject ToEvent(VsphereEvent e, Dictionary<string, object> byName)
    {
        bool typed = types.DataType(e.TypeId) is not null && types.IsA(e.TypeId, "Event");
        var data = new DataObject(typed ? e.TypeId : "EventEx")
        {
            { "key", (int)e.Key },
            { "chainId", (int)e.Key },
            { "createdTime", e.Time },
            { "userName", e.UserName ?? "" },
            { "datacenter", new DataObject("DatacenterEventArgument") { { "name", host.Simulation.Datacenter.Name }, { "datacenter", Inventory.Ref(host.Simulation.Datacenter) } } },
        };
        var target = byName.GetValueOrDefault(e.ObjectName);
        var entity = target is null ? null : Inventory.Ref(target);
        if (target is VirtualMachine vm)
        {
            data["host"] = new DataObject("HostEventArgument") { { "name", vm.Host.Name }, { "host", Inventory.Ref(vm.Host) } };
            data["vm"] = new DataObject("VmEventArgument") { { "name", vm.Name }, { "vm", entity } };
        }
        else if (entity is { Type: "HostSystem" })
            data["host"] = new DataObject("HostEventArgument") { { "name", e.ObjectName }, { "host", entity } };
        data["fullFormattedMessage"] = e.Message;
        if (!typed)
        {
            data["eventTypeId"] = e.TypeId;
            data["severity"] = e.TypeId.Contains("VMLocked", StringComparison.Ordinal) || e.TypeId.Contains("Error", StringComparison.Ordinal) ? "error" : "info";
            data["message"] = e.Message;
            data["objectId"] = entity?.Value;
            data["objectType"] = e.ObjectType;
            data["objectName"] = e.ObjectName;
        }
        return data;
    }

    private IEnumerable<DataObject> ListKmipServers()
    {
        var vc = host.Simulation.VCenter ?? throw new VsphereFault("HostCommunication", "the site has no vCenter");
        return vc.CryptoManagerKmip.ListKmipServers().Select(p => VimInventory.KmipClusterInfo(p, p.Name == vc.DefaultProvider));
    }

    /// <summary>A KmipServerInfo as the server vCenter registers: its name, address and port, and its timeout (ms) when given.</summary>
    private static KmsServerConfig KmsServer(DataObject info)
    {
        var address = info["address"] as string;
        if (string.IsNullOrWhiteSpace(address) || info["port"] is not int port || port is <= 0 or > 65535)
            throw VimFaultException.Of("InvalidArgument", "a KmipServerInfo needs an address and a port between 1 and 65535", ("invalidProperty", "info.address"));
        System.Net.IPAddress ip;
        if (!System.Net.IPAddress.TryParse(address, out ip!))
            ip = address == "localhost" ? System.Net.IPAddress.Loopback
                : throw VimFaultException.Of("InvalidArgument", $"the simulator reaches KMS servers by IP address, not \"{address}\"", ("invalidProperty", "info.address"));
        return new KmsServerConfig(info["name"] as string ?? "", new System.Net.IPEndPoint(ip, port))
        {
            Timeout = info["timeout"] is int ms && ms > 0 ? TimeSpan.FromMilliseconds(ms) : null,
        };
    }

    /// <summary>UploadClientCert's certificate and private key (PEM): the client certificate vCenter presents from now on.</summary>
    private static System.Security.Cryptography.X509Certificates.X509Certificate2 ClientCertificate(string? certificatePem, string? privateKeyPem)
    {
        try
        {
            using var loaded = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(certificatePem ?? "", privateKeyPem ?? "");
            // An ephemeral key cannot be presented in a TLS handshake on every platform: carry it through PKCS#12.
            return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(loaded.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw VimFaultException.Of("InvalidArgument", $"UploadClientCert needs a PEM certificate and its PEM private key: {ex.Message}", ("invalidProperty", "certificate"));
        }
    }

    /// <summary>CryptoManagerKmipCertificateInfo at the simulation's time.</summary>
    private DataObject CertificateInfo(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var now = host.Simulation.Clock.GetUtcNow();
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        return new DataObject("CryptoManagerKmipCertificateInfo")
        {
            { "subject", certificate.Subject },
            { "issuer", certificate.Issuer },
            { "serialNumber", certificate.SerialNumber },
            { "notBefore", notBefore },
            { "notAfter", notAfter },
            { "fingerprint", Harness.Pki.Thumbprints.Sha1(certificate) },
            { "checkTime", now },
            { "secondsSinceValid", (int)Math.Clamp((now - notBefore).TotalSeconds, int.MinValue, int.MaxValue) },
            { "secondsBeforeExpire", (int)Math.Clamp((notAfter - now).TotalSeconds, int.MinValue, int.MaxValue) },
        };
    }

    private static DataObject KmipClusterStatus(KmipClusterStatus status) => new("CryptoManagerKmipClusterStatus")
    {
        { "clusterId", new DataObject("KeyProviderId") { { "id", status.ClusterId } } },
        { "overallStatus", new EnumValue("ManagedEntityStatus", status.OverallStatus) },
        { "managementType", "vCenter" },
        { "servers", status.Servers.Select(s => (object)new DataObject("CryptoManagerKmipServerStatus")
            {
                { "name", s.Name },
                { "status", new EnumValue("ManagedEntityStatus", s.Status) },
                { "connectionStatus", s.ConnectionStatus },
                { "clientTrustServer", s.ClientTrustServer },
                { "serverTrustClient", s.ServerTrustClient },
            }).ToList()
        },
    };

    /// <summary>
    /// WaitForUpdatesEx (and WaitForUpdates, CheckForUpdates): what changed in the session's filters since the version the
    /// client gives ("" or none: everything, as "enter"); with nothing new, waits for the site to change, up to
    /// maxWaitSeconds (WaitForUpdatesEx) or for ever (WaitForUpdates); CheckForUpdates and maxWaitSeconds 0 do not wait.
    /// </summary>
    private async Task<DataObject?> WaitForUpdatesAsync(VimSession session, VimCall call)
    {
        int? maxWait = call.Method switch
        {
            "CheckForUpdates" => 0,
            "WaitForUpdates" => null,
            _ => (call["options"] as DataObject)?["maxWaitSeconds"] as int?,
        };
        var deadline = maxWait is { } seconds ? DateTime.UtcNow.AddSeconds(seconds) : DateTime.MaxValue;
        while (true)
        {
            var changed = Changed;
            var updates = session.Filters.Updates(call["version"] as string, Collector(session), PropertiesOf, Fingerprint);
            if (updates is not null) return updates;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            // The gate is held by the caller: let the site change meanwhile.
            host.Gate.Release();
            try { await changed.WaitAsync(left < TimeSpan.FromDays(1) ? left : Timeout.InfiniteTimeSpan, host.Stopping).ContinueWith(_ => { }); }
            finally { await host.Gate.WaitAsync(); }
        }
    }

    private string Fingerprint(object? value) => value is null ? "" : _soapForFingerprints.Response("x", value, "xsd:anyType");
    private readonly Soap _soapForFingerprints = new(types);

    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next change of the site (then a new one is made).</summary>
    private Task Changed => Volatile.Read(ref _changed).Task;

    /// <summary>The site changed (an event, an alarm): wakes the WaitForUpdates calls.</summary>
    public void Pulse() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private DataObject ServiceContent() => new("ServiceContent")
    {
        { "rootFolder", VimInventory.RootFolder },
        { "propertyCollector", PropertyCollectorRef },
        { "viewManager", ViewManager },
        { "about", new DataObject("AboutInfo")
            {
                { "name", "VMware vCenter Server" },
                { "fullName", "VMware vCenter Server 7.0.3 build-19234570 (Harness simulator)" },
                { "vendor", "VMware, Inc." },
                { "version", "7.0.3" },
                { "build", "19234570" },
                { "localeVersion", "INTL" },
                { "localeBuild", "000" },
                { "osType", "linux-x64" },
                { "productLineId", "vpx" },
                { "apiType", "VirtualCenter" },
                { "apiVersion", ApiVersion },
                { "instanceUuid", _instanceUuid },
                { "licenseProductName", "VMware VirtualCenter Server" },
                { "licenseProductVersion", "7.0" },
            }
        },
        { "sessionManager", SessionManager },
        { "alarmManager", new ManagedObjectReference("AlarmManager", "AlarmManager") },
        { "searchIndex", new ManagedObjectReference("SearchIndex", "SearchIndex") },
        { "eventManager", new ManagedObjectReference("EventManager", "EventManager") },
        { "taskManager", new ManagedObjectReference("TaskManager", "TaskManager") },
        { "cryptoManager", new ManagedObjectReference("CryptoManagerKmip", "CryptoManager") },
    };

    private Answer Login(VimCall call)
    {
        var user = call["userName"] as string ?? "";
        var given = call["password"] as string ?? "";
        if (!string.Equals(user, userName, StringComparison.OrdinalIgnoreCase) ||
            !CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(password)))
            throw VimFaultException.Of("InvalidLogin", "Cannot complete login due to an incorrect user name or password.");
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        var session = new VimSession(key, userName, host.Simulation.Clock.GetUtcNow());
        _sessions[key] = session;
        return new(session.ToUserSession(), "UserSession", key);
    }

    private Answer Logout(VimSession session)
    {
        _sessions.TryRemove(session.Key, out _);
        return new(null, "");
    }

    private Answer CreateContainerView(VimSession session, VimCall call)
    {
        var container = call["container"] as ManagedObjectReference ?? throw VimFaultException.Of("InvalidArgument", "CreateContainerView needs a container", ("invalidProperty", "container"));
        if (!Exists(session, container))
            throw VimFaultException.Of("ManagedObjectNotFound", $"the container {container.Type}:{container.Value} does not exist", ("obj", container));
        var typeList = PropertyCollector.Items(call["type"]).Cast<string>().ToList();
        var view = new ContainerView(new ManagedObjectReference("ContainerView", $"session[{session.Id}]{Guid.NewGuid():N}"), container, typeList, call["recursive"] is true);
        session.Views[view.Ref.Value] = view;
        return new(view.Ref, "ManagedObjectReference");
    }

    private static Answer DestroyView(VimSession session, ManagedObjectReference view)
    {
        if (!session.Views.Remove(view.Value))
            throw VimFaultException.Of("ManagedObjectNotFound", $"the view {view.Value} does not exist in this session", ("obj", view));
        return new(null, "");
    }

    /// <summary>RetrievePropertiesEx: at most options.maxObjects objects per page; the rest with ContinueRetrievePropertiesEx(token).</summary>
    private Answer RetrievePropertiesEx(VimSession session, VimCall call)
    {
        var objects = Collector(session).Retrieve(Specs(call), PropertiesOf);
        int max = (call["options"] as DataObject)?["maxObjects"] is int m && m > 0 ? m : 100_000;
        return Page(session, objects, max);
    }

    private Answer ContinueRetrievePropertiesEx(VimSession session, string? token)
    {
        if (token is null || !session.Pages.Remove(token, out var rest))
            throw VimFaultException.Of("InvalidArgument", $"\"{token}\" is not a token of this session's RetrievePropertiesEx (or it was used up)", ("invalidProperty", "token"));
        return Page(session, rest.Objects, rest.PageSize);
    }

    private static Answer Page(VimSession session, List<DataObject> objects, int pageSize)
    {
        if (objects.Count == 0) return new(null, "RetrieveResult");
        string? token = null;
        if (objects.Count > pageSize)
        {
            token = Guid.NewGuid().ToString("N");
            session.Pages[token] = (objects[pageSize..], pageSize);
            objects = objects[..pageSize];
        }
        return new(new DataObject("RetrieveResult") { { "token", token }, { "objects", objects.Cast<object>().ToList() } }, "RetrieveResult");
    }

    private static IReadOnlyList<string> PropertiesOf(string type) => type switch
    {
        "ServiceInstance" => ["content", "serverClock"],
        "Task" => ["info"],
        "TaskManager" => ["recentTask"],
        "PropertyFilter" => ["spec", "partialUpdates"],
        "EventHistoryCollector" => ["filter", "latestPage"],
        "SessionManager" => ["currentSession", "sessionList"],
        "ViewManager" => ["viewList"],
        "ContainerView" => ["container", "type", "recursive", "view"],
        _ => VimInventory.Properties.GetValueOrDefault(type) ?? [],
    };

    private VimInventory Inventory => new(host.Simulation);

    private bool Exists(VimSession? session, ManagedObjectReference mo) => mo.Type switch
    {
        "ServiceInstance" or "SessionManager" or "ViewManager" or "PropertyCollector" => mo.Value == (mo.Type == "PropertyCollector" ? "propertyCollector" : mo.Type),
        "EventManager" or "TaskManager" or "AlarmManager" or "SearchIndex" => mo.Value == mo.Type,
        "Alarm" => mo.Value == VimInventory.AlarmId(AlarmManager.VmLockedAlarm),
        "CryptoManagerKmip" => mo.Value == "CryptoManager",
        "Task" => _tasks.ContainsKey(mo.Value),
        "ContainerView" => session?.Views.ContainsKey(mo.Value) == true,
        "PropertyFilter" => session?.Filters.Exists(mo) == true,
        "EventHistoryCollector" => session?.EventCollectors.ContainsKey(mo.Value) == true,
        _ => Inventory.Resolve(mo) is not null,
    };

    /// <summary>A top-level property of any managed object the endpoint knows.</summary>
    private object? Property(VimSession session, ManagedObjectReference mo, string name)
    {
        switch (mo.Type)
        {
            case "ServiceInstance":
                return name switch
                {
                    "content" => ServiceContent(),
                    "serverClock" => host.Simulation.Clock.GetUtcNow(),
                    _ => throw Invalid(mo, name),
                };
            case "SessionManager":
                return name switch
                {
                    "currentSession" => session.ToUserSession(),
                    "sessionList" => DataArray.Of("UserSession", _sessions.Values.Select(s => s.ToUserSession())),
                    _ => throw Invalid(mo, name),
                };
            case "Task":
                return name == "info" && _tasks.TryGetValue(mo.Value, out var kept) ? TaskInfoOf(kept) : throw Invalid(mo, name);
            case "TaskManager":
                return name == "recentTask" ? DataArray.Of(_tasks.Keys.Select(k => new ManagedObjectReference("Task", k))) : throw Invalid(mo, name);
            case "PropertyFilter":
                return session.Filters.Property(mo, name);
            case "EventHistoryCollector":
                var c = session.EventCollectors[mo.Value];
                return name switch
                {
                    "filter" => c.Filter ?? new DataObject("EventFilterSpec"),
                    "latestPage" => DataArray.Of("Event", QueryEvents(c.Filter).TakeLast(c.PageSize)),
                    _ => throw Invalid(mo, name),
                };
            case "ViewManager":
                return name == "viewList" ? DataArray.Of(session.Views.Values.Select(v => v.Ref)) : throw Invalid(mo, name);
            case "ContainerView":
                var view = session.Views.GetValueOrDefault(mo.Value)
                           ?? throw new VsphereFault("ManagedObjectNotFound", $"the view {mo.Value} does not exist in this session");
                return name switch
                {
                    "container" => view.Container,
                    "type" => DataArray.OfStrings(view.Types),
                    "recursive" => view.Recursive,
                    "view" => DataArray.Of(ViewContents(view)),
                    _ => throw Invalid(mo, name),
                };
            default:
                return Inventory.Property(mo, name);
        }
    }

    private static VsphereFault Invalid(ManagedObjectReference mo, string name) =>
        new("InvalidProperty", $"{mo.Type} has no property \"{name}\" here (it has: {string.Join(", ", PropertiesOf(mo.Type))})");

    /// <summary>The objects of the view's types in its container: its children, or everything below it when recursive.</summary>
    private IEnumerable<ManagedObjectReference> ViewContents(ContainerView view)
    {
        var inventory = Inventory;
        var found = new List<ManagedObjectReference>();
        var queue = new Queue<ManagedObjectReference>([view.Container]);
        var seen = new HashSet<ManagedObjectReference>();
        while (queue.Count > 0)
        {
            var parent = queue.Dequeue();
            foreach (var child in Children(inventory, parent))
            {
                if (!seen.Add(child)) continue;
                if (view.Types.Count == 0 || view.Types.Any(t => PropertyCollector.IsA(child.Type, t))) found.Add(child);
                if (view.Recursive) queue.Enqueue(child);
            }
        }
        return found;
    }

    /// <summary>The inventory's tree: folder → children, datacenter → its folders, cluster → hosts, host → VMs.</summary>
    private static IEnumerable<ManagedObjectReference> Children(VimInventory inventory, ManagedObjectReference mo) => mo.Type switch
    {
        "Folder" => PropertyCollector.Items(inventory.Property(mo, "childEntity")).Cast<ManagedObjectReference>(),
        "Datacenter" => [VimInventory.VmFolder, VimInventory.HostFolder, VimInventory.DatastoreFolder, VimInventory.NetworkFolder],
        "ClusterComputeResource" => PropertyCollector.Items(inventory.Property(mo, "host")).Cast<ManagedObjectReference>(),
        _ => [],
    };
}
