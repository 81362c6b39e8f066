namespace Harness.Simulator;

/// <summary>
/// A fault of a vSphere method, as a value (vim.fault.*, vmodl.fault.*): what a task's TaskInfo.error holds and what the
/// API answers. The type name is the fault's name in the vSphere API; the hierarchy follows it where it matters
/// (InvalidVmState, InvalidPowerState and InvalidHostState are InvalidStates).
/// </summary>
public abstract record MethodFault(string Message)
{
    /// <summary>The vSphere name of the fault ("InvalidPowerState").</summary>
    public string FaultName => GetType().Name;

    public override string ToString() => $"{FaultName}: {Message}";

    /// <summary>The fault of this vSphere name; an unknown name is a programming error (every fault raised has its type).</summary>
    public static MethodFault Create(string faultName, string message) => faultName switch
    {
        nameof(InvalidState) => new InvalidState(message),
        nameof(InvalidVmState) => new InvalidVmState(message),
        nameof(InvalidPowerState) => new InvalidPowerState(message),
        nameof(InvalidHostState) => new InvalidHostState(message),
        nameof(InvalidDatastore) => new InvalidDatastore(message),
        nameof(NotSupported) => new NotSupported(message),
        nameof(NoPermission) => new NoPermission(message, ""),
        nameof(AlreadyExists) => new AlreadyExists(message),
        nameof(NotFound) => new NotFound(message),
        nameof(DuplicateName) => new DuplicateName(message),
        nameof(InvalidName) => new InvalidName(message),
        nameof(InvalidArgument) => new InvalidArgument(message),
        nameof(ResourceInUse) => new ResourceInUse(message),
        nameof(HostCommunication) => new HostCommunication(message),
        nameof(InvalidLogin) => new InvalidLogin(message),
        nameof(InvalidProperty) => new InvalidProperty(message),
        nameof(ManagedObjectNotFound) => new ManagedObjectNotFound(message),
        _ => throw new ArgumentException($"\"{faultName}\" is not a vSphere fault the simulator knows", nameof(faultName)),
    };

    /// <summary>Every fault type the simulator raises (a test checks each one).</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        nameof(InvalidState), nameof(InvalidVmState), nameof(InvalidPowerState), nameof(InvalidHostState), nameof(InvalidDatastore),
        nameof(NotSupported), nameof(NoPermission), nameof(AlreadyExists), nameof(NotFound), nameof(DuplicateName), nameof(InvalidName),
        nameof(InvalidArgument), nameof(ResourceInUse), nameof(HostCommunication), nameof(InvalidProperty), nameof(ManagedObjectNotFound),
    ];
}

/// <summary>vim.fault.InvalidState: the operation is not allowed in the object's current state.</summary>
public record InvalidState(string Message) : MethodFault(Message);

/// <summary>vim.fault.InvalidVmState: the VM's state (locked, not encrypted, …) does not allow it.</summary>
public sealed record InvalidVmState(string Message) : InvalidState(Message);

/// <summary>vim.fault.InvalidPowerState: the VM is powered on (or off) and must not be.</summary>
public sealed record InvalidPowerState(string Message) : InvalidState(Message);

/// <summary>vim.fault.InvalidHostState: the host does not respond (or is otherwise not in a state for it).</summary>
public sealed record InvalidHostState(string Message) : InvalidState(Message);

/// <summary>vim.fault.InvalidDatastore: the datastore cannot be used (not accessible).</summary>
public sealed record InvalidDatastore(string Message) : MethodFault(Message);

/// <summary>vmodl.fault.NotSupported.</summary>
public sealed record NotSupported(string Message) : MethodFault(Message);

/// <summary>vim.fault.NoPermission, with the privilege the user lacks (privilegeId).</summary>
public sealed record NoPermission(string Message, string PrivilegeId) : MethodFault(Message);

/// <summary>vim.fault.AlreadyExists (a VM still registered).</summary>
public sealed record AlreadyExists(string Message) : MethodFault(Message);

/// <summary>vim.fault.NotFound.</summary>
public sealed record NotFound(string Message) : MethodFault(Message);

/// <summary>vim.fault.DuplicateName.</summary>
public sealed record DuplicateName(string Message) : MethodFault(Message);

/// <summary>vim.fault.InvalidName.</summary>
public sealed record InvalidName(string Message) : MethodFault(Message);

/// <summary>vmodl.fault.InvalidArgument.</summary>
public sealed record InvalidArgument(string Message) : MethodFault(Message);

/// <summary>vim.fault.ResourceInUse (a key a VM uses).</summary>
public sealed record ResourceInUse(string Message) : MethodFault(Message);

/// <summary>vmodl.fault.HostCommunication: vCenter cannot be reached (lost, not running).</summary>
public sealed record HostCommunication(string Message) : MethodFault(Message);

/// <summary>vmodl.query.InvalidProperty: a property path the object's type does not have (the PropertyCollector).</summary>
public sealed record InvalidProperty(string Message) : MethodFault(Message);

/// <summary>vmodl.fault.ManagedObjectNotFound: a managed object reference to an object that does not exist (any more).</summary>
public sealed record ManagedObjectNotFound(string Message) : MethodFault(Message);

/// <summary>vim.fault.InvalidLogin.</summary>
public sealed record InvalidLogin(string Message) : MethodFault(Message);

/// <summary>
/// A vSphere fault raised inside the simulator: the model's internals and the site's actions throw it; the vSphere
/// methods (<c>PowerOnVM_Task</c>, …) turn it into the <see cref="MethodFault"/> value of the task's error.
/// </summary>
public sealed class VsphereFault : Exception
{
    public VsphereFault(MethodFault fault) : base(fault.Message) => Fault = fault;

    public VsphereFault(string faultName, string message) : this(MethodFault.Create(faultName, message)) { }

    public MethodFault Fault { get; }

    /// <summary>InvalidState, InvalidVmState, NoPermission, NotFound, ...</summary>
    public string FaultName => Fault.FaultName;

    public override string ToString() => $"{FaultName}: {Message}";
}

/// <summary>What a vSphere method that is not a task answers: its return value, or its fault.</summary>
public sealed record MethodResult<T>(T? Returnval, MethodFault? Fault)
{
    public bool Succeeded => Fault is null;
}

/// <summary>For the site's doors (steps, REST): a fault value becomes the <see cref="VsphereFault"/> they report.</summary>
public static class MethodFaults
{
    /// <summary>Throws the fault, if there is one.</summary>
    public static void ThrowIfFault(this MethodFault? fault)
    {
        if (fault is not null) throw new VsphereFault(fault);
    }

    /// <summary>The task's result, or its error thrown.</summary>
    public static object? ResultOrThrow(this TaskInfo task) => task.Error is { } fault ? throw new VsphereFault(fault) : task.Result;

    /// <summary>The method's return value, or its fault thrown.</summary>
    public static T ReturnvalOrThrow<T>(this MethodResult<T> result) => result.Fault is { } fault ? throw new VsphereFault(fault) : result.Returnval!;

    /// <summary>Runs a method that raises a vSphere fault and answers the fault as a value.</summary>
    internal static MethodFault? Catch(Action method)
    {
        try { method(); return null; }
        catch (VsphereFault fault) { return fault.Fault; }
    }

    internal static async Task<MethodResult<T>> CatchAsync<T>(Func<Task<T>> method)
    {
        try { return new MethodResult<T>(await method(), null); }
        catch (VsphereFault fault) { return new MethodResult<T>(default, fault.Fault); }
    }
}
