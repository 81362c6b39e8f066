using System.Numerics;
using Harness.Kmip.Server.Cryptography;
using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Join Split Key (KMIP 1.4 §4.39, 2.1 §6.1.30): the Split Keys named (at least their Split Key Threshold, all of one
/// split: the same method, parts, threshold and length) rebuilt into a new Symmetric Key or Secret Data (of the Secret
/// Data Type asked, else Seed), with the parts' algorithm and length and the request's attributes; the ID Placeholder
/// names it.
/// Result Reasons: Item Not Found (1.x) / Object Not Found (2.x); Invalid Object Type (2.x; Permission Denied in 1.x)
/// for an object that is not a Split Key; Invalid Field (fewer parts than the threshold, parts of different splits or
/// the same part twice, an object type other than Symmetric Key or Secret Data); Cryptographic Failure (parts that do
/// not rebuild a key of their length).
/// </summary>
public sealed class JoinSplitKeyOperation : KmipOperation
{
    public override Operation Operation => Operation.JoinSplitKey;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var v2 = ctx.Version.IsV2;
        var type = payload.Required(Tag.ObjectType).AsEnumOf<ObjectType>();
        if (type is not (ObjectType.SymmetricKey or ObjectType.SecretData))
            throw new KmipException(ResultReason.InvalidField, $"Join Split Key makes a Symmetric Key or Secret Data, not a {type}");
        var parts = payload.ChildrenOf(Tag.UniqueIdentifier).Select(n => ctx.Lookup(n.AsText)).ToList();
        if (parts.Count == 0) throw new KmipException(ResultReason.InvalidField, "Join Split Key needs the Unique Identifiers of the split keys");
        foreach (var p in parts)
            if (p.ObjectType != ObjectType.SplitKey || p.Value is null)
                throw new KmipException(v2 ? ResultReason.InvalidObjectType : ResultReason.PermissionDenied, $"'{p.Id}' is a {p.ObjectType}, not a Split Key holding its share");
        var first = parts[0].Value!;
        string Shape(TtlvNode v) => $"{v.Required(Tag.SplitKeyMethod).AsEnum}/{v.Required(Tag.SplitKeyParts).AsInt32}/{v.Required(Tag.SplitKeyThreshold).AsInt32}/"
            + $"{Convert.ToHexString(v.Child(Tag.PrimeFieldSize)?.AsBytes ?? [])}/{v.Required(Tag.KeyBlock).Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes.Length}";
        if (parts.Any(p => Shape(p.Value!) != Shape(first)))
            throw new KmipException(ResultReason.InvalidField, "the split keys do not come from one split: their methods, parts, thresholds or lengths differ");
        int threshold = first.Required(Tag.SplitKeyThreshold).AsInt32;
        if (parts.Count < threshold)
            throw new KmipException(ResultReason.InvalidField, $"joining needs {threshold} split keys (the Split Key Threshold), not {parts.Count}");
        var method = first.Required(Tag.SplitKeyMethod).AsEnumOf<SplitKeyMethod>();
        BigInteger? prime = first.Child(Tag.PrimeFieldSize) is { } pf ? new BigInteger(pf.AsBytes, isUnsigned: false, isBigEndian: true) : null;
        var shares = parts.Select(p => (p.Value!.Required(Tag.KeyPartIdentifier).AsInt32,
            p.Value!.Required(Tag.KeyBlock).Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes)).ToList();
        var firstBlock = first.Required(Tag.KeyBlock);
        // The key's length is the Cryptographic Length the parts carry (a prime field share can be longer than the key).
        int length = firstBlock.Child(Tag.CryptographicLength)?.AsInt32 / 8 ?? firstBlock.Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes.Length;
        var secret = SecretSharing.Join(shares, method, prime, length);

        var attributes = ctx.RequestAttributes(payload.Child(v2 ? Tag.Attributes : Tag.TemplateAttribute));
        var obj = ObjectFactory.New(ctx, type);
        ObjectFactory.ApplyClientAttributes(ctx, obj, attributes);
        var algorithm = obj.Get(AttributeNames.CryptographicAlgorithm)?.AsEnumOf<CryptographicAlgorithm>()
                        ?? firstBlock.Child(Tag.CryptographicAlgorithm)?.AsEnumOf<CryptographicAlgorithm>();
        if (type == ObjectType.SymmetricKey)
        {
            obj.Value = ObjectFactory.SymmetricKey(secret, algorithm ?? throw new KmipException(ResultReason.InvalidField,
                "the split keys carry no Cryptographic Algorithm: give one to make a symmetric key"), secret.Length * 8);
            ObjectFactory.CopyKeyBlockAttributes(obj);
        }
        else
            obj.Value = ObjectFactory.SecretData(secret, payload.Child(Tag.SecretDataType)?.AsEnumOf<SecretDataType>() ?? SecretDataType.Seed);
        ObjectFactory.SetServerKeyAttributes(obj, ctx);
        Lifecycle.ApplyDueTransitions(obj, ctx.Now);
        ctx.AddNew(obj);
        ctx.IdPlaceholder = obj.Id;
        return Payload(Id(obj.Id));
    }
}
