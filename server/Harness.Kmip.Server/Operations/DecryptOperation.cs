using Harness.Kmip.Payloads;
using Harness.Kmip.Server.Cryptography;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Decrypt (KMIP 1.4 §4.30, 2.1 §6.1.17): the inverse of Encrypt with the same ciphers; the IV/Counter/Nonce is required
/// when the mode has one, and an authenticated mode checks the Authenticated Encryption Tag (given in the single or the
/// last part). The key needs Decrypt in its usage mask and may be Active, Deactivated or Compromised.
/// Result Reasons: those of Encrypt, Invalid Message (no IV/Counter/Nonce for a mode that needs one, as the OASIS
/// CS-BC vectors expect), and Cryptographic Failure (a tag that does not match, padding that does not decrypt).
/// </summary>
public sealed class DecryptOperation : KmipOperation
{
    public override Operation Operation => Operation.Decrypt;
    public override ProtocolVersion Since => ProtocolVersion.V1_2;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var request = DecryptRequest.From(payload);
        var target = ctx.Lookup(payload);
        if (target.ObjectType is ObjectType.PublicKey or ObjectType.PrivateKey)
        {
            var (asymmetric, privateKey) = CryptographicKeys.UseAsymmetric(ctx, target, CryptographicUsageMask.Decrypt, protects: false, needsPrivate: true);
            var parameters = CryptographicKeys.Parameters(asymmetric, request.CryptographicParameters);
            return new DecryptResponse(asymmetric.Id, AsymmetricCiphers.Process(false, parameters, privateKey, EncryptOperation.SinglePart(request.Data, request.Stream!), asymmetric.Id)).ToNode();
        }
        var (key, material, algorithm) = CryptographicKeys.Use(ctx, target, CryptographicUsageMask.Decrypt, protects: false);
        var (kind, cipher, correlation) = Streamed.Part(ctx, Operation.Decrypt, key.Id, request.Stream!, () =>
        {
            var parameters = CryptographicKeys.Parameters(key, request.CryptographicParameters);
            var choice = SymmetricCiphers.Choose(CryptographicKeys.Algorithm(key, algorithm, parameters), parameters, ctx.Version);
            if (choice.IvBytes is not null && request.IvCounterNonce is null)
                throw new KmipException(ResultReason.InvalidMessage, $"decrypting with {choice.Algorithm}{(choice.Mode is { } m ? " in mode " + m : "")} needs the IV/Counter/Nonce it was encrypted with");
            return SymmetricCiphers.Start(choice, encrypt: false, material, choice.IvBytes is null ? null : request.IvCounterNonce, request.AuthenticatedEncryptionAdditionalData, request.Stream!.IsSinglePart);
        });
        if (kind == PartKind.Single && request.Data is null) throw new KmipException(ResultReason.InvalidField, "a single-part Decrypt needs Data");
        lock (cipher)
        {
            var tag = request.AuthenticatedEncryptionTag;
            var data = kind is PartKind.Single or PartKind.Last ? cipher.Finish(request.Data ?? [], ref tag) : cipher.Update(request.Data ?? []);
            return new DecryptResponse(key.Id, data, correlation).ToNode();
        }
    }
}
