using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>Rules shared by Add, Modify, Delete and Set Attribute, with the Result Reasons of each protocol generation.</summary>
internal static class AttributeEditing
{
    /// <summary>Attributes a client may set at creation but never change afterwards (KMIP 1.4 §3: "Modifiable by client: No").</summary>
    private static readonly HashSet<string> FixedAfterCreation =
    [
        AttributeNames.CryptographicAlgorithm, AttributeNames.CryptographicLength, AttributeNames.CryptographicUsageMask,
    ];

    public static KmipException ReadOnly(RequestContext ctx, string name) => ctx.Version.IsV2
        ? new KmipException(ResultReason.AttributeReadOnly, $"'{name}' cannot be changed by a client")
        : new KmipException(ResultReason.PermissionDenied, $"'{name}' cannot be changed by a client");

    public static void CheckClientMayChange(RequestContext ctx, ManagedObject obj, string name)
    {
        if (AttributeNames.IsReadOnly(name) || FixedAfterCreation.Contains(name) || name.StartsWith("y-", StringComparison.Ordinal))
            throw ReadOnly(ctx, name);
        if (!AttributeNames.IsKnown(name))
            throw new KmipException(ctx.Version.IsV2 ? ResultReason.UnsupportedAttribute : ResultReason.InvalidField, $"'{name}' is not a KMIP attribute");
        // KMIP 1.4 §3.24, §3.25: the dates that drive the state may change only before they take effect.
        if (name == AttributeNames.ActivationDate && obj.State != State.PreActive)
            throw WrongState(ctx, $"the Activation Date of a {obj.State} object cannot change");
        if (name is AttributeNames.DeactivationDate or AttributeNames.ProcessStartDate or AttributeNames.ProtectStopDate
            && obj.State is not (State.PreActive or State.Active))
            throw WrongState(ctx, $"the {name} of a {obj.State} object cannot change");
    }

    public static KmipException WrongState(RequestContext ctx, string message) => ctx.Version.IsV2
        ? new KmipException(ResultReason.WrongKeyLifecycleState, message)
        : new KmipException(ResultReason.PermissionDenied, message);

    public static KmipException NotFound(RequestContext ctx, string message) => ctx.Version.IsV2
        ? new KmipException(ResultReason.AttributeNotFound, message)
        : new KmipException(ResultReason.ItemNotFound, message);

    /// <summary>The attribute a 1.x payload carries in Attribute, or a 2.x payload in the given container (New/Current Attribute).</summary>
    public static StoredAttribute? Read(RequestContext ctx, TtlvNode payload, Tag v2Container)
    {
        if (!ctx.Version.IsV2)
            return payload.Child(Tag.Attribute) is { } a ? AttributeCodec.FromAttributeStructure(a) : null;
        var container = payload.Child(v2Container);
        if (container is null) return null;
        if (container.Items.Count != 1)
            throw new KmipException(ResultReason.InvalidField, $"{TagNames.Name((int)v2Container)} must hold exactly one attribute");
        return AttributeCodec.FromV2(container.Items[0]);
    }
}

