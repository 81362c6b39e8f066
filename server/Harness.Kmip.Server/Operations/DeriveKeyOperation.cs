using System.Security.Cryptography;
using Harness.Kmip.Server.Cryptography;
using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Derive Key (KMIP 1.4 §4.6, 2.1 §6.1.20): a new Symmetric Key or Secret Data from the client's key or Secret Data
/// (Derive Key in its usage mask, Active) by a Derivation Method, registered with the attributes of the request (the
/// Cryptographic Length always; the Cryptographic Algorithm too for a key) and linked both ways (Derived Key Link,
/// Derivation Base Object Link). The Derivation Data is given in the Derivation Parameters, or by the identifier of a
/// Secret Data object after the key's, not both. Methods:
/// <list type="bullet">
/// <item>PBKDF2 (RFC 8018): HMAC with the Hashing Algorithm (SHA-1 when absent), the Salt and the Iteration Count, over
/// the base object's bytes as the password (BouncyCastle).</item>
/// <item>HASH: the digest of the Derivation Data, or of the key when there is none (not both).</item>
/// <item>HMAC: the HMAC of the Derivation Data under the key, with the key's HMAC algorithm, else the Hashing
/// Algorithm.</item>
/// <item>ENCRYPT: the Derivation Data encrypted under the key as Encrypt would, with the Initialization Vector.</item>
/// <item>NIST800-108-C (SP 800-108 counter mode): HMAC(key, [i]₃₂ ‖ Derivation Data), i = 1, 2, …; the Derivation Data
/// is the fixed input (Label ‖ 0x00 ‖ Context, with [L] when the client wants it), as PyKMIP does.</item>
/// <item>HKDF (RFC 5869, KMIP 2.x): extract with the Salt, expand with the Derivation Data as info (.NET).</item>
/// </list>
/// The derived bytes are the first Cryptographic Length bits of the output; a method that gives fewer is Invalid Field.
/// Result Reasons: Item Not Found (1.x) / Object Not Found (2.x); Permission Denied (1.x) / Incompatible Cryptographic
/// Usage Mask (2.x) without Derive Key; Wrong Key Lifecycle State (2.x); Invalid Object Type (2.x) for a base object
/// that is not a key or Secret Data; Invalid Field (missing length, algorithm, salt, iteration count or data; data
/// given twice; a length the method cannot give; an object type other than Symmetric Key or Secret Data); Feature Not
/// Supported (NIST800-108-F, -DPI, Asymmetric Key, AWS Signature Version 4); Cryptographic Failure.
/// </summary>
public sealed class DeriveKeyOperation : KmipOperation
{
    public override Operation Operation => Operation.DeriveKey;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var v2 = ctx.Version.IsV2;
        var type = payload.Required(Tag.ObjectType).AsEnumOf<ObjectType>();
        if (type is not (ObjectType.SymmetricKey or ObjectType.SecretData))
            throw new KmipException(ResultReason.InvalidField, $"Derive Key makes a Symmetric Key or Secret Data, not a {type}");
        var ids = payload.ChildrenOf(Tag.UniqueIdentifier).Select(n => n.AsText).ToList();
        if (ids.Count == 0) throw new KmipException(ResultReason.InvalidField, "Derive Key needs the Unique Identifier of the object to derive from (the ID Placeholder does not stand in)");
        var method = payload.Required(Tag.DerivationMethod).AsEnumOf<DerivationMethod>();
        var parameters = payload.Required(Tag.DerivationParameters);
        var attributes = ctx.RequestAttributes(payload.Child(v2 ? Tag.Attributes : Tag.TemplateAttribute));

