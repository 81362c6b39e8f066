using Harness.Kmip.Payloads;
using Harness.Kmip.Server.Cryptography;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Signature Verify (KMIP 1.4 §4.32, 2.1 §6.1.51): whether the Signature Data is the signature of the Data (or the
/// Digested Data) under a public key (a private key's public half serves too), with the schemes of Sign; by parts as
/// Sign. The key needs Verify in its usage mask and may be Active, Deactivated or Compromised. A signature that does
/// not verify, malformed ones included, is answered Valid = Invalid, not an error.
/// Result Reasons: those of Sign, and Invalid Field when the Signature Data is missing from the single or final part.
/// </summary>
public sealed class SignatureVerifyOperation : KmipOperation
{
    public override Operation Operation => Operation.SignatureVerify;
    public override ProtocolVersion Since => ProtocolVersion.V1_2;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var request = SignatureVerifyRequest.From(payload);
        var (key, publicKey) = CryptographicKeys.UseAsymmetric(ctx, payload, CryptographicUsageMask.Verify, protects: false, needsPrivate: false);
        var scheme = Signatures.Choose(CryptographicKeys.Parameters(key, request.CryptographicParameters), publicKey, key.Id);
        bool finishes = request.Stream!.IsSinglePart || request.Stream.FinalIndicator == true;
        if (finishes && request.SignatureData is null)
            throw new KmipException(ResultReason.InvalidField, "Signature Verify needs the Signature Data to check (in the single or the final part)");
        return SignOperation.Digest(ctx, Operation.SignatureVerify, key.Id, scheme, request.Stream, request.Data, request.DigestedData,
            (digest, correlation) => new SignatureVerifyResponse(key.Id,
                digest is null ? null : Signatures.VerifyDigest(scheme, publicKey, digest, request.SignatureData!) ? ValidityIndicator.Valid : ValidityIndicator.Invalid,
                correlation).ToNode());
    }
}
