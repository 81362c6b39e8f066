using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Create (KMIP 1.4 §4.1, 2.1 §6.1.7): a new symmetric key, Pre-Active unless an Activation Date says otherwise
/// (or the server's policy <see cref="KmipServerOptions.CreatedKeyState"/> is Active).
/// Result Reasons: Invalid Field (object type, attribute values, duplicate Name in 1.x), Item Not Found (templates),
/// Index Out of Bounds (1.x) / Attribute Single Valued (2.x), Non Unique Name Attribute (2.x), Attribute Read Only (2.x).
/// </summary>
public sealed class CreateOperation : KmipOperation
{
    public override Operation Operation => Operation.Create;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var type = payload.Required(Tag.ObjectType).AsEnumOf<ObjectType>();
        if (type != ObjectType.SymmetricKey)
            throw new KmipException(ResultReason.InvalidField, $"Create makes symmetric keys; {type} is not supported here (use Register or Create Key Pair)");
        var attributes = AttributeCodec.FromRequest(payload.Child(ctx.Version.IsV2 ? Tag.Attributes : Tag.TemplateAttribute), ctx.Version);
        var obj = Build(ctx, attributes);
        ctx.Changes.Add(obj);
        ctx.IdPlaceholder = obj.Id;
        return Payload(TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey), Id(obj.Id));
    }

    /// <summary>Builds a symmetric key from creation attributes (also used by Re-key).</summary>
    public static ManagedObject Build(RequestContext ctx, IReadOnlyList<StoredAttribute> attributes)
    {
        var obj = ObjectFactory.New(ctx, ObjectType.SymmetricKey);
        ObjectFactory.ApplyClientAttributes(ctx, obj, attributes);
        ObjectFactory.ApplyCreatedKeyState(ctx, obj);
        var algNode = obj.Get(AttributeNames.CryptographicAlgorithm)
                      ?? throw new KmipException(ResultReason.InvalidField, "Cryptographic Algorithm is required to create a symmetric key");
        var lenNode = obj.Get(AttributeNames.CryptographicLength)
                      ?? throw new KmipException(ResultReason.InvalidField, "Cryptographic Length is required to create a symmetric key");
        if (algNode.Type != ItemType.Enumeration || lenNode.Type != ItemType.Integer)
            throw new KmipException(ResultReason.InvalidField, "Cryptographic Algorithm must be an Enumeration and Cryptographic Length an Integer");
        var alg = algNode.AsEnumOf<CryptographicAlgorithm>();
        int length = lenNode.AsInt32;
        obj.Value = ObjectFactory.SymmetricKey(ObjectFactory.GenerateSymmetricKey(alg, length), alg, length);
        ObjectFactory.SetServerKeyAttributes(obj, ctx);
        obj.Set(AttributeNames.RandomNumberGenerator, ObjectFactory.RandomNumberGeneratorAttribute);
        Lifecycle.ApplyDueTransitions(obj, ctx.Now);
        return obj;
    }
}
