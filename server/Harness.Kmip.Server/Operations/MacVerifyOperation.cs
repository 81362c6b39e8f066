using System.Security.Cryptography;
using Harness.Kmip.Payloads;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// MAC Verify (KMIP 1.4 §4.34, 2.1 §6.1.33): computes the MAC of the Data as MAC does and compares it, in constant time,
/// with the MAC Data (given in the single or the final part): Validity Indicator Valid or Invalid. The key needs MAC Verify
/// in its usage mask and may be Active, Deactivated or Compromised. Result Reasons: those of MAC, and Invalid Field (no MAC
/// Data in the part that finishes).
/// </summary>
public sealed class MacVerifyOperation : KmipOperation
{
    public override Operation Operation => Operation.MACVerify;
    public override ProtocolVersion Since => ProtocolVersion.V1_2;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var request = MacVerifyRequest.From(payload);
        var (key, material, algorithm) = CryptographicKeys.Use(ctx, payload, CryptographicUsageMask.MACVerify, protects: false);
        bool finishes = request.Stream!.IsSinglePart || request.Stream.FinalIndicator == true;
        if (finishes && request.MacData is null)
            throw new KmipException(ResultReason.InvalidField, "MAC Verify needs the MAC Data to check (in the single or the final part)");
        return Streamed.Run(ctx, Operation.MACVerify, key.Id, request.Stream, request.Data,
            () => MacOperation.Start(key, material, algorithm, request.CryptographicParameters),
            (mac, correlation) => new MacVerifyResponse(key.Id,
                mac is null ? null : CryptographicOperations.FixedTimeEquals(mac, request.MacData) ? ValidityIndicator.Valid : ValidityIndicator.Invalid,
                correlation).ToNode());
    }
}
