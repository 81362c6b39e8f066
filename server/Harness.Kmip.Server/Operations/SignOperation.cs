using Harness.Kmip.Payloads;
using Harness.Kmip.Server.Cryptography;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Sign (KMIP 1.4 §4.31, 2.1 §6.1.50): the signature of the Data (hashed here, in one part or streamed as Hash is) or
/// of the Digested Data (hashed by the client) under a private key, with the scheme of the Cryptographic Parameters
/// (the request's, else the key's attribute): RSA PKCS#1 v1.5 or PSS, ECDSA, DSA (<see cref="Signatures"/>).
/// Result Reasons: Item Not Found / Object Not Found, Key Value Not Present, Incompatible Cryptographic Usage Mask (2.x;
/// Permission Denied in 1.x: no Sign in the mask), Wrong Key Lifecycle State (2.x; Permission Denied in 1.x: not
/// Active), Invalid Object Type (2.x; Permission Denied in 1.x: not a private key), Invalid Field (no hash, a scheme of
/// another key family, both or neither of Data and Digested Data), Feature Not Supported (a scheme this server does not
/// sign with), Cryptographic Failure, Invalid Correlation Value (2.x; Item Not Found in 1.x), Server Limit Exceeded,
/// Permission Denied (the key's Usage Limits are used up).
/// </summary>
public sealed class SignOperation : KmipOperation
{
    public override Operation Operation => Operation.Sign;
    public override ProtocolVersion Since => ProtocolVersion.V1_2;

    /// <summary>A key with Usage Limits is counted down: the request then runs under the write lock.</summary>
    public override bool MayChange(KmsState kms, TtlvNode payload) => CryptographicKeys.MayConsume(kms, payload);

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var request = SignRequest.From(payload);
        var (key, privateKey) = CryptographicKeys.UseAsymmetric(ctx, payload, CryptographicUsageMask.Sign, protects: true, needsPrivate: true);
        var scheme = Signatures.Choose(CryptographicKeys.Parameters(key, request.CryptographicParameters), privateKey, key.Id);
        return Digest(ctx, Operation.Sign, key.Id, scheme, request.Stream!, request.Data, request.DigestedData,
            (digest, correlation) =>
            {
                var signature = digest is null ? null : Signatures.SignDigest(scheme, privateKey, digest);
                CryptographicKeys.Consume(ctx, key, request.Data?.Length ?? request.DigestedData?.Length ?? 0,
                    countsAnObject: request.Stream!.IsSinglePart || request.Stream.InitIndicator == true);
                return new SignResponse(key.Id, signature, correlation).ToNode();
            });
    }

    /// <summary>
    /// The digest a signature covers (Sign and Signature Verify): the client's Digested Data (single part, no Data), or
    /// the hash of the Data, by parts as Hash. <paramref name="respond"/> gets the digest (null until the last part).
    /// </summary>
    internal static TtlvNode Digest(RequestContext ctx, Operation operation, string keyId, Signatures.Scheme scheme, StreamPart stream,
        byte[]? data, byte[]? digested, Func<byte[]?, byte[]?, TtlvNode> respond)
    {
        if (scheme.Hash is null && digested is not null)
            throw new KmipException(ResultReason.InvalidField, $"{scheme.Algorithm} signs the message itself: give Data, not Digested Data");
        if (digested is null)
            return Streamed.Run(ctx, operation, keyId, stream, data,
                () => scheme.Hash is { } hash ? MessageDigests.Hash(hash)! : MessageDigests.WholeMessage(ctx.Version), respond);
        if (data is not null || !stream.IsSinglePart)
            throw new KmipException(ResultReason.InvalidField, $"{operation} takes Digested Data alone, in a single part: not with Data or stream fields");
        return respond(digested, null);
    }
}
