using System.Collections.Concurrent;
using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server;

/// <summary>
/// Each client's object defaults and constraints (KMIP 2.1 §6.1.53 Set Defaults, §6.1.52 Set Constraints, §7.6–7.7,
/// §7.11, §7.22): a default fills an attribute a factory request (Create, Register, Derive Key…) left out, for objects
/// of its type (and Object Groups, when it names them); a constraint lists, for objects of its types (and groups), the
/// values an attribute may take: a new object whose attribute holds another value, or lacks it, is refused. A client's
/// settings apply to its own objects only, as everything else it owns. Kept in memory: a restarted server starts without
/// them, and Query (Defaults Information) and Get Constraints say so.
/// </summary>
public sealed class ObjectPolicies
{
    private sealed record Rule(IReadOnlySet<ObjectType>? Types, IReadOnlySet<string>? Groups, IReadOnlyList<StoredAttribute> Attributes)
    {
        public bool Covers(ManagedObject obj) => (Types is null || Types.Contains(obj.ObjectType))
            && (Groups is null || obj.All(AttributeNames.ObjectGroup).Any(g => Groups.Contains(g.Value.AsText)));
    }

    private sealed record Settings(TtlvNode? Defaults, IReadOnlyList<Rule> DefaultRules, TtlvNode? Constraints, IReadOnlyList<Rule> ConstraintRules);

    private static readonly Settings None = new(null, [], null, []);
    private readonly ConcurrentDictionary<string, Settings> _clients = new();

    /// <summary>Set Defaults: replaces the client's Object Defaults (none when <paramref name="defaults"/> is null).</summary>
    public void SetDefaults(string clientId, TtlvNode? defaults)
    {
        var rules = defaults?.ChildrenOf(Tag.ObjectDefaults).Select(d => Parse(d, typesRequired: true)).ToList() ?? [];
        _clients.AddOrUpdate(clientId, _ => None with { Defaults = defaults, DefaultRules = rules },
            (_, s) => s with { Defaults = defaults, DefaultRules = rules });
    }

    /// <summary>Set Constraints: replaces the client's constraints.</summary>
    public void SetConstraints(string clientId, TtlvNode constraints)
    {
        var rules = constraints.ChildrenOf(Tag.Constraint).Select(c => Parse(c, typesRequired: false)).ToList();
        _clients.AddOrUpdate(clientId, _ => None with { Constraints = constraints, ConstraintRules = rules },
            (_, s) => s with { Constraints = constraints, ConstraintRules = rules });
    }

    /// <summary>The Defaults Information set by the client, or null.</summary>
    public TtlvNode? Defaults(string clientId) => _clients.GetValueOrDefault(clientId)?.Defaults;

    /// <summary>The Constraints set by the client (an empty structure when none are).</summary>
    public TtlvNode Constraints(string clientId) => _clients.GetValueOrDefault(clientId)?.Constraints ?? TtlvNode.Structure(Tag.Constraints);

    /// <summary>Fills, on a new object, each attribute the client's defaults give for it and the request left out.</summary>
    public void ApplyDefaults(string clientId, ManagedObject obj)
    {
        if (!_clients.TryGetValue(clientId, out var settings)) return;
        foreach (var rule in settings.DefaultRules.Where(r => r.Covers(obj)))
            foreach (var group in rule.Attributes.GroupBy(a => a.FullName))
                if (!obj.Has(group.Key))
                    foreach (var a in group)
                        if (AttributeNames.IsMultiInstance(group.Key)) obj.Add(group.Key, a.Value);
                        else obj.Set(group.Key, a.Value);
    }

    /// <summary>Refuses a new object that breaks one of the client's constraints, naming the attribute and what is allowed.</summary>
    public void Check(RequestContext ctx, ManagedObject obj)
    {
        if (!_clients.TryGetValue(ctx.Client.Id, out var settings)) return;
        foreach (var rule in settings.ConstraintRules.Where(r => r.Covers(obj)))
            foreach (var group in rule.Attributes.GroupBy(a => a.FullName))
            {
                var allowed = group.ToList();
                var values = obj.All(group.Key).ToList();
                if (values.Count == 0 || values.Any(v => !allowed.Any(a => a.Value.ValueEquals(v.Value))))
                    throw new KmipException(ctx.Version.IsV2 ? ResultReason.InvalidAttributeValue : ResultReason.InvalidField,
                        $"the constraints set for this client allow a {obj.ObjectType} only with {group.Key} {string.Join(" or ", allowed.Select(Show))}" +
                        (values.Count == 0 ? ", and the request gave none" : $", not {string.Join(", ", values.Select(Show))}"));
            }
    }

    private static string Show(StoredAttribute a) => AttributeCodec.ToV2(a) is { Type: not ItemType.Structure } v ? v.ValueText() : "(a structure)";

    /// <summary>An Object Defaults or Constraint structure: its Object Type(s), Object Groups and Attributes, each checked.</summary>
    private static Rule Parse(TtlvNode node, bool typesRequired)
    {
        var types = node.Child(Tag.ObjectType) is { } one ? new HashSet<ObjectType> { one.AsEnumOf<ObjectType>() }
            : node.Child(Tag.ObjectTypes)?.ChildrenOf(Tag.ObjectType).Select(t => t.AsEnumOf<ObjectType>()).ToHashSet();
        if (typesRequired && types is null)
            throw new KmipException(ResultReason.InvalidField, "each Object Defaults needs an Object Type (or Object Types)");
        var groups = node.Child(Tag.ObjectGroups)?.ChildrenOf(Tag.ObjectGroup).Select(g => g.AsText).ToHashSet();
        var attributesNode = node.Child(Tag.Attributes);
        if (typesRequired && attributesNode is null)
            throw new KmipException(ResultReason.InvalidField, "each Object Defaults needs its Attributes");
        var attributes = AttributeCodec.FromRequest(attributesNode, ProtocolVersion.V2_1);
        foreach (var a in attributes)
        {
            if (!AttributeNames.IsKnown(a.FullName) || a.FullName.StartsWith("y-", StringComparison.Ordinal))
                throw new KmipException(ResultReason.InvalidField, $"'{a.FullName}' is not an attribute a client may set");
            if (AttributeNames.IsReadOnly(a.FullName) && !AttributeNames.ClientMaySupplyAtCreation(a.FullName))
                throw new KmipException(ResultReason.InvalidField, $"'{a.FullName}' is set by the server: it can have no default or constraint");
        }
        return new Rule(types, groups, attributes);
    }
}
