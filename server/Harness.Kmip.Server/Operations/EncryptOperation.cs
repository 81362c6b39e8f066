using Harness.Kmip.Payloads;
using Harness.Kmip.Server.Cryptography;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Encrypt (KMIP 1.4 §4.29, 2.1 §6.1.21): the Data under the key with the cipher of the Cryptographic Parameters (the
/// request's, else the key's attribute) and the key's algorithm: AES or 3DES in ECB or CBC (padding None or PKCS5), AES
/// in CTR or GCM, ChaCha20, ChaCha20-Poly1305 (<see cref="SymmetricCiphers"/>). A mode that needs an IV and is given none
/// (or asked for a Random IV) gets one from the server, returned in IV/Counter/Nonce. By parts as Hash.
/// Result Reasons: Item Not Found / Object Not Found, Key Value Not Present, Incompatible Cryptographic Usage Mask (2.x;
/// Permission Denied in 1.x: no Encrypt in the mask), Wrong Key Lifecycle State (2.x; Permission Denied in 1.x: not
/// Active), Invalid Object Type, Invalid Field (no mode, no data), Bad Cryptographic Parameters (2.x: a tag length the
/// mode has not), Feature Not Supported (an algorithm, mode or padding the server has not), Cryptographic Failure (data
/// that does not fit the cipher), Invalid Correlation Value (2.x; Item Not Found in 1.x), Server Limit Exceeded,
/// Permission Denied (the key's Usage Limits are used up: they count the bytes or objects it protects).
/// </summary>
public sealed class EncryptOperation : KmipOperation
{
    public override Operation Operation => Operation.Encrypt;
    public override ProtocolVersion Since => ProtocolVersion.V1_2;

    /// <summary>A key with Usage Limits is counted down: the request then runs under the write lock.</summary>
    public override bool MayChange(KmsState kms, TtlvNode payload) => CryptographicKeys.MayConsume(kms, payload);

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var request = EncryptRequest.From(payload);
        var target = ctx.Lookup(payload);
        if (target.ObjectType is ObjectType.PublicKey or ObjectType.PrivateKey)
        {
            var (asymmetric, publicKey) = CryptographicKeys.UseAsymmetric(ctx, target, CryptographicUsageMask.Encrypt, protects: true, needsPrivate: false);
            var parameters = CryptographicKeys.Parameters(asymmetric, request.CryptographicParameters);
            var data = SinglePart(request.Data, request.Stream!);
            var ciphertext = AsymmetricCiphers.Process(true, parameters, publicKey, data, asymmetric.Id);
            CryptographicKeys.Consume(ctx, asymmetric, data.Length, countsAnObject: true);
            return new EncryptResponse(asymmetric.Id, ciphertext).ToNode();
        }
        var (key, material, algorithm) = CryptographicKeys.Use(ctx, target, CryptographicUsageMask.Encrypt, protects: true);
        byte[]? madeIv = null;
        var (kind, cipher, correlation) = Streamed.Part(ctx, Operation.Encrypt, key.Id, request.Stream!, () =>
        {
            var parameters = CryptographicKeys.Parameters(key, request.CryptographicParameters);
            var choice = SymmetricCiphers.Choose(CryptographicKeys.Algorithm(key, algorithm, parameters), parameters, ctx.Version);
            var iv = request.IvCounterNonce;
            if (choice.IvBytes is { } length && (iv is null || parameters?.RandomIV == true))
                iv = madeIv = System.Security.Cryptography.RandomNumberGenerator.GetBytes(length);
            return SymmetricCiphers.Start(choice, encrypt: true, material, choice.IvBytes is null ? null : iv, request.AuthenticatedEncryptionAdditionalData, request.Stream!.IsSinglePart);
        });
        if (kind == PartKind.Single && request.Data is null) throw new KmipException(ResultReason.InvalidField, "a single-part Encrypt needs Data");
        lock (cipher)
        {
            byte[]? tag = null;
            var data = kind is PartKind.Single or PartKind.Last ? cipher.Finish(request.Data ?? [], ref tag) : cipher.Update(request.Data ?? []);
            CryptographicKeys.Consume(ctx, key, request.Data?.Length ?? 0, countsAnObject: kind is PartKind.Single or PartKind.First);
            return new EncryptResponse(key.Id, data, madeIv, correlation, tag).ToNode();
        }
    }

    /// <summary>The Data of a request that cannot be streamed (RSA): Invalid Field for a part of a stream or no Data.</summary>
    internal static byte[] SinglePart(byte[]? data, StreamPart stream) =>
        !stream.IsSinglePart && !(stream.InitIndicator == true && stream.FinalIndicator == true) ? throw new KmipException(ResultReason.InvalidField, "RSA encrypts and decrypts in one part: no stream")
        : data ?? throw new KmipException(ResultReason.InvalidField, "Encrypt and Decrypt need Data");
}
