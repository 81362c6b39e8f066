using Harness.Kmip.Server.Cryptography;
using Harness.Kmip.Server.Objects;
using Org.BouncyCastle.Crypto;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Key wrapping (KMIP 1.4 §2.1.5 Key Wrapping Data, §2.1.6 Key Wrapping Specification), on Get and Register. By default
/// the TTLV encoding of the Key Value is protected; with Encoding Option "No Encoding", the key material bytes alone.
/// <list type="bullet">
/// <item>Encrypt: under a symmetric key with NIST Key Wrap (RFC 3394; AES Key Wrap Padding, RFC 5649, for a value that
/// is not whole 8-byte blocks, or when asked), or an RSA key with OAEP or PKCS#1 v1.5. The key needs Wrap Key (to
/// wrap) or Unwrap Key (to unwrap) in its usage mask.</item>
/// <item>MAC/sign: an HMAC or AES-CMAC key, or a private key's signature (RSA, ECDSA, DSA, EdDSA), in MAC/Signature;
/// the key needs MAC Generate or Sign (to wrap), MAC Verify or Verify (to unwrap; a private key verifies with its public
/// half).</item>
/// <item>Encrypt then MAC/sign (the MAC covers the wrapped bytes) and MAC/sign then Encrypt (it covers the clear
/// value).</item>
/// </list>
/// Unwrapping checks the MAC or signature before anything is given out.
/// Result Reasons: Item Not Found (a wrapping key that is not the client's, or not on the server), Illegal Operation
/// (not a key that can wrap), Permission Denied (1.x) / Incompatible Cryptographic Usage Mask (2.x), Wrong Key Lifecycle
/// State (2.x; Permission Denied in 1.x), Invalid Field (a method without the key information it needs), Feature Not
/// Supported (modes other than the key wraps; RSA paddings other than OAEP and PKCS#1 v1.5), Cryptographic Failure (a
/// value too long for the RSA key, a wrapped value or MAC/signature that does not check).
/// </summary>
public static class KeyWrapping
{
    /// <summary>
    /// The object with its Key Value wrapped as <paramref name="spec"/> (a Key Wrapping Specification) says; the
    /// attributes of <paramref name="obj"/> the specification names (Attribute Name) go inside the Key Value with the
    /// key material (1.x: Attribute structures; 2.x: an Attributes structure), and so are wrapped with it.
    /// </summary>
    public static TtlvNode Wrap(RequestContext ctx, ManagedObject obj, TtlvNode objectValue, TtlvNode spec)
    {
        var method = spec.Required(Tag.WrappingMethod).AsEnumOf<WrappingMethod>();
        var (encryption, mac) = Information(spec, method);
        var block = objectValue.Required(Tag.KeyBlock);
        var keyValue = block.Required(Tag.KeyValue);
        bool noEncoding = spec.Child(Tag.EncodingOption)?.AsEnumOf<EncodingOption>() == EncodingOption.NoEncoding;
        var names = spec.ChildrenOf(Tag.AttributeName).Select(n => n.AsText).ToList();
        if (names.Count > 0)
        {
            if (noEncoding)
                throw new KmipException(ResultReason.InvalidField, "Encoding Option No Encoding wraps the key material alone: it cannot carry the attributes Attribute Name asks for");
            var attributes = obj.Attributes.Where(a => names.Contains(a.FullName) && AttributeNames.ExistsIn(a.FullName, ctx.Version)).ToList();
            TtlvNode?[] carried = ctx.Version.IsV2
                ? [TtlvNode.Structure(Tag.Attributes, attributes.Select(AttributeCodec.ToV2))]
                : [.. attributes.Select(a => AttributeCodec.ToAttributeStructure(a, withIndex: true))];
            keyValue = TtlvNode.Structure(Tag.KeyValue, [keyValue.Required(Tag.KeyMaterial), .. carried]);
        }
        byte[] plain = noEncoding ? keyValue.Required(Tag.KeyMaterial).AsBytes : TtlvWriter.Encode(keyValue);

        byte[]? wrapped = null, signature = null;
        if (method == WrappingMethod.MACSignThenEncrypt) signature = MacOrSign(ctx, mac!, plain);
        if (encryption is not null) wrapped = Cipher(ctx, encryption, encrypt: true, plain);
        if (method is WrappingMethod.MACSign or WrappingMethod.EncryptThenMACSign) signature = MacOrSign(ctx, mac!, wrapped ?? plain);

        var wrappingData = TtlvNode.Structure(Tag.KeyWrappingData,
            TtlvNode.Enumeration(Tag.WrappingMethod, method),
            encryption,
            mac,
            signature is null ? null : TtlvNode.Bytes(Tag.MACSignature, signature),
            spec.Child(Tag.EncodingOption));
        var newBlock = TtlvNode.Structure(Tag.KeyBlock, block.Items
            .Select(c => c.Tag != Tag.KeyValue ? c : wrapped is not null ? TtlvNode.Bytes(Tag.KeyValue, wrapped) : keyValue)
            .Append(wrappingData));
        return TtlvNode.Structure(objectValue.RawTag, objectValue.Items.Select(c => c.Tag == Tag.KeyBlock ? newBlock : c));
    }

