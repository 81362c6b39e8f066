namespace Harness.Simulator.Web.Vim25;

/// <summary>The simulator's <see cref="MethodFault"/>s as vim25 fault data objects (type and the fields the model knows).</summary>
internal static class VimFaults
{
    public static DataObject ToData(MethodFault fault) => fault switch
    {
        NoPermission p => new DataObject("NoPermission") { { "privilegeId", p.PrivilegeId } },
        _ => new DataObject(fault.FaultName),
    };

    /// <summary>A fault of vim25 the endpoint itself raises (NotAuthenticated, MethodNotFound, ...) with its fields.</summary>
    public static DataObject Of(string type, params (string Name, object? Value)[] fields)
    {
        var data = new DataObject(type);
        foreach (var (name, value) in fields) data[name] = value;
        return data;
    }
}

/// <summary>A vim25 fault raised by the endpoint, answered as a SOAP fault.</summary>
internal sealed class VimFaultException(DataObject fault, string message) : Exception(message)
{
    public DataObject Fault { get; } = fault;

    public static VimFaultException Of(string type, string message, params (string Name, object? Value)[] fields) => new(VimFaults.Of(type, fields), message);
}
