using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Register (KMIP 1.4 §4.3, 2.1 §6.1.46): stores a client-supplied object: symmetric key, secret data, opaque object,
/// certificate, public or private key (one in a format the server reads must parse as that format). Result Reasons:
/// Invalid Field (unknown type, type not matching the object, key material that does not parse as its format,
/// attribute values, duplicate Name in 1.x), Item Not Found (templates), Index Out of Bounds / Attribute Single Valued,
/// Non Unique Name Attribute (2.x).
/// </summary>
public sealed class RegisterOperation : KmipOperation
{
    public override Operation Operation => Operation.Register;
    public override bool Changes => true;

    private static readonly Dictionary<ObjectType, Tag> ObjectTags = new()
    {
        [ObjectType.SymmetricKey] = Tag.SymmetricKey,
        [ObjectType.SecretData] = Tag.SecretData,
        [ObjectType.OpaqueObject] = Tag.OpaqueObject,
        [ObjectType.Certificate] = Tag.Certificate,
        [ObjectType.PublicKey] = Tag.PublicKey,
        [ObjectType.PrivateKey] = Tag.PrivateKey,
        [ObjectType.SplitKey] = Tag.SplitKey,
    };

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var type = payload.Required(Tag.ObjectType).AsEnumOf<ObjectType>();
        if (!ObjectTags.TryGetValue(type, out var tag))
            throw new KmipException(ResultReason.InvalidField, $"objects of type {type} cannot be registered");
        var value = payload.Child(tag);
        if (value is null)
        {
            var other = ObjectTags.Values.FirstOrDefault(t => payload.Child(t) is not null);
            throw new KmipException(ResultReason.InvalidField, other == Tag.Unknown
                ? $"the payload holds no {TagNames.Name((int)tag)} object"
                : $"Object Type is {type} but the payload holds a {TagNames.Name((int)other)}");
        }
        CheckObject(type, value);
        var attributes = AttributeCodec.FromRequest(payload.Child(ctx.Version.IsV2 ? Tag.Attributes : Tag.TemplateAttribute), ctx.Version);
        var obj = ObjectFactory.New(ctx, type);
        obj.Value = value;
        ObjectFactory.ApplyClientAttributes(ctx, obj, attributes);
        ObjectFactory.CopyKeyBlockAttributes(obj);
        ObjectFactory.SetServerKeyAttributes(obj, ctx);
        Lifecycle.ApplyDueTransitions(obj, ctx.Now);
        ctx.Changes.Add(obj);
        ctx.IdPlaceholder = obj.Id;
        return Payload(Id(obj.Id));
    }

    private static void CheckObject(ObjectType type, TtlvNode value)
    {
        switch (type)
        {
            case ObjectType.SymmetricKey or ObjectType.PublicKey or ObjectType.PrivateKey or ObjectType.SecretData or ObjectType.SplitKey:
                var kb = value.Required(Tag.KeyBlock);
                kb.Required(Tag.KeyFormatType);
                if (kb.Child(Tag.KeyValue) is null)
                    throw new KmipException(ResultReason.InvalidField, "the Key Block has no Key Value");
                if (type == ObjectType.SecretData) value.Required(Tag.SecretDataType);
                // A public or private key in a format the server reads must parse now, not at its first use.
                if (type is ObjectType.PublicKey or ObjectType.PrivateKey && kb.Child(Tag.KeyWrappingData) is null
                    && (type == ObjectType.PrivateKey ? Cryptography.AsymmetricKeys.PrivateFormats : Cryptography.AsymmetricKeys.PublicFormats)
                        .Contains(kb.Required(Tag.KeyFormatType).AsEnumOf<KeyFormatType>()))
                    Cryptography.AsymmetricKeys.Read(kb, type == ObjectType.PrivateKey, $"the {type} to register");
                break;
            case ObjectType.OpaqueObject:
                value.Required(Tag.OpaqueDataType);
                value.Required(Tag.OpaqueDataValue);
                break;
            case ObjectType.Certificate:
                value.Required(Tag.CertificateType);
                value.Required(Tag.CertificateValue);
                break;
        }
    }
}