    /// <summary>Whether the object's Key Block carries Key Wrapping Data.</summary>
    public static bool IsWrapped(TtlvNode? objectValue) => objectValue?.Child(Tag.KeyBlock)?.Child(Tag.KeyWrappingData) is not null;

    /// <summary>
    /// The object with its Key Value unwrapped (and its MAC or signature checked) by keys of this client on the server;
    /// <paramref name="id"/> names the object in messages.
    /// </summary>
    public static TtlvNode Unwrap(RequestContext ctx, TtlvNode objectValue, string id)
    {
        var block = objectValue.Required(Tag.KeyBlock);
        var data = block.Required(Tag.KeyWrappingData);
        var method = data.Required(Tag.WrappingMethod).AsEnumOf<WrappingMethod>();
        var (encryption, mac) = Information(data, method);
        var keyValue = block.Required(Tag.KeyValue);
        bool noEncoding = data.Child(Tag.EncodingOption)?.AsEnumOf<EncodingOption>() == EncodingOption.NoEncoding;
        byte[]? signature = mac is null ? null : data.Child(Tag.MACSignature)?.AsBytes
            ?? throw new KmipException(ResultReason.InvalidField, $"the Key Wrapping Data of {id} has no MAC/Signature to check");
        if (encryption is not null && keyValue.Type != ItemType.ByteString)
            throw new KmipException(ResultReason.InvalidField, $"the Key Value of {id} is wrapped by encryption, so it must be a Byte String");

        if (method == WrappingMethod.EncryptThenMACSign) Check(ctx, mac!, keyValue.AsBytes, signature!, id);
        byte[] plain = encryption is not null ? Cipher(ctx, encryption, encrypt: false, keyValue.AsBytes)
            : noEncoding ? keyValue.Required(Tag.KeyMaterial).AsBytes : TtlvWriter.Encode(keyValue);
        if (method is WrappingMethod.MACSign or WrappingMethod.MACSignThenEncrypt) Check(ctx, mac!, plain, signature!, id);

        TtlvNode clear;
        if (encryption is null) clear = keyValue;
        else if (noEncoding) clear = TtlvNode.Structure(Tag.KeyValue, TtlvNode.Bytes(Tag.KeyMaterial, plain));
        else
        {
            try { clear = TtlvReader.Decode(plain); }
            catch (Exception ex) when (ex is TtlvFormatException or MessageTooLongException)
            {
                throw new KmipException(ResultReason.CryptographicFailure, $"the unwrapped Key Value of {id} is not a TTLV Key Value: {ex.Message}");
            }
            if (clear.Tag != Tag.KeyValue)
                throw new KmipException(ResultReason.CryptographicFailure, $"the unwrapped Key Value of {id} is a {TagNames.Name(clear.RawTag)}, not a Key Value (was it wrapped with No Encoding?)");
        }
        var newBlock = TtlvNode.Structure(Tag.KeyBlock, block.Items
            .Where(c => c.Tag != Tag.KeyWrappingData)
            .Select(c => c.Tag == Tag.KeyValue ? clear : c));
        return TtlvNode.Structure(objectValue.RawTag, objectValue.Items.Select(c => c.Tag == Tag.KeyBlock ? newBlock : c));
    }

    /// <summary>
    /// The first key a wrapped object's Key Wrapping Data names that is not this client's on the server (so the server
    /// cannot unwrap the object), or null when the server holds them all.
    /// </summary>
    public static string? MissingKey(RequestContext ctx, TtlvNode objectValue)
    {
        var data = objectValue.Child(Tag.KeyBlock)?.Child(Tag.KeyWrappingData);
        foreach (var information in new[] { data?.Child(Tag.EncryptionKeyInformation), data?.Child(Tag.MACSignatureKeyInformation) })
            if (information?.Child(Tag.UniqueIdentifier)?.AsText is { } id && ctx.Changes.Find(id)?.Owner != ctx.Client.Id)
                return id;
        return null;
    }

