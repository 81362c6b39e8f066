namespace Harness.Simulator.Web.Vim25;

/// <summary>
/// A session's property filters (PropertyCollector.CreateFilter) and what WaitForUpdates has reported of them: each
/// update set carries a version; the next call with that version gets what changed since (objects that entered or left,
/// properties assigned or removed), compared value by value.
/// </summary>
internal sealed class PropertyFilters
{
    private sealed class Filter(ManagedObjectReference reference, List<DataObject> spec, bool partialUpdates)
    {
        public ManagedObjectReference Ref { get; } = reference;
        public List<DataObject> Spec { get; } = spec;
        public bool PartialUpdates { get; } = partialUpdates;
        public Dictionary<ManagedObjectReference, Dictionary<string, string>> Reported { get; set; } = [];
    }

    private readonly Dictionary<string, Filter> _filters = new(StringComparer.Ordinal);
    private int _nextFilter, _version;

    public ManagedObjectReference Create(List<DataObject> spec, bool partialUpdates)
    {
        if (spec.Count == 0) throw VimFaultException.Of("InvalidArgument", "CreateFilter needs a spec", ("invalidProperty", "spec"));
        var filter = new Filter(new ManagedObjectReference("PropertyFilter", $"session[filter]{++_nextFilter}"), spec, partialUpdates);
        _filters[filter.Ref.Value] = filter;
        return filter.Ref;
    }

    public void Destroy(ManagedObjectReference filter)
    {
        if (!_filters.Remove(filter.Value))
            throw VimFaultException.Of("ManagedObjectNotFound", $"the filter {filter.Value} does not exist in this session", ("obj", filter));
    }

    public bool Exists(ManagedObjectReference filter) => _filters.ContainsKey(filter.Value);

    public object? Property(ManagedObjectReference filter, string name)
    {
        var f = _filters[filter.Value];
        return name switch
        {
            "spec" => f.Spec[0],
            "partialUpdates" => f.PartialUpdates,
            _ => throw new VsphereFault("InvalidProperty", $"PropertyFilter has no property \"{name}\" here (it has: spec, partialUpdates)"),
        };
    }

    /// <summary>
    /// The UpdateSet since <paramref name="version"/> (null or "": everything, as "enter"); null when nothing changed.
    /// <paramref name="fingerprint"/> makes a comparable text of a value.
    /// </summary>
    public DataObject? Updates(string? version, PropertyCollector collector, Func<string, IReadOnlyList<string>> allProperties, Func<object?, string> fingerprint)
    {
        bool fromScratch = string.IsNullOrEmpty(version);
        if (!fromScratch && (!int.TryParse(version, out var v) || v > _version || v < 0))
            throw VimFaultException.Of("InvalidArgument", $"\"{version}\" is not a version this session's WaitForUpdates gave", ("invalidProperty", "version"));
        var filterUpdates = new List<object>();
        var snapshots = new Dictionary<Filter, Dictionary<ManagedObjectReference, Dictionary<string, string>>>();
        foreach (var filter in _filters.Values)
        {
            var before = fromScratch ? [] : filter.Reported;
            var now = new Dictionary<ManagedObjectReference, Dictionary<string, string>>();
            var objectUpdates = new List<object>();
            foreach (var content in collector.Retrieve(filter.Spec, allProperties))
            {
                var mo = (ManagedObjectReference)content["obj"]!;
                var values = PropertyCollector.Items(content["propSet"]).Cast<DataObject>()
                    .ToDictionary(p => (string)p["name"]!, p => p["val"]);
                var prints = values.ToDictionary(p => p.Key, p => fingerprint(p.Value));
                now[mo] = prints;
                var old = before.GetValueOrDefault(mo);
                var changes = new List<object>();
                foreach (var (name, value) in values)
                    if (old is null || !old.TryGetValue(name, out var was) || was != prints[name])
                        changes.Add(new DataObject("PropertyChange") { { "name", name }, { "op", new EnumValue("PropertyChangeOp", "assign") }, { "val", value } });
                if (old is not null)
                    foreach (var name in old.Keys.Where(k => !values.ContainsKey(k)))
                        changes.Add(new DataObject("PropertyChange") { { "name", name }, { "op", new EnumValue("PropertyChangeOp", "remove") } });
                if (old is null || changes.Count > 0)
                    objectUpdates.Add(new DataObject("ObjectUpdate")
                    {
                        { "kind", new EnumValue("ObjectUpdateKind", old is null ? "enter" : "modify") },
                        { "obj", mo },
                        { "changeSet", changes.Count == 0 ? null : changes },
                        { "missingSet", content["missingSet"] },
                    });
            }
            foreach (var gone in before.Keys.Where(k => !now.ContainsKey(k)))
                objectUpdates.Add(new DataObject("ObjectUpdate") { { "kind", new EnumValue("ObjectUpdateKind", "leave") }, { "obj", gone } });
            snapshots[filter] = now;
            if (objectUpdates.Count > 0)
                filterUpdates.Add(new DataObject("PropertyFilterUpdate") { { "filter", filter.Ref }, { "objectSet", objectUpdates } });
        }
        if (filterUpdates.Count == 0 && !fromScratch) return null;
        foreach (var (filter, snapshot) in snapshots) filter.Reported = snapshot;
        return new DataObject("UpdateSet")
        {
            { "version", (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture) },
            { "filterSet", filterUpdates.Count == 0 ? null : filterUpdates },
        };
    }
}
