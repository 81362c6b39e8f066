using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Get (KMIP 1.4 §4.11, 2.1 §6.1.23): returns the object, a key in the Key Format Type asked for (<see cref="KeyFormats"/>).
/// A key registered wrapped comes back as registered, or unwrapped (Key Wrap Type Not Wrapped, or to convert or wrap it
/// anew; <see cref="KeyWrapping"/>).
/// Result Reasons: Item Not Found (no such object, or another client's), Key Value Not Present (registered without
/// its material), Key Format Type Not Supported, Object
/// Destroyed (2.x; Item Not Found in 1.x), Permission Denied (a key the KMS administrator has deactivated), Invalid
/// Field (As Registered with a Key Wrapping Specification), and the Result Reasons of wrapping and unwrapping.
/// </summary>
public sealed class GetOperation : KmipOperation
{
    public override Operation Operation => Operation.Get;

    /// <summary>The first Get of an object clears its Fresh attribute (KMIP 1.4 §3.34), a change to store.</summary>
    public override bool MayChange(KmsState kms, TtlvNode payload) =>
        payload.Child(Tag.UniqueIdentifier) is not { Type: ItemType.TextString } id
        || kms.Store.Find(id.AsText)?.Get(AttributeNames.Fresh) is { Type: ItemType.Boolean, AsBoolean: true };

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var obj = ctx.Lookup(payload);
        if (obj.Value is null || Lifecycle.IsDestroyed(obj.State))
            throw new KmipException(ctx.Version.IsV2 ? ResultReason.ObjectDestroyed : ResultReason.ItemNotFound,
                obj.Has(Administration.ShreddedAttribute)
                    ? $"the key material of '{obj.Id}' was crypto-shredded: the KMS's root key was deleted"
                    : $"object '{obj.Id}' is destroyed: only its attributes remain");
        Administration.ThrowIfDisabled(obj);
        if (obj.Value.Child(Tag.KeyBlock) is { } block && block.Child(Tag.KeyValue) is null)
            throw new KmipException(ResultReason.KeyValueNotPresent, $"'{obj.Id}' was registered without its key material: Import it (Replace Existing) first");
        var wrapping = payload.Child(Tag.KeyWrappingSpecification);
        // KMIP 2.1 §4.51, §4.20: a Sensitive key leaves the server only wrapped; a non-Extractable one never.
        if (wrapping is null && obj.Get(AttributeNames.Sensitive) is { Type: ItemType.Boolean, AsBoolean: true })
            throw new KmipException(ctx.Version.IsV2 ? ResultReason.Sensitive : ResultReason.PermissionDenied, $"'{obj.Id}' is Sensitive: it can only be returned wrapped");
        if (obj.Get(AttributeNames.Extractable) is { Type: ItemType.Boolean, AsBoolean: false })
            throw new KmipException(ctx.Version.IsV2 ? ResultReason.NotExtractable : ResultReason.PermissionDenied, $"'{obj.Id}' is not Extractable");
        if (ctx.HoldsWriteLock && obj.Get(AttributeNames.Fresh) is { Type: ItemType.Boolean, AsBoolean: true })
            ctx.Edit(obj).Set(AttributeNames.Fresh, TtlvNode.Boolean(Tag.AttributeValue, false));
        var value = obj.Value;
        // A key registered wrapped is given as registered, unless Key Wrap Type asks for it Not Wrapped, or it is to
        // be converted or wrapped anew: then the server unwraps it with the client's keys.
        var wrapType = payload.Child(Tag.KeyWrapType)?.AsEnumOf<KeyWrapType>();
        var format = payload.Child(Tag.KeyFormatType)?.AsEnumOf<KeyFormatType>();
        if (KeyWrapping.IsWrapped(value) && wrapType != KeyWrapType.AsRegistered
            && (wrapType == KeyWrapType.NotWrapped || wrapping is not null || format is { } f && f != value.Required(Tag.KeyBlock).Required(Tag.KeyFormatType).AsEnumOf<KeyFormatType>()))
            value = KeyWrapping.Unwrap(ctx, value, $"'{obj.Id}'");
        else if (wrapType == KeyWrapType.AsRegistered && wrapping is not null)
            throw new KmipException(ResultReason.InvalidField, "Key Wrap Type As Registered and a Key Wrapping Specification ask for two different key values");
        if (format == KeyFormatType.PKCS_12)
            value = KeyFormats.WithMaterial(value, KeyFormatType.PKCS_12, TtlvNode.Bytes(Tag.KeyMaterial, Pkcs12Containers.Container(ctx, obj)));
        else if (format is { } wanted)
            value = KeyFormats.Convert(value, wanted, obj.Id);
        if (payload.Child(Tag.KeyCompressionType) is not null && obj.ObjectType == ObjectType.SymmetricKey)
            throw new KmipException(ResultReason.KeyCompressionTypeNotSupported, "symmetric keys have no compression type");
        if (wrapping is not null) value = KeyWrapping.Wrap(ctx, obj, value, wrapping);
        return Payload(TtlvNode.Enumeration(Tag.ObjectType, obj.ObjectType), Id(obj.Id), value);
    }
}