    /// <summary>The key information a wrapping method needs: Encryption Key Information, MAC/Signature Key Information, or both.</summary>
    private static (TtlvNode? Encryption, TtlvNode? Mac) Information(TtlvNode specOrData, WrappingMethod method)
    {
        var encryption = specOrData.Child(Tag.EncryptionKeyInformation);
        var mac = specOrData.Child(Tag.MACSignatureKeyInformation);
        bool encrypts = method is WrappingMethod.Encrypt or WrappingMethod.EncryptThenMACSign or WrappingMethod.MACSignThenEncrypt;
        bool signs = method is WrappingMethod.MACSign or WrappingMethod.EncryptThenMACSign or WrappingMethod.MACSignThenEncrypt;
        if (!encrypts && !signs)
            throw new KmipException(ResultReason.FeatureNotSupported, $"wrapping method {method} is not supported (Encrypt, MAC/sign, or both in either order)");
        if (encrypts && encryption is null)
            throw new KmipException(ResultReason.InvalidField, $"wrapping method {method} needs Encryption Key Information");
        if (signs && mac is null)
            throw new KmipException(ResultReason.InvalidField, $"wrapping method {method} needs MAC/Signature Key Information");
        return (encrypts ? encryption : null, signs ? mac : null);
    }

    /// <summary>The client's key a Key Information names, checked for its state and usage.</summary>
    private static ManagedObject Key(RequestContext ctx, TtlvNode information, CryptographicUsageMask usage, bool protects)
    {
        var id = information.Required(Tag.UniqueIdentifier).AsText;
        var key = ctx.Changes.Find(id) is { } w && w.Owner == ctx.Client.Id
            ? Lifecycle.WithDueTransitions(w, ctx.Now)
            : throw new KmipException(ResultReason.ItemNotFound, $"no wrapping key with Unique Identifier '{id}'");
        ctx.CheckRights(key);
        if (key.ObjectType is not (ObjectType.SymmetricKey or ObjectType.PublicKey or ObjectType.PrivateKey) || key.Value is null || IsWrapped(key.Value))
            throw new KmipException(ResultReason.IllegalOperation, $"'{id}' is not a key that can wrap (a symmetric key, or an RSA, EC or Edwards key pair's key, held in the clear)");
        bool stateAllows = protects ? key.State == State.Active : key.State is State.Active or State.Deactivated or State.Compromised;
        if (!stateAllows)
            throw new KmipException(ctx.Version.IsV2 ? ResultReason.WrongKeyLifecycleState : ResultReason.PermissionDenied,
                $"wrapping key '{id}' is {key.State}, not Active{(protects ? "" : " (or Deactivated or Compromised)")}");
        uint mask = (uint)(key.Get(AttributeNames.CryptographicUsageMask)?.AsInt32 ?? 0);
        if ((mask & (uint)usage) == 0)
            throw new KmipException(ctx.Version.IsV2 ? ResultReason.IncompatibleCryptographicUsageMask : ResultReason.PermissionDenied,
                $"wrapping key '{id}' lacks the {usage.ToString().Replace(", ", " or ")} usage");
        return key;
    }

    private static Payloads.CryptographicParameters? Parameters(ManagedObject key, TtlvNode information) =>
        CryptographicKeys.Parameters(key, Payloads.CryptographicParameters.From(information.Child(Tag.CryptographicParameters)));

    private static byte[] Material(ManagedObject key) => key.Value!.Required(Tag.KeyBlock).Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes;

    private static AsymmetricKeyParameter Asymmetric(ManagedObject key) =>
        AsymmetricKeys.Read(key.Value!.Required(Tag.KeyBlock), key.ObjectType == ObjectType.PrivateKey, key.Id);