/// <summary>
/// Add Attribute (KMIP 1.4 §4.14, 2.1 §6.1.2). Result Reasons: Item Not Found; Permission Denied (1.x) / Attribute Read
/// Only (2.x) for server attributes; Illegal Operation (1.x) / Attribute Single Valued (2.x) when a single-valued
/// attribute exists; Invalid Field for an Attribute Index; Illegal Operation / Non Unique Name Attribute for a Name in use.
/// </summary>
public sealed class AddAttributeOperation : KmipOperation
{
    public override Operation Operation => Operation.AddAttribute;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var obj = ctx.Lookup(payload);
        var attr = AttributeEditing.Read(ctx, payload, Tag.NewAttribute)
                   ?? throw new KmipException(ResultReason.InvalidField, "the payload holds no attribute to add");
        if (!ctx.Version.IsV2 && payload.Child(Tag.Attribute)?.Child(Tag.AttributeIndex) is not null)
            throw new KmipException(ResultReason.InvalidField, "a new attribute must not carry an Attribute Index");
        var name = attr.FullName;
        AttributeEditing.CheckClientMayChange(ctx, obj, name);
        if (obj.Has(name) && !AttributeNames.IsMultiInstance(name))
            throw new KmipException(ctx.Version.IsV2 ? ResultReason.AttributeSingleValued : ResultReason.IllegalOperation,
                $"'{name}' already exists and may have only one instance");
        if (name == AttributeNames.Name)
        {
            try { ObjectFactory.CheckNameUnique(ctx, attr.Value, obj.Id, obj); }
            catch (KmipException ex) when (!ctx.Version.IsV2) { throw new KmipException(ResultReason.IllegalOperation, ex.Message); }
        }
        ServerLimits.CheckAttributes(ctx, obj, [attr.Value]);
        var edited = ctx.Edit(obj);
        edited.Add(name, attr.Value);
        ctx.Touch(edited);
        Lifecycle.ApplyDueTransitions(edited, ctx.Now);
        var added = edited.Attributes.Last(a => a.FullName == name);
        return ctx.Version.IsV2 ? Payload(Id(obj.Id)) : Payload(Id(obj.Id), AttributeCodec.ToAttributeStructure(added, withIndex: true));
    }
}

/// <summary>
/// Modify Attribute (KMIP 1.4 §4.15, 2.1 §6.1.29). Result Reasons: Item Not Found (object, or attribute instance);
/// Invalid Field (1.x) / Attribute Not Found (2.x) for an attribute not present; Permission Denied (1.x) / Attribute
/// Read Only (2.x); Permission Denied (1.x) / Wrong Key Lifecycle State (2.x) for a date already in effect.
/// </summary>
public sealed class ModifyAttributeOperation : KmipOperation
{
    public override Operation Operation => Operation.ModifyAttribute;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var obj = ctx.Lookup(payload);
        var attr = AttributeEditing.Read(ctx, payload, Tag.NewAttribute)
                   ?? throw new KmipException(ResultReason.InvalidField, "the payload holds no attribute to modify");
        var name = attr.FullName;
        AttributeEditing.CheckClientMayChange(ctx, obj, name);
        if (!obj.Has(name))
            throw ctx.Version.IsV2
                ? new KmipException(ResultReason.AttributeNotFound, $"the object has no '{name}' attribute to modify")
                : new KmipException(ResultReason.InvalidField, $"the object has no '{name}' attribute to modify (add it first)");
        int index = attr.Index;
        if (ctx.Version.IsV2 && AttributeEditing.Read(ctx, payload, Tag.CurrentAttribute) is { } current)
        {
            var match = obj.All(name).FirstOrDefault(a => a.Value.ValueEquals(current.Value))
                        ?? throw new KmipException(ResultReason.AttributeNotFound, $"no '{name}' instance has the given current value");
            index = match.Index;
        }
        else if (ctx.Version.IsV2) index = obj.All(name).First().Index;
        var instance = obj.Find(name, index)
                       ?? throw new KmipException(ResultReason.ItemNotFound, $"'{name}' has no instance with index {index}");
        if (name == AttributeNames.Name) ObjectFactory.CheckNameUnique(ctx, attr.Value, obj.Id);
        ServerLimits.CheckAttributes(ctx, obj, [attr.Value], [instance.Value]);
        var edited = ctx.Edit(obj);
        int at = edited.Attributes.FindIndex(a => a.FullName == name && a.Index == instance.Index);
        var replaced = edited.Attributes[at];
        edited.Attributes[at] = StoredAttribute.Of(replaced.Vendor, replaced.Name, replaced.Index, attr.Value.WithTag(Tag.AttributeValue));
        ctx.Touch(edited);
        Lifecycle.ApplyDueTransitions(edited, ctx.Now);
        return ctx.Version.IsV2 ? Payload(Id(obj.Id)) : Payload(Id(obj.Id), AttributeCodec.ToAttributeStructure(edited.Attributes[at], withIndex: true));
    }
}

