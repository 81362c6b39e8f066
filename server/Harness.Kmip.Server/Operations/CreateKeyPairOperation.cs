using Harness.Kmip.Server.Cryptography;
using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Create Key Pair (KMIP 1.4 §4.2, 2.1 §6.1.9): a new private key and public key, linked to each other (Private Key
/// Link, Public Key Link). Each key takes the common attributes (Common Template-Attribute in 1.x, Common Attributes in
/// 2.x) and its own (Private / Public Key Template-Attribute or Attributes), its own winning; Cryptographic Algorithm
/// and Length (or Recommended Curve) are required. RSA (1024 to 8192 bits) and EC on the curves of
/// <see cref="AsymmetricKeys"/>; the keys are Pre-Active unless an Activation Date (or the server's policy) says otherwise.
/// Result Reasons: Invalid Field (no or unsupported algorithm, length or curve; attribute values; duplicate Name in
/// 1.x), Feature Not Supported (an algorithm this server does not make pairs of), Attribute Single Valued, Non Unique
/// Name Attribute, Attribute Read Only (2.x), Index Out of Bounds (1.x), Item Not Found (templates).
/// </summary>
public sealed class CreateKeyPairOperation : KmipOperation
{
    public override Operation Operation => Operation.CreateKeyPair;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var v2 = ctx.Version.IsV2;
        List<StoredAttribute> Read(Tag v1, Tag v2Tag) => ctx.RequestAttributes(payload.Child(v2 ? v2Tag : v1));
        var common = Read(Tag.CommonTemplateAttribute, Tag.CommonAttributes);
        var privateOwn = Read(Tag.PrivateKeyTemplateAttribute, Tag.PrivateKeyAttributes);
        var publicOwn = Read(Tag.PublicKeyTemplateAttribute, Tag.PublicKeyAttributes);

        var (privateKey, publicKey) = BuildPair(ctx, Merge(common, privateOwn), Merge(common, publicOwn));
        foreach (var key in new[] { privateKey, publicKey }) ctx.AddNew(key);
        // The ID Placeholder names the private key (KMIP 1.4 §4.2; 2.1 §6.1.9).
        ctx.IdPlaceholder = privateKey.Id;
        return new Payloads.CreateKeyPairResponse(privateKey.Id, publicKey.Id).ToNode();
    }

    /// <summary>
    /// A new key pair from each key's attributes (also used by Re-key Key Pair): generated, with the server's attributes,
    /// linked to each other, its state due; not yet added to the request's changes.
    /// </summary>
    internal static (ManagedObject Private, ManagedObject Public) BuildPair(RequestContext ctx, List<StoredAttribute> privateAttributes, List<StoredAttribute> publicAttributes)
    {
        var privateKey = Build(ctx, ObjectType.PrivateKey, privateAttributes);
        var publicKey = Build(ctx, ObjectType.PublicKey, publicAttributes);
        var algorithm = Required(privateKey, AttributeNames.CryptographicAlgorithm, ItemType.Enumeration).AsEnumOf<CryptographicAlgorithm>();
        if (publicKey.Get(AttributeNames.CryptographicAlgorithm) is { } other && other.AsEnumOf<CryptographicAlgorithm>() != algorithm)
            throw new KmipException(ResultReason.InvalidField, $"the private key is to be {algorithm} but the public key {other.AsEnumOf<CryptographicAlgorithm>()}");
        var length = privateKey.Get(AttributeNames.CryptographicLength) is { Type: ItemType.Integer } len ? len.AsInt32 : (int?)null;
        // The curve of an EC pair: Cryptographic Domain Parameters' Recommended Curve (KMIP 1.4 §3.7, 2.1 §4.14).
        var curve = privateKey.Get(AttributeNames.CryptographicDomainParameters)?.Child(Tag.RecommendedCurve) is { Type: ItemType.Enumeration } c
            ? c.AsEnumOf<RecommendedCurve>() : (RecommendedCurve?)null;
        var pair = AsymmetricKeys.Generate(algorithm, length, curve);

        privateKey.Value = ObjectFactory.Key(Tag.PrivateKey, pair.PrivateFormat, pair.PrivateKey, algorithm, pair.Length);
        publicKey.Value = ObjectFactory.Key(Tag.PublicKey, pair.PublicFormat, pair.PublicKey, algorithm, pair.Length);
        foreach (var key in new[] { privateKey, publicKey })
        {
            key.Set(AttributeNames.CryptographicAlgorithm, TtlvNode.Enumeration(Tag.AttributeValue, algorithm));
            key.Set(AttributeNames.CryptographicLength, TtlvNode.Integer(Tag.AttributeValue, pair.Length));
            ObjectFactory.SetServerKeyAttributes(key, ctx);
            key.Set(AttributeNames.RandomNumberGenerator, ObjectFactory.RandomNumberGeneratorAttribute);
        }
        privateKey.Add(AttributeNames.Link, ObjectFactory.Link(LinkType.PublicKeyLink, publicKey.Id));
        publicKey.Add(AttributeNames.Link, ObjectFactory.Link(LinkType.PrivateKeyLink, privateKey.Id));
        foreach (var key in new[] { privateKey, publicKey }) Lifecycle.ApplyDueTransitions(key, ctx.Now);
        return (privateKey, publicKey);
    }

    /// <summary>The common attributes with the key's own: a single-valued one of the key's replaces the common one.</summary>
    internal static List<StoredAttribute> Merge(List<StoredAttribute> common, List<StoredAttribute> own) =>
        common.Where(a => AttributeNames.IsMultiInstance(a.FullName) || !own.Any(o => o.FullName == a.FullName)).Concat(own).ToList();

    private static ManagedObject Build(RequestContext ctx, ObjectType type, List<StoredAttribute> attributes)
    {
        var key = ObjectFactory.New(ctx, type);
        ObjectFactory.ApplyClientAttributes(ctx, key, attributes);
        ObjectFactory.ApplyCreatedKeyState(ctx, key);
        return key;
    }

    private static TtlvNode Required(ManagedObject key, string name, ItemType type) =>
        key.Get(name) is { } value && value.Type == type ? value
        : throw new KmipException(ResultReason.InvalidField, $"{name} is required to create a key pair{(key.Get(name) is null ? "" : $" and must be an {type}")}");
}
