namespace Harness.Simulator.Web.Vim25;

/// <summary>
/// vCenter's PropertyCollector (vmodl.query.PropertyCollector) over the simulator's inventory: property filter specs with
/// object specs, traversal specs (named ones reached through selection specs) and nested property paths
/// ("config.keyId.keyId"), answered as ObjectContents with DynamicProperties and MissingProperties.
/// </summary>
internal sealed class PropertyCollector(VimTypes types, Func<ManagedObjectReference, string, object?> property)
{
    /// <summary>Whether a managed object of <paramref name="type"/> is a <paramref name="ancestor"/> (a TraversalSpec's or PropertySpec's type), by vim25's managed type hierarchy.</summary>
    public static bool IsA(string type, string ancestor) => VimTypes.Vim25.IsManagedA(type, ancestor);

    /// <summary>RetrieveContents / RetrievePropertiesEx: the ObjectContents of every object the specs select.</summary>
    public List<DataObject> Retrieve(IEnumerable<DataObject> specSet, Func<string, IReadOnlyList<string>> allProperties)
    {
        var results = new List<DataObject>();
        foreach (var spec in specSet)
        {
            var propSets = Items(spec["propSet"]).Cast<DataObject>().ToList();
            var selected = new List<ManagedObjectReference>();
            var seen = new HashSet<ManagedObjectReference>();
            foreach (var objectSpec in Items(spec["objectSet"]).Cast<DataObject>())
            {
                var start = objectSpec["obj"] as ManagedObjectReference
                            ?? throw new VsphereFault("InvalidArgument", "an ObjectSpec has no obj");
                var named = new Dictionary<string, DataObject>(StringComparer.Ordinal);
                CollectNames(Items(objectSpec["selectSet"]), named);
                Visit(start, objectSpec["skip"] is true, Items(objectSpec["selectSet"]).Cast<DataObject>().ToList(), named, selected, seen, []);
            }
            foreach (var mo in selected)
            {
                var propSpec = propSets.FirstOrDefault(p => IsA(mo.Type, p["type"] as string ?? ""));
                if (propSpec is null) continue;
                var paths = propSpec["all"] is true ? allProperties(mo.Type) : Items(propSpec["pathSet"]).Cast<string>().ToList();
                results.Add(Content(mo, paths));
            }
        }
        return results;
    }

    private DataObject Content(ManagedObjectReference mo, IEnumerable<string> paths)
    {
        var found = new List<object>();
        var missing = new List<object>();
        foreach (var path in paths)
        {
            try
            {
                var value = Read(mo, path);
                if (value is not null) found.Add(new DataObject("DynamicProperty") { { "name", path }, { "val", value } });
            }
            catch (VsphereFault fault) when (fault.FaultName is not ("InvalidProperty" or "HostCommunication"))
            {
                missing.Add(new DataObject("MissingProperty")
                {
                    { "path", path },
                    { "fault", new DataObject("LocalizedMethodFault") { { "fault", VimFaults.ToData(fault.Fault) }, { "localizedMessage", fault.Message } } },
                });
            }
        }
        return new DataObject("ObjectContent")
        {
            { "obj", mo },
            { "propSet", found.Count == 0 ? null : found },
            { "missingSet", missing.Count == 0 ? null : missing },
        };
    }

    /// <summary>A property path's value: the top-level property, then fields of its data objects.</summary>
    public object? Read(ManagedObjectReference mo, string path)
    {
        var steps = path.Split('.');
        object? value = property(mo, steps[0]);
        for (int i = 1; i < steps.Length && value is not null; i++)
        {
            if (value is not DataObject data)
                throw new VsphereFault("InvalidProperty", $"\"{string.Join('.', steps[..i])}\" of {mo.Type} is not a data object: \"{path}\" cannot be followed");
            var field = types.Field(data.Type, steps[i])
                        ?? throw new VsphereFault("InvalidProperty", $"{data.Type} (at \"{string.Join('.', steps[..i])}\") has no field \"{steps[i]}\"");
            value = data[steps[i]];
            if (value is IList<object> list) value = new DataArray(field.Type.StartsWith("xsd:", StringComparison.Ordinal) ? field.Type[4..] : field.Type, list.ToList());
        }
        return value;
    }

    private void Visit(ManagedObjectReference mo, bool skip, List<DataObject> selectSet, Dictionary<string, DataObject> named,
        List<ManagedObjectReference> selected, HashSet<ManagedObjectReference> seen, HashSet<(ManagedObjectReference, string)> walked)
    {
        if (!skip && seen.Add(mo)) selected.Add(mo);
        foreach (var selection in selectSet)
        {
            var traversal = selection.Type == "TraversalSpec" ? selection
                : selection["name"] is string name ? named.GetValueOrDefault(name) ?? throw new VsphereFault("InvalidArgument", $"no TraversalSpec is named \"{name}\"")
                : throw new VsphereFault("InvalidArgument", "a SelectionSpec has no name");
            if (!IsA(mo.Type, traversal["type"] as string ?? "") || traversal["path"] is not string path) continue;
            if (!walked.Add((mo, (traversal["name"] as string) ?? path))) continue; // a cycle of traversal specs
            object? value;
            try { value = property(mo, path); }
            catch (VsphereFault fault) when (fault.FaultName == "InvalidProperty") { continue; }
            foreach (var next in Items(value).OfType<ManagedObjectReference>())
                Visit(next, traversal["skip"] is true, Items(traversal["selectSet"]).Cast<DataObject>().ToList(), named, selected, seen, walked);
        }
    }

    private static void CollectNames(IEnumerable<object> selectSet, Dictionary<string, DataObject> named)
    {
        foreach (var s in selectSet.Cast<DataObject>())
        {
            if (s.Type != "TraversalSpec") continue;
            if (s["name"] is string name && named.TryAdd(name, s)) CollectNames(Items(s["selectSet"]), named);
        }
    }

    /// <summary>The items of an array value (a list, a <see cref="DataArray"/>, a single value, or nothing).</summary>
    public static IEnumerable<object> Items(object? value) => value switch
    {
        null => [],
        DataArray a => a.Items,
        IEnumerable<object?> list when value is not string => list.OfType<object>(),
        _ => [value],
    };
}