    private static byte[] Cipher(RequestContext ctx, TtlvNode information, bool encrypt, byte[] data)
    {
        var key = Key(ctx, information, encrypt ? CryptographicUsageMask.WrapKey : CryptographicUsageMask.UnwrapKey, protects: encrypt);
        var parameters = Parameters(key, information);
        if (key.ObjectType == ObjectType.SymmetricKey)
        {
            var mode = parameters?.BlockCipherMode ?? BlockCipherMode.NISTKeyWrap;
            if (mode is not (BlockCipherMode.NISTKeyWrap or BlockCipherMode.AESKeyWrapPadding))
                throw new KmipException(ResultReason.FeatureNotSupported, $"block cipher mode {mode} is not supported for wrapping; use NIST Key Wrap or AES Key Wrap Padding");
            var algorithm = key.Get(AttributeNames.CryptographicAlgorithm) is { Type: ItemType.Enumeration } a ? a.AsEnumOf<CryptographicAlgorithm>() : CryptographicAlgorithm.AES;
            // NIST Key Wrap takes whole 8-byte blocks of 16 bytes or more; any other value is wrapped with padding
            // (RFC 5649), and unwrapping knows which from the integrity check value.
            bool whole = data.Length % 8 == 0 && data.Length >= 16;
            if (encrypt && mode == BlockCipherMode.NISTKeyWrap && !whole) mode = BlockCipherMode.AESKeyWrapPadding;
            if (!encrypt && mode == BlockCipherMode.NISTKeyWrap)
            {
                try { return SymmetricCiphers.KeyWrap(algorithm, mode, false, Material(key), data); }
                catch (KmipException) { mode = BlockCipherMode.AESKeyWrapPadding; }
            }
            return SymmetricCiphers.KeyWrap(algorithm, mode, encrypt, Material(key), data);
        }
        // An RSA key pair's key: its public half encrypts, its private key decrypts, as Encrypt and Decrypt do.
        if (!encrypt && key.ObjectType != ObjectType.PrivateKey)
            throw new KmipException(ResultReason.IllegalOperation, $"'{key.Id}' is a public key: the private key unwraps what it wrapped");
        var asymmetric = Asymmetric(key);
        return AsymmetricCiphers.Process(encrypt, parameters, encrypt ? AsymmetricKeys.PublicOf(asymmetric) : asymmetric, data, key.Id);
    }

    private static byte[] MacOrSign(RequestContext ctx, TtlvNode information, byte[] data)
    {
        var key = Key(ctx, information, CryptographicUsageMask.MACGenerate | CryptographicUsageMask.Sign, protects: true);
        if (key.ObjectType == ObjectType.SymmetricKey) return Mac(key, information, data);
        if (key.ObjectType != ObjectType.PrivateKey)
            throw new KmipException(ResultReason.IllegalOperation, $"'{key.Id}' is a public key: a private key signs");
        var privateKey = Asymmetric(key);
        var scheme = Signatures.Choose(Parameters(key, information), privateKey, key.Id);
        return Signatures.SignDigest(scheme, privateKey, Digest(scheme, data));
    }

    private static void Check(RequestContext ctx, TtlvNode information, byte[] data, byte[] signature, string id)
    {
        var key = Key(ctx, information, CryptographicUsageMask.MACVerify | CryptographicUsageMask.Verify, protects: false);
        bool valid;
        if (key.ObjectType == ObjectType.SymmetricKey)
            valid = System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Mac(key, information, data), signature);
        else
        {
            var publicKey = AsymmetricKeys.PublicOf(Asymmetric(key));
            var scheme = Signatures.Choose(Parameters(key, information), publicKey, key.Id);
            valid = Signatures.VerifyDigest(scheme, publicKey, Digest(scheme, data), signature);
        }
        if (!valid)
            throw new KmipException(ResultReason.CryptographicFailure, $"the MAC/Signature of {id} does not verify under '{key.Id}': the wrapped key was changed, or another key made it");
    }

    private static byte[] Mac(ManagedObject key, TtlvNode information, byte[] data)
    {
        var algorithm = key.Get(AttributeNames.CryptographicAlgorithm) is { Type: ItemType.Enumeration } a ? a.AsEnumOf<CryptographicAlgorithm>() : (CryptographicAlgorithm?)null;
        var mac = MacOperation.Start(key, Material(key), algorithm, Payloads.CryptographicParameters.From(information.Child(Tag.CryptographicParameters)));
        mac.Append(data);
        return mac.Finish();
    }

    /// <summary>What a signature covers: the hash of the data, or the data itself for EdDSA.</summary>
    private static byte[] Digest(Signatures.Scheme scheme, byte[] data)
    {
        if (scheme.Hash is null) return data;
        var digest = MessageDigests.Hash(scheme.Hash.Value)!;
        digest.Append(data);
        return digest.Finish();
    }
}
