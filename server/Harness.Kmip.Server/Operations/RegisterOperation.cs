using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Register (KMIP 1.4 §4.3, 2.1 §6.1.46): stores a client-supplied object: symmetric key, secret data, opaque object,
/// certificate, certificate request (2.x; its PKCS#10 request must verify), key without its Key Value (material to come by Import), template (1.x: the attributes objects made
/// with it by name receive, <see cref="RequestContext.RequestAttributes"/>), PGP key (kept as given), public or private key (a private key in
/// PKCS#12 is kept as the PKCS#8 key in the container: <see cref="Pkcs12Containers.Open"/>) (one in a format the server reads must parse as that format). A wrapped key is
/// stored as registered; when its wrapping keys are the client's on the server, it is unwrapped first to check it (its
/// MAC or signature too). Result Reasons:
/// Invalid Field (unknown type, type not matching the object, key material that does not parse as its format,
/// attribute values, duplicate Name in 1.x, a Template attribute the client cannot set), Invalid Object Type (a Template
/// under 2.x), Item Not Found (a named Template that does not exist), Index Out of Bounds / Attribute Single Valued,
/// Non Unique Name Attribute (2.x), and those of unwrapping (<see cref="KeyWrapping"/>).
/// </summary>
public sealed class RegisterOperation : KmipOperation
{
    public override Operation Operation => Operation.Register;
    public override bool Changes => true;

    internal static readonly Dictionary<ObjectType, Tag> ObjectTags = new()
    {
        [ObjectType.SymmetricKey] = Tag.SymmetricKey,
        [ObjectType.SecretData] = Tag.SecretData,
        [ObjectType.OpaqueObject] = Tag.OpaqueObject,
        [ObjectType.Certificate] = Tag.Certificate,
        [ObjectType.PublicKey] = Tag.PublicKey,
        [ObjectType.PrivateKey] = Tag.PrivateKey,
        [ObjectType.SplitKey] = Tag.SplitKey,
        [ObjectType.CertificateRequest] = Tag.CertificateRequest,
        [ObjectType.Template] = Tag.Template,
        [ObjectType.PGPKey] = Tag.PGPKey,
    };

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var type = payload.Required(Tag.ObjectType).AsEnumOf<ObjectType>();
        if (!ObjectTags.TryGetValue(type, out var tag))
            throw new KmipException(ResultReason.InvalidField, $"objects of type {type} cannot be registered");
        if (type == ObjectType.CertificateRequest && !ctx.Version.IsV2)
            throw new KmipException(ResultReason.InvalidField, "Certificate Request objects are KMIP 2.0's: under 1.x, Certify takes the request in its payload");
        if (type == ObjectType.Template && ctx.Version.IsV2)
            throw new KmipException(ResultReason.InvalidObjectType, "Templates are KMIP 1.x objects (2.0 removed them): give the attributes themselves");
        var value = payload.Child(tag);
        if (value is null)
        {
            var other = ObjectTags.Values.FirstOrDefault(t => payload.Child(t) is not null);
            throw new KmipException(ResultReason.InvalidField, other == Tag.Unknown
                ? $"the payload holds no {TagNames.Name((int)tag)} object"
                : $"Object Type is {type} but the payload holds a {TagNames.Name((int)other)}");
        }
        CheckObject(ctx, type, value);
        var attributes = ctx.RequestAttributes(payload.Child(ctx.Version.IsV2 ? Tag.Attributes : Tag.TemplateAttribute));
        var obj = ObjectFactory.New(ctx, type);
        obj.Value = value;
        ObjectFactory.ApplyClientAttributes(ctx, obj, attributes);
        if (type == ObjectType.PrivateKey && value.Required(Tag.KeyBlock).Required(Tag.KeyFormatType).AsEnumOf<KeyFormatType>() == KeyFormatType.PKCS_12)
            obj.Value = Pkcs12Containers.Open(ctx, obj);
        ObjectFactory.CopyKeyBlockAttributes(obj);
        ObjectFactory.SetServerKeyAttributes(obj, ctx);
        Lifecycle.ApplyDueTransitions(obj, ctx.Now);
        ctx.AddNew(obj);
        ctx.IdPlaceholder = obj.Id;
        return Payload(Id(obj.Id));
    }

    internal static void CheckObject(RequestContext ctx, ObjectType type, TtlvNode value)
    {
        switch (type)
        {
            case ObjectType.SymmetricKey or ObjectType.PublicKey or ObjectType.PrivateKey or ObjectType.SecretData or ObjectType.SplitKey:
                var kb = value.Required(Tag.KeyBlock);
                kb.Required(Tag.KeyFormatType);
                if (type == ObjectType.SecretData) value.Required(Tag.SecretDataType);
                // A Key Block without its Key Value registers the object's attributes for its material to come later
                // (Import with Replace Existing); until then it answers Key Value Not Present.
                if (kb.Child(Tag.KeyValue) is null) break;
                // A wrapped key whose wrapping keys are this client's on the server is unwrapped now, to check it
                // (it is stored as registered); one wrapped by keys the server does not hold is kept as it is.
                if (KeyWrapping.IsWrapped(value))
                {
                    if (KeyWrapping.MissingKey(ctx, value) is not null) break;
                    value = KeyWrapping.Unwrap(ctx, value, $"the {type} to register");
                    kb = value.Required(Tag.KeyBlock);
                }
                // A public or private key in a format the server reads must parse now, not at its first use.
                if (type is ObjectType.PublicKey or ObjectType.PrivateKey
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
            case ObjectType.PGPKey:
                // KMIP 1.4 §2.2.9: the PGP Key Version and a Key Block holding the OpenPGP key (kept as given).
                if (value.Required(Tag.PGPKeyVersion).Type != ItemType.Integer)
                    throw new KmipException(ResultReason.InvalidField, "PGP Key Version is an Integer");
                value.Required(Tag.KeyBlock).Required(Tag.KeyFormatType);
                if (value.Required(Tag.KeyBlock).Child(Tag.KeyValue) is null)
                    throw new KmipException(ResultReason.InvalidField, "the PGP Key's Key Block has no Key Value");
                break;
            case ObjectType.Template:
                // The attributes a Template gives the objects made with it (KMIP 1.4 §2.2.6): client-settable attributes only.
                foreach (var child in value.Children)
                {
                    if (child.Tag != Tag.Attribute)
                        throw new KmipException(ResultReason.InvalidField, $"a Template holds Attribute structures, not {TagNames.Name(child.RawTag)}");
                    var name = Objects.AttributeCodec.FromAttributeStructure(child).FullName;
                    if (!Objects.AttributeNames.IsKnown(name) || (Objects.AttributeNames.IsReadOnly(name) && !Objects.AttributeNames.ClientMaySupplyAtCreation(name)))
                        throw new KmipException(ResultReason.InvalidField, $"'{name}' is not an attribute a Template can give");
                }
                break;
            case ObjectType.CertificateRequest:
                // A request the server could not certify is refused now (Invalid CSR), not at Certify.
                CertifyOperation.ReadRequest(ctx, value.Required(Tag.CertificateRequestType).AsEnumOf<CertificateRequestType>(), value.Required(Tag.CertificateRequestValue).AsBytes);
                break;
        }
    }
}
