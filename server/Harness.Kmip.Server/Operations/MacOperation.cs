using Harness.Kmip.Payloads;
using Harness.Kmip.Server.Cryptography;
using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// MAC (KMIP 1.4 §4.33, 2.1 §6.1.32): the MAC of the Data under the key, single-part or streamed (as Hash). The
/// algorithm is the Cryptographic Parameters' (the request's, else the key's attribute), else the key's Cryptographic
/// Algorithm: HMAC with SHA-1, SHA-2 or SHA-3 (and MD5) for an HMAC key, CMAC for an AES key (Block Cipher Mode CMAC).
/// Result Reasons: Item Not Found (no such key, or another client's), Key Value Not Present, Incompatible Cryptographic
/// Usage Mask (2.x; Permission Denied in 1.x: the key lacks MAC Generate), Wrong Key Lifecycle State (2.x; Permission
/// Denied in 1.x: not Active), Invalid Object Type, Feature Not Supported (an algorithm this server does not MAC with),
/// Invalid Field, Invalid Correlation Value (2.x; Item Not Found in 1.x), Server Limit Exceeded, Permission Denied (the
/// key's Usage Limits are used up).
/// </summary>
public sealed class MacOperation : KmipOperation
{
    public override Operation Operation => Operation.MAC;
    public override ProtocolVersion Since => ProtocolVersion.V1_2;

    /// <summary>A key with Usage Limits is counted down: the request then runs under the write lock.</summary>
    public override bool MayChange(KmsState kms, TtlvNode payload) => CryptographicKeys.MayConsume(kms, payload);

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var request = MacRequest.From(payload);
        var (key, material, algorithm) = CryptographicKeys.Use(ctx, payload, CryptographicUsageMask.MACGenerate, protects: true);
        return Streamed.Run(ctx, Operation.MAC, key.Id, request.Stream!, request.Data,
            () => Start(key, material, algorithm, request.CryptographicParameters),
            (mac, correlation) =>
            {
                CryptographicKeys.Consume(ctx, key, request.Data?.Length ?? 0, countsAnObject: request.Stream!.IsSinglePart || request.Stream.InitIndicator == true);
                return new MacResponse(key.Id, mac, correlation).ToNode();
            });
    }

    /// <summary>The MAC computation the key and parameters call for (MAC and MAC Verify).</summary>
    internal static IDigestComputation Start(ManagedObject key, byte[] material, CryptographicAlgorithm? keyAlgorithm, CryptographicParameters? requested)
    {
        var parameters = CryptographicKeys.Parameters(key, requested);
        var algorithm = CryptographicKeys.Algorithm(key, keyAlgorithm, parameters);
        if (MessageDigests.HmacHash(algorithm) is { } hash)
            return MessageDigests.Hmac(hash, material) ?? throw Streamed.NotSupported($"MAC with {algorithm}");
        if (algorithm == CryptographicAlgorithm.AES && parameters?.BlockCipherMode is null or BlockCipherMode.CMAC)
        {
            if (material.Length is not (16 or 24 or 32))
                throw new KmipException(ResultReason.InvalidField, $"key '{key.Id}' is {material.Length * 8} bits: AES-CMAC needs 128, 192 or 256");
            return MessageDigests.AesCmac(material);
        }
        throw Streamed.NotSupported($"MAC with {algorithm}{(parameters?.BlockCipherMode is { } m ? $" in mode {m}" : "")}");
    }
}
