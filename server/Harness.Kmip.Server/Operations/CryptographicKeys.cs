using Harness.Kmip.Server.Cryptography;
using Harness.Kmip.Server.Objects;
using Org.BouncyCastle.Crypto;

namespace Harness.Kmip.Server.Operations;

/// <summary>What a cryptographic operation (MAC, MAC Verify, ...) checks of the key it is asked to use, in one place.</summary>
internal static class CryptographicKeys
{
    /// <summary>
    /// The key the request names (or the ID Placeholder) with its raw key material and algorithm, after checking that it
    /// is the client's, holds key material, carries <paramref name="usage"/> in its Cryptographic Usage Mask, and is in a
    /// state that allows the use: Active to protect (MAC, sign, encrypt); Active, Deactivated or Compromised to process
    /// (verify, decrypt), as KMIP 2.1 §3.22's state table allows.
    /// </summary>
    public static (ManagedObject Key, byte[] Material, CryptographicAlgorithm? Algorithm) Use(RequestContext ctx, TtlvNode payload,
        CryptographicUsageMask usage, bool protects) => Use(ctx, ctx.Lookup(payload), usage, protects);

    /// <summary><see cref="Use"/> of an object the operation has looked up already.</summary>
    public static (ManagedObject Key, byte[] Material, CryptographicAlgorithm? Algorithm) Use(RequestContext ctx, ManagedObject target,
        CryptographicUsageMask usage, bool protects)
    {
        var (obj, keyBlock, algorithm) = Check(ctx, target, usage, protects);
        var material = keyBlock.Child(Tag.KeyValue)?.Child(Tag.KeyMaterial);
        if (material is not { Type: ItemType.ByteString } || obj.ObjectType is ObjectType.PrivateKey or ObjectType.PublicKey)
            throw new KmipException(ctx.Version.IsV2 ? ResultReason.InvalidObjectType : ResultReason.PermissionDenied, $"'{obj.Id}' has no raw key material this operation can use");
        return (obj, material.AsBytes, algorithm);
    }

    /// <summary>
    /// An asymmetric key for Sign, Signature Verify, Encrypt or Decrypt, checked as <see cref="Use"/> checks, read from its
    /// Key Block. A private key answers with its public half when <paramref name="needsPrivate"/> is false; a public key
    /// where a private one is needed is Invalid Object Type (2.x) or Permission Denied (1.x).
    /// </summary>
    public static (ManagedObject Key, AsymmetricKeyParameter Asymmetric) UseAsymmetric(RequestContext ctx, TtlvNode payload,
        CryptographicUsageMask usage, bool protects, bool needsPrivate) => UseAsymmetric(ctx, ctx.Lookup(payload), usage, protects, needsPrivate);

    /// <summary><see cref="UseAsymmetric"/> of an object the operation has looked up already.</summary>
    public static (ManagedObject Key, AsymmetricKeyParameter Asymmetric) UseAsymmetric(RequestContext ctx, ManagedObject target,
        CryptographicUsageMask usage, bool protects, bool needsPrivate)
    {
        var type = target.ObjectType;
        if (type is not (ObjectType.PrivateKey or ObjectType.PublicKey) || (needsPrivate && type != ObjectType.PrivateKey))
            throw new KmipException(ctx.Version.IsV2 ? ResultReason.InvalidObjectType : ResultReason.PermissionDenied,
                $"'{target.Id}' is a {type}: {usage} needs {(needsPrivate ? "a private key" : "a public or private key")}");
        var (obj, keyBlock, _) = Check(ctx, target, usage, protects);
        var key = AsymmetricKeys.Read(keyBlock, obj.ObjectType == ObjectType.PrivateKey, obj.Id);
        return (obj, needsPrivate ? key : AsymmetricKeys.PublicOf(key));
    }

    /// <summary>The checks of <see cref="Use"/>; answers the object, its Key Block and its Cryptographic Algorithm.</summary>
    public static (ManagedObject Key, TtlvNode KeyBlock, CryptographicAlgorithm? Algorithm) Check(RequestContext ctx, TtlvNode payload,
        CryptographicUsageMask usage, bool protects) => Check(ctx, ctx.Lookup(payload), usage, protects);

