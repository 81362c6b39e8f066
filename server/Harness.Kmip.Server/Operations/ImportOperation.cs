using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Import (KMIP 1.4 §4.41, 2.1 §6.1.29): an object made again, under the Unique Identifier it had, with all the
/// attributes the request carries (those a server sets too: State, dates, ...), as Export gave them. An object of that
/// identifier is replaced only with Replace Existing true, and only if it is the client's; Key Wrap Type Not Wrapped
/// asks the server to unwrap a wrapped key first (As Registered, the default, keeps it as it is). The object is checked
/// as Register checks it.
/// Result Reasons: Object Already Exists (the identifier is taken and Replace Existing is not true, or the object is
/// another client's); Invalid Field (an object of another type than Object Type, an unknown attribute, Register's
/// checks); the Result Reasons of unwrapping.
/// </summary>
public sealed class ImportOperation : KmipOperation
{
    public override Operation Operation => Operation.Import;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var id = payload.Required(Tag.UniqueIdentifier).AsText;
        var type = payload.Required(Tag.ObjectType).AsEnumOf<ObjectType>();
        if (!RegisterOperation.ObjectTags.TryGetValue(type, out var tag))
            throw new KmipException(ResultReason.InvalidField, $"objects of type {type} cannot be imported");
        var value = payload.Child(tag) ?? throw new KmipException(ResultReason.InvalidField, $"Object Type is {type} but the payload holds no {TagNames.SpecName((int)tag)}");
        if (payload.Child(Tag.KeyWrapType)?.AsEnumOf<KeyWrapType>() == KeyWrapType.NotWrapped && KeyWrapping.IsWrapped(value))
            value = KeyWrapping.Unwrap(ctx, value, $"the {type} to import");
        RegisterOperation.CheckObject(ctx, type, value);
        var attributes = ctx.Version.IsV2
            ? AttributeCodec.FromRequest(payload.Child(Tag.Attributes), ctx.Version)
            : payload.ChildrenOf(Tag.Attribute).Select(AttributeCodec.FromAttributeStructure).ToList();
        foreach (var a in attributes)
            if (!AttributeNames.IsKnown(a.FullName))
                throw new KmipException(ResultReason.InvalidField, $"'{a.FullName}' is not an attribute this server knows");

        ManagedObject obj;
        if (ctx.Changes.Find(id) is { } existing)
        {
            if (existing.Owner != ctx.Client.Id || payload.Child(Tag.ReplaceExisting)?.AsBoolean != true)
                throw new KmipException(ResultReason.ObjectAlreadyExists, $"an object with Unique Identifier '{id}' exists: Import replaces it only with Replace Existing, and only the client's own");
            if (existing.ObjectType != type)
                throw new KmipException(ResultReason.InvalidField, $"'{id}' is a {existing.ObjectType}: it cannot be replaced by a {type}");
            obj = ctx.Edit(existing);
            obj.Attributes.Clear();
        }
        else
        {
            ServerLimits.CheckNewObject(ctx);
            obj = new ManagedObject(id, type, ctx.Client.Id);
            ctx.Changes.Add(obj); // an object coming back from an Export: the client's constraints are for new ones
        }
        obj.Value = value;
        obj.Set(AttributeNames.UniqueIdentifier, TtlvNode.Text(Tag.AttributeValue, id));
        obj.Set(AttributeNames.ObjectType, TtlvNode.Enumeration(Tag.AttributeValue, type));
        foreach (var a in attributes.Where(a => a.FullName is not (AttributeNames.UniqueIdentifier or AttributeNames.ObjectType)))
            if (AttributeNames.IsMultiInstance(a.FullName)) obj.Add(a.FullName, a.Value);
            else obj.Set(a.FullName, a.Value);
        if (!obj.Has(AttributeNames.State)) obj.State = State.PreActive;
        if (!obj.Has(AttributeNames.InitialDate)) obj.SetDate(AttributeNames.InitialDate, ctx.Now);
        ObjectFactory.CopyKeyBlockAttributes(obj);
        ctx.Touch(obj);
        Lifecycle.ApplyDueTransitions(obj, ctx.Now);
        ctx.IdPlaceholder = id;
        return Payload(Id(id));
    }
}
