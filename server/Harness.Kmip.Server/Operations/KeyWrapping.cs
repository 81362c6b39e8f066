using Harness.Kmip.Cryptography;
using System.Security.Cryptography;
using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Key wrapping on Get (KMIP 1.4 §2.1.5 Key Wrapping Data, §2.1.6 Key Wrapping Specification): the key value is
/// encrypted under another key of the client: a symmetric key with AES Key Wrap (NIST SP 800-38F KW, RFC 3394; KWP,
/// RFC 5649, when the length is not a multiple of 8), or an RSA public key (a private key's public half) with RSA-OAEP
/// or PKCS#1 v1.5 (<see cref="Cryptography.AsymmetricCiphers"/>). By default the TTLV-encoded Key Value is wrapped; with
/// Encoding Option "No Encoding" only the key material bytes are.
/// Result Reasons: Item Not Found (wrapping key), Illegal Operation (not a key), Permission Denied (1.x) /
/// Incompatible Cryptographic Usage Mask (2.x) without Wrap Key usage, Wrong Key Lifecycle State (not Active),
/// Feature Not Supported (methods other than Encrypt; modes other than key wrap; RSA paddings other than OAEP and
/// PKCS#1 v1.5), Cryptographic Failure (a value too long for the RSA key).
/// </summary>
public static class KeyWrapping
{
    public static TtlvNode Wrap(RequestContext ctx, TtlvNode objectValue, TtlvNode spec)
    {
        var method = spec.Required(Tag.WrappingMethod).AsEnumOf<WrappingMethod>();
        if (method != WrappingMethod.Encrypt)
            throw new KmipException(ResultReason.FeatureNotSupported, $"wrapping method {method} is not supported; use Encrypt");
        var info = spec.Child(Tag.EncryptionKeyInformation)
                   ?? throw new KmipException(ResultReason.FeatureNotSupported, "only Encryption Key Information is supported for wrapping");
        var wrapperId = info.Required(Tag.UniqueIdentifier).AsText;
        var wrapper = ctx.Changes.Find(wrapperId) is { } w && w.Owner == ctx.Client.Id
            ? Lifecycle.WithDueTransitions(w, ctx.Now)
            : throw new KmipException(ResultReason.ItemNotFound, $"no wrapping key with Unique Identifier '{wrapperId}'");
        if (wrapper.ObjectType is not (ObjectType.SymmetricKey or ObjectType.PublicKey or ObjectType.PrivateKey) || wrapper.Value is null)
            throw new KmipException(ResultReason.IllegalOperation, $"'{wrapperId}' is not a key that can wrap (a symmetric key, or an RSA public key)");
        if (wrapper.State != State.Active)
            throw new KmipException(ctx.Version.IsV2 ? ResultReason.WrongKeyLifecycleState : ResultReason.PermissionDenied,
                $"wrapping key '{wrapperId}' is {wrapper.State}, not Active");
        uint mask = (uint)(wrapper.Get(AttributeNames.CryptographicUsageMask)?.AsInt32 ?? 0);
        if ((mask & (uint)CryptographicUsageMask.WrapKey) == 0)
            throw new KmipException(ctx.Version.IsV2 ? ResultReason.IncompatibleCryptographicUsageMask : ResultReason.PermissionDenied,
                $"wrapping key '{wrapperId}' lacks the Wrap Key usage");
        var block = objectValue.Required(Tag.KeyBlock);
        var keyValue = block.Required(Tag.KeyValue);
        bool noEncoding = spec.Child(Tag.EncodingOption)?.AsEnumOf<EncodingOption>() == EncodingOption.NoEncoding;
        byte[] plain = noEncoding ? keyValue.Required(Tag.KeyMaterial).AsBytes : TtlvWriter.Encode(keyValue);
        var parameters = Payloads.CryptographicParameters.From(info.Child(Tag.CryptographicParameters));
        byte[] wrapped;
        if (wrapper.ObjectType == ObjectType.SymmetricKey)
        {
            var mode = parameters?.BlockCipherMode ?? BlockCipherMode.NISTKeyWrap;
            if (mode is not (BlockCipherMode.NISTKeyWrap or BlockCipherMode.AESKeyWrapPadding))
                throw new KmipException(ResultReason.FeatureNotSupported, $"block cipher mode {mode} is not supported for wrapping; use NIST Key Wrap");
            var kek = wrapper.Value.Required(Tag.KeyBlock).Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes;
            wrapped = mode == BlockCipherMode.NISTKeyWrap && plain.Length % 8 == 0 && plain.Length >= 16
                ? AesKeyWrap.Wrap(kek, plain)
                : AesKeyWrap.WrapWithPadding(kek, plain);
        }
        else
        {
            // An RSA wrapping key encrypts the value with RSA-OAEP (or PKCS#1 v1.5) as Encrypt does, with the
            // Encryption Key Information's parameters over the wrapping key's own.
            var keyBlock = wrapper.Value.Required(Tag.KeyBlock);
            var rsa = Cryptography.AsymmetricKeys.PublicOf(Cryptography.AsymmetricKeys.Read(keyBlock, wrapper.ObjectType == ObjectType.PrivateKey, wrapperId));
            wrapped = Cryptography.AsymmetricCiphers.Process(true, CryptographicKeys.Parameters(wrapper, parameters), rsa, plain, wrapperId);
        }

        var wrappingData = TtlvNode.Structure(Tag.KeyWrappingData,
            TtlvNode.Enumeration(Tag.WrappingMethod, WrappingMethod.Encrypt),
            info,
            spec.Child(Tag.EncodingOption));
        var newBlock = TtlvNode.Structure(Tag.KeyBlock, block.Items
            .Select(c => c.Tag == Tag.KeyValue ? TtlvNode.Bytes(Tag.KeyValue, wrapped) : c)
            .Append(wrappingData));
        return TtlvNode.Structure(objectValue.RawTag, objectValue.Items.Select(c => c.Tag == Tag.KeyBlock ? newBlock : c));
    }
}
