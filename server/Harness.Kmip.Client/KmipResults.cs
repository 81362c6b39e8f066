namespace Harness.Kmip.Client;

/// <summary>What Query returned (1.4 §4.25): the lists most callers look at, and the whole payload.</summary>
public sealed record KmipQueryResult(
    IReadOnlyList<Operation> Operations,
    IReadOnlyList<ObjectType> ObjectTypes,
    string? VendorIdentification,
    TtlvNode Payload)
{
    public static KmipQueryResult Parse(TtlvNode payload) => new(
        payload.ChildrenOf(Tag.Operation).Select(o => o.AsEnumOf<Operation>()).ToList(),
        payload.ChildrenOf(Tag.ObjectType).Select(o => o.AsEnumOf<ObjectType>()).ToList(),
        payload.Child(Tag.VendorIdentification)?.AsText,
        payload);
}

/// <summary>A managed object as Get returned it (1.4 §4.11): Object Type, Unique Identifier and the object structure.</summary>
public sealed record KmipManagedObject(ObjectType ObjectType, string UniqueIdentifier, TtlvNode Object)
{
    public static KmipManagedObject Parse(TtlvNode payload)
    {
        var type = payload.Required(Tag.ObjectType).AsEnumOf<ObjectType>();
        var id = payload.Required(Tag.UniqueIdentifier).AsText;
        var obj = payload.Items.FirstOrDefault(i => i.Type == ItemType.Structure)
                  ?? throw new KmipException(ResultReason.InvalidMessage, $"the Get response for '{id}' carries no object");
        return new KmipManagedObject(type, id, obj);
    }

    public TtlvNode? KeyBlock => Object.Child(Tag.KeyBlock);

    public KeyFormatType? KeyFormatType => KeyBlock?.Child(Tag.KeyFormatType)?.AsEnumOf<KeyFormatType>();

    public CryptographicAlgorithm? CryptographicAlgorithm => KeyBlock?.Child(Tag.CryptographicAlgorithm)?.AsEnumOf<CryptographicAlgorithm>();

    public int? CryptographicLength => KeyBlock?.Child(Tag.CryptographicLength)?.AsInt32;

    /// <summary>The key bytes of an unwrapped key in Raw/Opaque/PKCS format (Key Block / Key Value / Key Material);
    /// null when the key is wrapped or in a transparent (structured) format.</summary>
    public byte[]? KeyMaterial =>
        KeyBlock?.Child(Tag.KeyValue) is { Type: ItemType.Structure } value &&
        value.Child(Tag.KeyMaterial) is { Type: ItemType.ByteString } material
            ? material.AsBytes
            : null;
}