    /// <summary><see cref="Check"/> of an object the operation has looked up already.</summary>
    public static (ManagedObject Key, TtlvNode KeyBlock, CryptographicAlgorithm? Algorithm) Check(RequestContext ctx, ManagedObject obj,
        CryptographicUsageMask usage, bool protects)
    {
        var v2 = ctx.Version.IsV2;
        if (obj.ObjectType is not (ObjectType.SymmetricKey or ObjectType.SecretData or ObjectType.PrivateKey or ObjectType.PublicKey))
            throw new KmipException(v2 ? ResultReason.InvalidObjectType : ResultReason.PermissionDenied, $"'{obj.Id}' is a {obj.ObjectType}, not a key");
        if (obj.Value is null || Lifecycle.IsDestroyed(obj.State))
            throw new KmipException(ResultReason.KeyValueNotPresent, $"the key material of '{obj.Id}' is not present on the server");
        Administration.ThrowIfDisabled(obj);
        bool stateAllows = protects ? Lifecycle.IsUsableForProtection(obj.State) : obj.State is State.Active or State.Deactivated or State.Compromised;
        if (!stateAllows)
            throw new KmipException(v2 ? ResultReason.WrongKeyLifecycleState : ResultReason.PermissionDenied,
                $"'{obj.Id}' is {obj.State}: a key must be Active to {(protects ? "protect data" : "process data")}{(protects ? "" : " (or Deactivated or Compromised)")}");
        // Protect Stop Date and Process Start Date (KMIP 1.4 §3.25, §3.26) bound the use beside the state.
        if (protects && obj.Date(AttributeNames.ProtectStopDate) is { } stop && stop <= ctx.Now)
            throw new KmipException(v2 ? ResultReason.WrongKeyLifecycleState : ResultReason.PermissionDenied, $"'{obj.Id}' may not protect data after its Protect Stop Date ({stop:u})");
        if (!protects && obj.Date(AttributeNames.ProcessStartDate) is { } start && start > ctx.Now)
            throw new KmipException(v2 ? ResultReason.WrongKeyLifecycleState : ResultReason.PermissionDenied, $"'{obj.Id}' may not process data before its Process Start Date ({start:u})");
        var mask = obj.Get(AttributeNames.CryptographicUsageMask) is { Type: ItemType.Integer } m ? (uint)m.AsInt32 : 0u;
        if ((mask & (uint)usage) == 0)
            throw new KmipException(v2 ? ResultReason.IncompatibleCryptographicUsageMask : ResultReason.PermissionDenied,
                $"the Cryptographic Usage Mask of '{obj.Id}' does not allow {usage}");
        var value = obj.Value;
        if (KeyWrapping.IsWrapped(value))
        {
            // A key registered wrapped is used unwrapped by the client's keys on the server, when they are there.
            if (KeyWrapping.MissingKey(ctx, value) is { } wrapper)
                throw new KmipException(v2 ? ResultReason.KeyValueNotPresent : ResultReason.PermissionDenied,
                    $"'{obj.Id}' was registered wrapped by '{wrapper}', which is not on the server: there is no clear key material to use");
            value = KeyWrapping.Unwrap(ctx, value, $"'{obj.Id}'");
        }
        var keyBlock = value.Child(Tag.KeyBlock);
        if (keyBlock is null)
            throw new KmipException(ResultReason.KeyValueNotPresent, $"'{obj.Id}' holds no Key Block");
        if (keyBlock.Child(Tag.KeyValue) is null)
            throw new KmipException(ResultReason.KeyValueNotPresent, $"'{obj.Id}' was registered without its key material: Import it (Replace Existing) first");
        var algorithm = obj.Get(AttributeNames.CryptographicAlgorithm) is { Type: ItemType.Enumeration } a ? a.AsEnumOf<CryptographicAlgorithm>() : (CryptographicAlgorithm?)null;
        return (obj, keyBlock, algorithm);
    }

    /// <summary>
    /// Whether a protecting operation (Encrypt, Sign, MAC) may change its key: when the key has Usage Limits, which it
    /// counts down (<see cref="Consume"/>), or when the request names it by the ID Placeholder (not known yet).
    /// </summary>
    public static bool MayConsume(KmsState kms, TtlvNode payload) =>
        payload.Child(Tag.UniqueIdentifier) is not { Type: ItemType.TextString } id || kms.Store.Find(id.AsText)?.Has(AttributeNames.UsageLimits) == true;

    /// <summary>
    /// Counts a use against the key's Usage Limits (KMIP 1.4 §3.21, 2.1 §4.56): <paramref name="bytes"/> for a limit in
    /// Bytes, one for a limit in Objects (a single part or a stream's first part). A use the count cannot cover is
    /// refused with Permission Denied, as the OASIS CS-BC-M-7 vectors expect, and counts nothing.
    /// </summary>
    public static void Consume(RequestContext ctx, ManagedObject key, long bytes, bool countsAnObject)
    {
        if (key.Get(AttributeNames.UsageLimits) is not { } limits) return;
        var unit = limits.Child(Tag.UsageLimitsUnit)?.AsEnumOf<UsageLimitsUnit>() ?? UsageLimitsUnit.Byte;
        long total = limits.Child(Tag.UsageLimitsTotal)?.Number ?? 0;
        long count = limits.Child(Tag.UsageLimitsCount)?.Number ?? total;
        long needed = unit == UsageLimitsUnit.Byte ? bytes : countsAnObject ? 1 : 0;
        if (needed == 0) return;
        if (needed > count)
            throw new KmipException(ResultReason.PermissionDenied,
                $"DENIED: the Usage Limits of '{key.Id}' allow {count} more {(unit == UsageLimitsUnit.Byte ? "bytes" : "objects")} of {total}; this use needs {needed}");
        var edited = ctx.Edit(key);
        edited.Set(AttributeNames.UsageLimits, WithCount(limits, count - needed));
        ctx.Touch(edited);
    }

    /// <summary>The Usage Limits value with its Usage Limits Count set (KMIP 1.4 §3.21: the server keeps the count).</summary>
    public static TtlvNode WithCount(TtlvNode limits, long count) => TtlvNode.Structure(limits.RawTag,
        limits.Child(Tag.UsageLimitsTotal), TtlvNode.LongInteger(Tag.UsageLimitsCount, count), limits.Child(Tag.UsageLimitsUnit));

    /// <summary>The Cryptographic Parameters of the request, field by field, else those the key carries as an attribute.</summary>
    public static Payloads.CryptographicParameters? Parameters(ManagedObject key, Payloads.CryptographicParameters? requested)
    {
        var own = Payloads.CryptographicParameters.From(key.Get(AttributeNames.CryptographicParameters));
        return requested is null || own is null ? requested ?? own : requested.Over(own);
    }

    /// <summary>The algorithm to use: the merged parameters' (<see cref="Parameters"/>), else the key's Cryptographic Algorithm.</summary>
    public static CryptographicAlgorithm Algorithm(ManagedObject key, CryptographicAlgorithm? keyAlgorithm, Payloads.CryptographicParameters? parameters) =>
        parameters?.CryptographicAlgorithm ?? keyAlgorithm
        ?? throw new KmipException(ResultReason.InvalidField, $"neither the request nor key '{key.Id}' names a Cryptographic Algorithm");
}