/// <summary>
/// Delete Attribute (KMIP 1.4 §4.16, 2.1 §6.1.14). Result Reasons: Item Not Found (object, attribute or instance; 2.x:
/// Attribute Not Found); Permission Denied (1.x) / Attribute Read Only (2.x) for read-only or required attributes.
/// </summary>
public sealed class DeleteAttributeOperation : KmipOperation
{
    public override Operation Operation => Operation.DeleteAttribute;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var obj = ctx.Lookup(payload);
        string name;
        int? index = null;
        TtlvNode? value = null;
        if (ctx.Version.IsV2)
        {
            if (AttributeEditing.Read(ctx, payload, Tag.CurrentAttribute) is { } current) { name = current.FullName; value = current.Value; }
            else if (payload.Child(Tag.AttributeReference) is { } reference) name = AttributeCodec.ParseReference(reference).FullName;
            else throw new KmipException(ResultReason.InvalidField, "name the attribute to delete with Current Attribute or Attribute Reference");
        }
        else
        {
            name = payload.Required(Tag.AttributeName).AsText;
            index = payload.Child(Tag.AttributeIndex)?.AsInt32;
        }
        if (AttributeNames.IsReadOnly(name) || name is AttributeNames.CryptographicAlgorithm or AttributeNames.CryptographicLength
            || name.StartsWith("y-", StringComparison.Ordinal))
            throw AttributeEditing.ReadOnly(ctx, name);
        var instances = obj.All(name).Where(a => (index is null || a.Index == index) && (value is null || a.Value.ValueEquals(value))).ToList();
        if (!obj.Has(name)) throw AttributeEditing.NotFound(ctx, $"the object has no '{name}' attribute");
        if (instances.Count == 0) throw AttributeEditing.NotFound(ctx, $"no matching instance of '{name}'");
        var victim = index is null && value is null && !ctx.Version.IsV2 ? instances.Where(a => a.Index == 0).DefaultIfEmpty(instances[0]).First() : instances[0];
        var edited = ctx.Edit(obj);
        edited.Attributes.RemoveAll(a => a.FullName == name && a.Index == victim.Index);
        ctx.Touch(edited);
        return ctx.Version.IsV2 ? Payload(Id(obj.Id)) : Payload(Id(obj.Id), AttributeCodec.ToAttributeStructure(victim, withIndex: true));
    }
}

/// <summary>
/// Set Attribute (KMIP 2.1 §6.1.50): sets a single-valued attribute, adding it if absent. Result Reasons: Item Not
/// Found; Attribute Read Only; Multi Valued Attribute for attributes that may have several instances.
/// </summary>
public sealed class SetAttributeOperation : KmipOperation
{
    public override Operation Operation => Operation.SetAttribute;
    public override bool Changes => true;
    public override ProtocolVersion Since => ProtocolVersion.V2_0;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var obj = ctx.Lookup(payload);
        var attr = AttributeEditing.Read(ctx, payload, Tag.NewAttribute)
                   ?? throw new KmipException(ResultReason.InvalidField, "the payload holds no New Attribute");
        var name = attr.FullName;
        AttributeEditing.CheckClientMayChange(ctx, obj, name);
        if (AttributeNames.IsMultiInstance(name) && !AttributeNames.IsCustom(name))
            throw new KmipException(ResultReason.MultiValuedAttribute, $"'{name}' may have several instances: use Add or Modify Attribute");
        ServerLimits.CheckAttributes(ctx, obj, [attr.Value], obj.All(name).Select(a => a.Value).ToList());
        var edited = ctx.Edit(obj);
        edited.Remove(name);
        edited.Set(name, attr.Value);
        ctx.Touch(edited);
        Lifecycle.ApplyDueTransitions(edited, ctx.Now);
        return Payload(Id(obj.Id));
    }
}