/// <summary>
/// Key format conversion (KMIP 1.4 §2.1.3, §2.1.7): Raw ↔ Transparent Symmetric Key for symmetric keys; for public and
/// private keys, between every format <see cref="Cryptography.AsymmetricKeys"/> reads and writes (PKCS#1, PKCS#8, SEC1,
/// SubjectPublicKeyInfo, Transparent RSA, DSA and EC).
/// </summary>
public static class KeyFormats
{
    public static TtlvNode Convert(TtlvNode objectValue, KeyFormatType wanted, string id)
    {
        var kb = objectValue.Child(Tag.KeyBlock);
        if (kb is null)
            throw new KmipException(ResultReason.KeyFormatTypeNotSupported, $"this object has no key block to return in {wanted} format");
        var current = kb.Required(Tag.KeyFormatType).AsEnumOf<KeyFormatType>();
        if (current == wanted) return objectValue;
        var keyValue = kb.Required(Tag.KeyValue);
        var material = keyValue.Required(Tag.KeyMaterial);
        TtlvNode newMaterial;
        if (objectValue.Tag is Tag.PrivateKey or Tag.PublicKey)
        {
            bool isPrivate = objectValue.Tag == Tag.PrivateKey;
            if (!(isPrivate ? Cryptography.AsymmetricKeys.PrivateFormats : Cryptography.AsymmetricKeys.PublicFormats).Contains(current))
                throw new KmipException(ResultReason.KeyFormatTypeNotSupported, $"'{id}' is held in {current}, which this server does not convert");
            if (kb.Child(Tag.KeyWrappingData) is not null)
                throw new KmipException(ResultReason.KeyFormatTypeNotSupported, $"'{id}' was registered wrapped: the server cannot convert its key material");
            newMaterial = Cryptography.AsymmetricKeys.Write(Cryptography.AsymmetricKeys.Read(kb, isPrivate, id), wanted);
        }
        else if (current == KeyFormatType.Raw && wanted == KeyFormatType.TransparentSymmetricKey && material.Type == ItemType.ByteString)
            newMaterial = TtlvNode.Structure(Tag.KeyMaterial, TtlvNode.Bytes(Tag.Key, material.AsBytes));
        else if (current == KeyFormatType.TransparentSymmetricKey && wanted == KeyFormatType.Raw && material.Child(Tag.Key) is { } key)
            newMaterial = TtlvNode.Bytes(Tag.KeyMaterial, key.AsBytes);
        else
            throw new KmipException(ResultReason.KeyFormatTypeNotSupported, $"cannot convert a {current} key to {wanted}");
        return WithMaterial(objectValue, wanted, newMaterial);
    }

    /// <summary>The object with its Key Block's Key Format Type and Key Material replaced (the other fields kept).</summary>
    public static TtlvNode WithMaterial(TtlvNode objectValue, KeyFormatType format, TtlvNode material)
    {
        var kb = objectValue.Required(Tag.KeyBlock);
        var newKeyValue = TtlvNode.Structure(Tag.KeyValue, kb.Required(Tag.KeyValue).Items.Select(c => c.Tag == Tag.KeyMaterial ? material : c));
        var newBlock = TtlvNode.Structure(Tag.KeyBlock, kb.Items.Select(c => c.Tag switch
        {
            Tag.KeyFormatType => TtlvNode.Enumeration(Tag.KeyFormatType, format),
            Tag.KeyValue => newKeyValue,
            _ => c,
        }));
        return TtlvNode.Structure(objectValue.RawTag, objectValue.Items.Select(c => c.Tag == Tag.KeyBlock ? newBlock : c));
    }
}
