using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Harness.Simulator.Web.Vim25;

/// <summary>A login session of the vim25 endpoint (vmware_soap_session): its user and the views it created.</summary>
internal sealed class VimSession(string key, string userName, DateTimeOffset loginTime)
{
    public string Key { get; } = key;
    public string UserName { get; } = userName;
    public DateTimeOffset LoginTime { get; } = loginTime;
    public DateTimeOffset LastActiveTime { get; set; } = loginTime;
    public Dictionary<string, ContainerView> Views { get; } = new(StringComparer.Ordinal);

    public DataObject ToUserSession() => new("UserSession")
    {
        { "key", Key },
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

    public Answer Call(VimCall call, string? sessionKey)
    {
        var session = sessionKey is not null ? _sessions.GetValueOrDefault(sessionKey) : null;
        if (!call.Known)
            throw VimFaultException.Of("MethodNotFound", $"vim25 has no method {call.Method}", ("receiver", call.This ?? ServiceInstance), ("method", call.Method));
        var target = call.This ?? throw VimFaultException.Of("InvalidRequest", $"{call.Method} needs a _this managed object reference");
        if (session is null && !Anonymous.Contains(call.Method))
            throw VimFaultException.Of("NotAuthenticated", $"{call.Method} needs a session: log in first (SessionManager.Login)", ("object", target), ("privilegeId", "System.View"));
        if (session is not null) session.LastActiveTime = host.Simulation.Clock.GetUtcNow();

        return (target.Type, call.Method) switch
        {
            ("ServiceInstance", "RetrieveServiceContent") => new(ServiceContent(), "ServiceContent"),
            ("ServiceInstance", "CurrentTime") => new(host.Simulation.Clock.GetUtcNow(), "xsd:dateTime"),
            ("SessionManager", "Login") => Login(call),
            ("SessionManager", "Logout") => Logout(session!),
            ("SessionManager", "SessionIsActive") => new(_sessions.TryGetValue(call["sessionID"] as string ?? "", out var s) && s.UserName == call["userName"] as string, "xsd:boolean"),
            ("ViewManager", "CreateContainerView") => CreateContainerView(session!, call),
            ("ContainerView", "DestroyView") => DestroyView(session!, target),
            ("PropertyCollector", "RetrieveProperties") => new(DataArray.Of("ObjectContent", Retrieve(session!, call)), "ObjectContent"),
            ("PropertyCollector", "RetrievePropertiesEx") => RetrievePropertiesEx(session!, call),
            _ when !Exists(session, target) => throw VimFaultException.Of("ManagedObjectNotFound", $"the managed object {target.Type}:{target.Value} does not exist", ("obj", target)),
            _ => throw VimFaultException.Of("MethodNotFound", $"the simulator's {target.Type} does not serve {call.Method}", ("receiver", target), ("method", call.Method)),
        };
    }

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
        var view = new ContainerView(new ManagedObjectReference("ContainerView", $"session[{session.Key[..8]}]{Guid.NewGuid():N}"), container, typeList, call["recursive"] is true);
        session.Views[view.Ref.Value] = view;
        return new(view.Ref, "ManagedObjectReference");
    }

    private static Answer DestroyView(VimSession session, ManagedObjectReference view)
    {
        if (!session.Views.Remove(view.Value))
            throw VimFaultException.Of("ManagedObjectNotFound", $"the view {view.Value} does not exist in this session", ("obj", view));
        return new(null, "");
    }

    private Answer RetrievePropertiesEx(VimSession session, VimCall call)
    {
        var objects = Retrieve(session, call);
        if (objects.Count == 0) return new(null, "RetrieveResult");
        return new(new DataObject("RetrieveResult") { { "objects", objects.Cast<object>().ToList() } }, "RetrieveResult");
    }

    private List<DataObject> Retrieve(VimSession session, VimCall call)
    {
        var collector = new PropertyCollector(types, (mo, name) => Property(session, mo, name));
        return collector.Retrieve(PropertyCollector.Items(call["specSet"]).Cast<DataObject>(), type => PropertiesOf(type));
    }

    private static IReadOnlyList<string> PropertiesOf(string type) => type switch
    {
        "ServiceInstance" => ["content", "serverClock"],
        "SessionManager" => ["currentSession", "sessionList"],
        "ViewManager" => ["viewList"],
        "ContainerView" => ["container", "type", "recursive", "view"],
        _ => VimInventory.Properties.GetValueOrDefault(type) ?? [],
    };

    private VimInventory Inventory => new(host.Simulation);

    private bool Exists(VimSession? session, ManagedObjectReference mo) => mo.Type switch
    {
        "ServiceInstance" or "SessionManager" or "ViewManager" or "PropertyCollector" => true,
        "ContainerView" => session?.Views.ContainsKey(mo.Value) == true,
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
        "Datacenter" => [VimInventory.VmFolder, VimInventory.HostFolder, VimInventory.DatastoreFolder],
        "ClusterComputeResource" => PropertyCollector.Items(inventory.Property(mo, "host")).Cast<ManagedObjectReference>(),
        _ => [],
    };
}