        var (baseObject, keyBlock, baseAlgorithm) = CryptographicKeys.Check(ctx, ctx.Lookup(ids[0]), CryptographicUsageMask.DeriveKey, protects: true);
        var material = keyBlock.Required(Tag.KeyValue).Required(Tag.KeyMaterial) is { Type: ItemType.ByteString } m ? m.AsBytes
            : keyBlock.Required(Tag.KeyValue).Required(Tag.KeyMaterial).Child(Tag.Key)?.AsBytes
              ?? throw new KmipException(ResultReason.InvalidField, $"'{baseObject.Id}' is not held as raw bytes, which the derivation methods take");
        var data = parameters.Child(Tag.DerivationData)?.AsBytes;
        var others = ids.Skip(1).Select(ctx.Lookup).ToList();
        if (others.FirstOrDefault(o => o.ObjectType == ObjectType.SecretData && o.Value is not null) is { } secret)
        {
            if (data is not null) throw new KmipException(ResultReason.InvalidField, "the Derivation Data is given twice: in the Derivation Parameters and by a Secret Data object");
            data = secret.Value!.Required(Tag.KeyBlock).Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes;
        }

        var lengthBits = attributes.FirstOrDefault(a => a.FullName == AttributeNames.CryptographicLength)?.Value is { Type: ItemType.Integer } l ? l.AsInt32
            : throw new KmipException(ResultReason.InvalidField, "Derive Key needs the Cryptographic Length of the object to derive");
        if (lengthBits <= 0 || lengthBits % 8 != 0)
            throw new KmipException(ResultReason.InvalidField, $"the Cryptographic Length to derive must be a positive number of whole bytes, not {lengthBits} bits");
        var cryptographic = CryptographicKeys.Parameters(baseObject, Payloads.CryptographicParameters.From(parameters.Child(Tag.CryptographicParameters)));
        var derived = Derive(ctx, method, baseObject, baseAlgorithm, material, data, parameters, cryptographic, lengthBits / 8);

