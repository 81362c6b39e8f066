using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Get Attributes (KMIP 1.4 §4.12, 2.1 §6.1.24): the named attributes (all of them when none is named), in the order
/// asked. Names the object lacks are left out. Result Reasons: Item Not Found; Invalid Message (a name twice).
/// </summary>
public sealed class GetAttributesOperation : KmipOperation
{
    public override Operation Operation => Operation.GetAttributes;
    public override bool ServesArchived => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var obj = ctx.Lookup(payload);
        var refs = payload.Items.Where(c => c.Tag is Tag.AttributeName or Tag.AttributeReference)
            .Select(AttributeCodec.ParseReference).Select(r => r.FullName).ToList();
        if (refs.Count != refs.Distinct().Count())
            throw new KmipException(ResultReason.InvalidMessage, "the same attribute is named more than once");
        IEnumerable<StoredAttribute> selected = (refs.Count == 0 ? obj.Attributes : refs.SelectMany(obj.All))
            .Where(a => AttributeNames.ExistsIn(a.FullName, ctx.Version));
        var wire = selected.Select(a => AttributeCodec.ToWire(a, ctx.Version));
        return ctx.Version.IsV2
            ? Payload(Id(obj.Id), TtlvNode.Structure(Tag.Attributes, wire))
            : Payload(new[] { Id(obj.Id) }.Concat(wire));
    }
}

/// <summary>Get Attribute List (KMIP 1.4 §4.13, 2.1 §6.1.25): the names of the object's attributes. Result Reasons: Item Not Found.</summary>
public sealed class GetAttributeListOperation : KmipOperation
{
    public override Operation Operation => Operation.GetAttributeList;
    public override bool ServesArchived => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var obj = ctx.Lookup(payload);
        return Payload(new[] { Id(obj.Id) }.Concat(obj.Names.Where(n => AttributeNames.ExistsIn(n, ctx.Version))
            .Select(n => AttributeCodec.ReferenceToWire(n, ctx.Version))));
    }
}
