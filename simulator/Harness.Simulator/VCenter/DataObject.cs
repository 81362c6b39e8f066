using System.Collections;

namespace Harness.Simulator;

/// <summary>vim.ManagedObjectReference: a managed object's type and its ID on this vCenter (vm-12, host-3, group-d1).</summary>
public sealed record ManagedObjectReference(string Type, string Value)
{
    public override string ToString() => $"{Type}:{Value}";
}

/// <summary>
/// A vSphere data object (vmodl.DynamicData and its subtypes) by its API type name and its properties under their API
/// names, in the order they were set: what vCenter's PropertyCollector returns for a property such as
/// VirtualMachine.config. Values are text, numbers, booleans, times, <see cref="ManagedObjectReference"/>s, nested data
/// objects, lists of these, or <see cref="EnumValue"/>s. A property that is not set is absent (vSphere's unset).
/// </summary>
public sealed class DataObject(string type) : IEnumerable<KeyValuePair<string, object?>>
{
    private readonly List<KeyValuePair<string, object?>> _properties = [];

    /// <summary>The vim25 type name ("VirtualMachineRuntimeInfo").</summary>
    public string Type { get; } = type;

    public object? this[string name]
    {
        get
        {
            foreach (var p in _properties) if (p.Key == name) return p.Value;
            return null;
        }
        set
        {
            for (int i = 0; i < _properties.Count; i++)
            {
                if (_properties[i].Key != name) continue;
                if (value is null) _properties.RemoveAt(i);
                else _properties[i] = new(name, value);
                return;
            }
            if (value is not null) _properties.Add(new(name, value));
        }
    }

    /// <summary>For collection initializers: an unset (null) value is left out.</summary>
    public void Add(string name, object? value) => this[name] = value;

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _properties.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The value at a dotted path below this object ("keyId.providerId.id"), or null when a step is unset.</summary>
    public object? At(string path)
    {
        object? current = this;
        foreach (var step in path.Split('.'))
        {
            if (current is not DataObject data) return null;
            current = data[step];
        }
        return current;
    }

    public override string ToString() => $"({Type}) {{{string.Join(", ", _properties.Select(p => $"{p.Key} = {p.Value}"))}}}";
}

/// <summary>A value of a vSphere enumeration with its type ("VirtualMachinePowerState", "poweredOn").</summary>
public sealed record EnumValue(string Type, string Value)
{
    public override string ToString() => Value;
}

/// <summary>
/// An array property's value with its item type ("ManagedObjectReference", "AlarmState", "string"): what vim25 writes as
/// ArrayOfManagedObjectReference, ArrayOfAlarmState, ArrayOfString where the type is not declared (a property asked
/// for by name). Items are values as in a <see cref="DataObject"/>.
/// </summary>
public sealed record DataArray(string ItemType, IReadOnlyList<object> Items)
{
    public static DataArray Of(IEnumerable<ManagedObjectReference> refs) => new("ManagedObjectReference", refs.ToList<object>());
    public static DataArray Of(string itemType, IEnumerable<DataObject> items) => new(itemType, items.ToList<object>());
    public static DataArray OfStrings(IEnumerable<string> items) => new("string", items.ToList<object>());
}
