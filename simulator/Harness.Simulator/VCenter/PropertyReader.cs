namespace Harness.Simulator;

/// <summary>
/// Reads managed object properties by their vSphere paths (<c>config.keyId.keyId</c>, <c>runtime.cryptoState</c>, …),
/// as vCenter's PropertyCollector and the Managed Object Browser show them: the values vSphere's API gives, as text
/// (enumerations by their API names: "poweredOn", "locked", "invalid", "safe"). A path may start with the type name
/// ("VirtualMachine.config.keyId.keyId"). An unencrypted VM has no config.keyId and no runtime.cryptoState (null).
/// </summary>
public static class PropertyReader
{
    public static readonly IReadOnlyList<string> VirtualMachinePaths =
    [
        "name", "config.keyId.keyId", "config.keyId.providerId.id", "config.files.vmPathName", "runtime.cryptoState",
        "runtime.connectionState", "runtime.powerState", "runtime.host", "summary.config.name",
    ];

    public static readonly IReadOnlyList<string> HostSystemPaths =
    [
        "name", "runtime.cryptoState", "runtime.cryptoKeyId.keyId", "runtime.cryptoKeyId.providerId.id", "runtime.connectionState", "parent",
    ];

    /// <summary>A property of a VM; <paramref name="vc"/> names the managed objects it refers to (runtime.host), when given.</summary>
    public static string? Read(VirtualMachine vm, string path, VCenterServer? vc = null) => Strip(path, "VirtualMachine") switch
    {
        "name" or "summary.config.name" => vm.Name,
        "config.keyId.keyId" => vm.KeyId,
        "config.keyId.providerId.id" => vm.ProviderId,
        "config.files.vmPathName" => vm.Files.VmxPath,
        "runtime.cryptoState" => vm.Encrypted ? CryptoStateName(vm.CryptoState) : null,
        "runtime.connectionState" => ConnectionStateName(vm.ConnectionState),
        "runtime.powerState" => PowerStateName(vm.PowerState),
        "runtime.host" => vc?.MoId(vm.Host) ?? vm.Host.Name,
        _ => throw Unknown(path, "VirtualMachine", VirtualMachinePaths),
    };

    /// <summary>A property of a host.</summary>
    public static string? Read(EsxiHost host, string path, VCenterServer? vc = null) => Strip(path, "HostSystem") switch
    {
        "name" => host.Name,
        "runtime.cryptoState" => HostCryptoStateName(host.CryptoState),
        "runtime.cryptoKeyId.keyId" => host.HostKeyId,
        "runtime.cryptoKeyId.providerId.id" => host.HostKeyId is null ? null : host.HostKeyProviderId,
        "runtime.connectionState" => host.ConnectionState switch
        {
            HostConnectionState.Connected => "connected",
            HostConnectionState.Disconnected => "disconnected",
            _ => "notResponding",
        },
        "parent" => vc?.MoId(host.Cluster) ?? host.Cluster.Name,
        _ => throw Unknown(path, "HostSystem", HostSystemPaths),
    };

    public static string CryptoStateName(CryptoState s) => s == CryptoState.Locked ? "locked" : "unlocked";

    public static string PowerStateName(PowerState s) => s == PowerState.PoweredOn ? "poweredOn" : "poweredOff";

    public static string ConnectionStateName(VmConnectionState s) => s switch
    {
        VmConnectionState.Connected => "connected",
        VmConnectionState.Disconnected => "disconnected",
        VmConnectionState.Orphaned => "orphaned",
        VmConnectionState.Inaccessible => "inaccessible",
        _ => "invalid",
    };

    public static string HostCryptoStateName(HostCryptoState s) => s switch
    {
        HostCryptoState.Incapable => "incapable",
        HostCryptoState.Prepared => "prepared",
        HostCryptoState.Safe => "safe",
        _ => "pendingIncapable",
    };

    private static string Strip(string path, string type) =>
        path.StartsWith(type + ".", StringComparison.Ordinal) ? path[(type.Length + 1)..] : path;

    private static ArgumentException Unknown(string path, string type, IEnumerable<string> known) =>
        new($"\"{path}\" is not a {type} property the simulator shows; known: {string.Join(", ", known.Select(p => $"{type}.{p}"))}");
}