        var obj = ObjectFactory.New(ctx, type);
        ObjectFactory.ApplyClientAttributes(ctx, obj, attributes);
        if (type == ObjectType.SymmetricKey)
        {
            ObjectFactory.ApplyCreatedKeyState(ctx, obj);
            var algorithm = obj.Get(AttributeNames.CryptographicAlgorithm)?.AsEnumOf<CryptographicAlgorithm>()
                            ?? throw new KmipException(ResultReason.InvalidField, "Derive Key needs the Cryptographic Algorithm of the key to derive");
            obj.Value = ObjectFactory.SymmetricKey(derived, algorithm, lengthBits);
        }
        else
            obj.Value = ObjectFactory.SecretData(derived, SecretDataType.Seed);
        ObjectFactory.SetServerKeyAttributes(obj, ctx);
        foreach (var source in new[] { baseObject }.Concat(others))
        {
            obj.Add(AttributeNames.Link, ObjectFactory.Link(LinkType.DerivationBaseObjectLink, source.Id));
            var edited = ctx.Edit(source);
            edited.Add(AttributeNames.Link, ObjectFactory.Link(LinkType.DerivedKeyLink, obj.Id));
            ctx.Touch(edited);
        }
        Lifecycle.ApplyDueTransitions(obj, ctx.Now);
        ctx.AddNew(obj);
        ctx.IdPlaceholder = obj.Id;
        return Payload(Id(obj.Id));
    }

    private static byte[] Derive(RequestContext ctx, DerivationMethod method, ManagedObject baseObject, CryptographicAlgorithm? baseAlgorithm, byte[] key, byte[]? data,
        TtlvNode parameters, Payloads.CryptographicParameters? cryptographic, int length)
    {
        byte[] NeedData() => data ?? throw new KmipException(ResultReason.InvalidField, $"{method} derivation needs Derivation Data (or the identifier of a Secret Data object)");
        HashingAlgorithm Hash() => cryptographic?.HashingAlgorithm
            ?? throw new KmipException(ResultReason.InvalidField, $"{method} derivation needs a Hashing Algorithm in the Cryptographic Parameters");
        byte[] Take(byte[] output) => output.Length >= length ? output[..length]
            : throw new KmipException(ResultReason.InvalidField, $"{method} derivation gives {output.Length * 8} bits here, fewer than the Cryptographic Length of {length * 8}");
        byte[] Digest(IDigestComputation digest, params byte[][] parts)
        {
            foreach (var part in parts) digest.Append(part);
            return digest.Finish();
        }
        IDigestComputation Hmac(HashingAlgorithm hash) => MessageDigests.Hmac(hash, key)
            ?? throw new KmipException(ResultReason.FeatureNotSupported, $"HMAC with {hash} is not supported by this server");
        switch (method)
        {
            case DerivationMethod.PBKDF2:
            {
                var salt = parameters.Child(Tag.Salt)?.AsBytes ?? throw new KmipException(ResultReason.InvalidField, "PBKDF2 derivation needs a Salt");
                var iterations = parameters.Child(Tag.IterationCount)?.AsInt32 ?? throw new KmipException(ResultReason.InvalidField, "PBKDF2 derivation needs an Iteration Count");
                if (iterations < 1) throw new KmipException(ResultReason.InvalidField, $"the Iteration Count must be 1 or more, not {iterations}");
                var hash = cryptographic?.HashingAlgorithm ?? HashingAlgorithm.SHA_1;
                var generator = new Org.BouncyCastle.Crypto.Generators.Pkcs5S2ParametersGenerator(MessageDigests.BouncyDigest(hash)
                    ?? throw new KmipException(ResultReason.FeatureNotSupported, $"PBKDF2 with {hash} is not supported by this server"));
                generator.Init(key, salt, iterations);
                return ((Org.BouncyCastle.Crypto.Parameters.KeyParameter)generator.GenerateDerivedMacParameters(length * 8)).GetKey();
            }
            case DerivationMethod.HASH:
            {
                var digest = MessageDigests.Hash(Hash()) ?? throw new KmipException(ResultReason.FeatureNotSupported, $"hashing algorithm {Hash()} is not supported by this server");
                return Take(Digest(digest, data ?? key));
            }
            case DerivationMethod.HMAC:
                return Take(Digest(Hmac(baseAlgorithm is { } a && MessageDigests.HmacHash(a) is { } h ? h : Hash()), NeedData()));
            case DerivationMethod.ENCRYPT:
            {
                var choice = SymmetricCiphers.Choose(baseAlgorithm ?? CryptographicAlgorithm.AES, cryptographic, ctx.Version);
                var iv = parameters.Child(Tag.InitializationVector)?.AsBytes ?? (choice.IvBytes is { } n ? new byte[n] : null);
                byte[]? tag = null;
                return Take(SymmetricCiphers.Start(choice, encrypt: true, key, choice.IvBytes is null ? null : iv, null, singlePart: true).Finish(NeedData(), ref tag));
            }
            case DerivationMethod.NIST800_108_C:
            {
                var hash = Hash();
                var fixedInput = NeedData();
                var output = new List<byte>(length + 64);
                var counter = new byte[4];
                for (uint i = 1; output.Count < length; i++)
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(counter, i);
                    output.AddRange(Digest(Hmac(hash), counter, fixedInput));
                }
                return [.. output.Take(length)];
            }
            case DerivationMethod.HKDF:
            {
                var hash = Hash();
                var name = hash switch
                {
                    HashingAlgorithm.SHA_1 => HashAlgorithmName.SHA1, HashingAlgorithm.SHA_256 => HashAlgorithmName.SHA256,
                    HashingAlgorithm.SHA_384 => HashAlgorithmName.SHA384, HashingAlgorithm.SHA_512 => HashAlgorithmName.SHA512,
                    _ => throw new KmipException(ResultReason.FeatureNotSupported, $"HKDF with {hash} is not supported by this server (SHA-1, SHA-256, SHA-384, SHA-512)"),
                };
                try { return HKDF.DeriveKey(name, key, length, parameters.Child(Tag.Salt)?.AsBytes ?? [], data ?? []); }
                catch (ArgumentException ex) { throw new KmipException(ResultReason.InvalidField, $"HKDF cannot give {length * 8} bits: {ex.Message}"); }
            }
            default:
                throw new KmipException(ResultReason.FeatureNotSupported, $"derivation method {method} is not supported by this server (PBKDF2, HASH, HMAC, ENCRYPT, NIST800-108-C, HKDF)");
        }
    }
}
