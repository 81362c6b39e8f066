using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Create (KMIP 1.4 §4.1, 2.1 §6.1.7): a new symmetric key (or, from 2.0, Secret Data), Pre-Active unless an Activation Date says otherwise
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
        if (type != ObjectType.SymmetricKey && !(type == ObjectType.SecretData && ctx.Version.IsV2))
            throw new KmipException(ResultReason.InvalidField, type == ObjectType.SecretData
                ? "Create makes Secret Data from KMIP 2.0 on; under 1.x it makes symmetric keys (Register secret data instead)"
                : $"Create makes symmetric keys (and, from 2.0, Secret Data); {type} is not supported here (use Register or Create Key Pair)");
        var attributes = ctx.RequestAttributes(payload.Child(ctx.Version.IsV2 ? Tag.Attributes : Tag.TemplateAttribute));
        var obj = type == ObjectType.SecretData ? BuildSecretData(ctx, attributes) : Build(ctx, attributes);
        ctx.AddNew(obj);
        ctx.IdPlaceholder = obj.Id;
        return Payload(TtlvNode.Enumeration(Tag.ObjectType, type), Id(obj.Id));
    }

    /// <summary>
    /// Secret Data of random bytes (KMIP 2.1 §6.1.7), as long as the Cryptographic Length (bits, whole bytes, up to 64 KiB),
    /// of Secret Data Type Seed, with the request's attributes.
    /// </summary>
    private static ManagedObject BuildSecretData(RequestContext ctx, IReadOnlyList<StoredAttribute> attributes)
    {
        var obj = ObjectFactory.New(ctx, ObjectType.SecretData);
        ObjectFactory.ApplyClientAttributes(ctx, obj, attributes);
        ObjectFactory.ApplyCreatedKeyState(ctx, obj);
        int bits = obj.Get(AttributeNames.CryptographicLength) is { Type: ItemType.Integer } l ? l.AsInt32
            : throw new KmipException(ResultReason.InvalidField, "Cryptographic Length is required to create Secret Data");
        if (bits <= 0 || bits % 8 != 0 || bits > 8 * 65536)
            throw new KmipException(ResultReason.InvalidField, $"Secret Data is made in whole bytes, up to 64 KiB: not {bits} bits");
        obj.Value = ObjectFactory.SecretData(System.Security.Cryptography.RandomNumberGenerator.GetBytes(bits / 8), SecretDataType.Seed);
        ObjectFactory.SetServerKeyAttributes(obj, ctx);
        obj.Set(AttributeNames.RandomNumberGenerator, ObjectFactory.RandomNumberGeneratorAttribute);
        Lifecycle.ApplyDueTransitions(obj, ctx.Now);
        return obj;
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
