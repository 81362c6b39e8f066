using System.Numerics;
using Harness.Kmip.Server.Cryptography;
using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Create Split Key (KMIP 1.4 §4.38, 2.1 §6.1.12): the client's symmetric key or Secret Data (the Unique Identifier), or
/// a new symmetric key made from the request's attributes, split into Split Key Parts Split Key objects of which Split
/// Key Threshold rebuild it (<see cref="SecretSharing"/>). Each part carries the key's algorithm and length and the
/// request's attributes, a Parent Link to a split key that is a managed object (which gets a Child Link to each part);
/// the ID Placeholder names part 1.
/// Result Reasons: Item Not Found (1.x) / Object Not Found (2.x); Invalid Field (parts, threshold, a prime that is not
/// above the key, an object type other than Split Key, a key that is not raw bytes); Invalid Object Type (2.x; Permission
/// Denied in 1.x) for an object that is not a symmetric key or Secret Data; Feature Not Supported.
/// </summary>
public sealed class CreateSplitKeyOperation : KmipOperation
{
    public override Operation Operation => Operation.CreateSplitKey;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var v2 = ctx.Version.IsV2;
        var type = payload.Required(Tag.ObjectType).AsEnumOf<ObjectType>();
        if (type != ObjectType.SplitKey)
            throw new KmipException(ResultReason.InvalidField, $"Create Split Key makes Split Key objects, not a {type}");
        int parts = payload.Required(Tag.SplitKeyParts).AsInt32, threshold = payload.Required(Tag.SplitKeyThreshold).AsInt32;
        var method = payload.Required(Tag.SplitKeyMethod).AsEnumOf<SplitKeyMethod>();
        var primeNode = payload.Child(Tag.PrimeFieldSize);
        BigInteger? prime = primeNode is null ? null : new BigInteger(primeNode.AsBytes, isUnsigned: false, isBigEndian: true);
        var attributes = ctx.RequestAttributes(payload.Child(v2 ? Tag.Attributes : Tag.TemplateAttribute));

        ManagedObject? key = null;
        byte[] secret;
        CryptographicAlgorithm? algorithm;
        if (payload.Child(Tag.UniqueIdentifier) is not null)
        {
            key = ctx.Lookup(payload);
            if (key.ObjectType is not (ObjectType.SymmetricKey or ObjectType.SecretData) || key.Value is null || Lifecycle.IsDestroyed(key.State))
                throw new KmipException(v2 ? ResultReason.InvalidObjectType : ResultReason.PermissionDenied,
                    $"'{key.Id}' is a {key.State} {key.ObjectType}: Create Split Key splits a symmetric key or Secret Data that holds its material");
            secret = key.Value.Required(Tag.KeyBlock).Required(Tag.KeyValue).Required(Tag.KeyMaterial) is { Type: ItemType.ByteString } m ? m.AsBytes
                : throw new KmipException(ResultReason.InvalidField, $"'{key.Id}' is not held as raw bytes");
            algorithm = key.Get(AttributeNames.CryptographicAlgorithm)?.AsEnumOf<CryptographicAlgorithm>();
        }
        else
        {
            // A new key to split: its algorithm and length from the request's attributes, as Create would make it.
            algorithm = attributes.FirstOrDefault(a => a.FullName == AttributeNames.CryptographicAlgorithm)?.Value.AsEnumOf<CryptographicAlgorithm>()
                        ?? throw new KmipException(ResultReason.InvalidField, "Cryptographic Algorithm is required to create a key to split");
            int bits = attributes.FirstOrDefault(a => a.FullName == AttributeNames.CryptographicLength)?.Value.AsInt32
                       ?? throw new KmipException(ResultReason.InvalidField, "Cryptographic Length is required to create a key to split");
            secret = ObjectFactory.GenerateSymmetricKey(algorithm.Value, bits);
        }
        var shares = SecretSharing.Split(secret, parts, threshold, method, prime);

        var ids = new List<string>();
        for (int i = 0; i < parts; i++)
        {
            var part = ObjectFactory.New(ctx, ObjectType.SplitKey);
            ObjectFactory.ApplyClientAttributes(ctx, part, attributes.Where(a => a.FullName is not (AttributeNames.CryptographicAlgorithm or AttributeNames.CryptographicLength)).ToList());
            part.Value = TtlvNode.Structure(Tag.SplitKey,
                TtlvNode.Integer(Tag.SplitKeyParts, parts), TtlvNode.Integer(Tag.KeyPartIdentifier, i + 1),
                TtlvNode.Integer(Tag.SplitKeyThreshold, threshold), TtlvNode.Enumeration(Tag.SplitKeyMethod, method),
                primeNode,
                TtlvNode.Structure(Tag.KeyBlock, TtlvNode.Enumeration(Tag.KeyFormatType, KeyFormatType.Raw),
                    TtlvNode.Structure(Tag.KeyValue, TtlvNode.Bytes(Tag.KeyMaterial, shares[i])),
                    algorithm is { } a ? TtlvNode.Enumeration(Tag.CryptographicAlgorithm, a) : null,
                    TtlvNode.Integer(Tag.CryptographicLength, secret.Length * 8)));
            ObjectFactory.CopyKeyBlockAttributes(part);
            ObjectFactory.SetServerKeyAttributes(part, ctx);
            if (key is not null)
            {
                part.Add(AttributeNames.Link, ObjectFactory.Link(LinkType.ParentLink, key.Id));
                var edited = ctx.Edit(key);
                edited.Add(AttributeNames.Link, ObjectFactory.Link(LinkType.ChildLink, part.Id));
                ctx.Touch(edited);
            }
            Lifecycle.ApplyDueTransitions(part, ctx.Now);
            ctx.AddNew(part);
            ids.Add(part.Id);
        }
        ctx.IdPlaceholder = ids[0];
        return Payload(ids.Select(Id));
    }
}
