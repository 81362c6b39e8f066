using System.Security.Cryptography;
using System.Text;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// PKCS#11 (KMIP 2.1 §6.1.37): a PKCS#11 function called through KMIP. C_Initialize begins a session and answers its
/// Correlation Value, which each later call carries; C_GetInfo answers the CK_INFO of this interface (Cryptoki 2.40, manufacturer "Harness"; encoded
/// as the OASIS test case PKCS11-M-1-21 shows: version, 32-byte blank-padded manufacturer, 8-byte flags, 32-byte
/// description, library version); C_Finalize ends the session. A function called outside a session answers
/// CKR_CRYPTOKI_NOT_INITIALIZED, any other function CKR_FUNCTION_NOT_SUPPORTED: those are PKCS#11 Return Codes in a
/// successful KMIP answer, as the operation defines. Result Reasons: Invalid Field (no PKCS#11 Function).
/// </summary>
public sealed class Pkcs11Operation : KmipOperation
{
    private const uint CInitialize = 1, CFinalize = 2, CGetInfo = 3;
    private const uint Ok = 0x00, FunctionNotSupported = 0x54, CryptokiNotInitialized = 0x190;

    public override Operation Operation => Operation.PKCS_11;
    public override ProtocolVersion Since => ProtocolVersion.V2_0;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var function = payload.Required(Tag.PKCS_11Function).AsEnum;
        var sessions = ctx.Kms.Pkcs11Sessions;
        byte[]? correlation = payload.Child(Tag.CorrelationValue)?.AsBytes;
        bool inSession = correlation is not null && sessions.TryGetValue(Convert.ToHexString(correlation), out var owner) && owner == ctx.Client.Id;
        byte[]? output = null;
        uint code;
        switch (function)
        {
            case CInitialize:
                var mine = sessions.Where(s => s.Value == ctx.Client.Id).Select(s => s.Key).ToList();
                foreach (var old in mine.Take(Math.Max(0, mine.Count - KmsState.MaxPkcs11SessionsPerClient + 1))) sessions.TryRemove(old, out _);
                correlation = RandomNumberGenerator.GetBytes(16);
                sessions[Convert.ToHexString(correlation)] = ctx.Client.Id;
                code = Ok;
                break;
            case CGetInfo when inSession:
                output = Info();
                code = Ok;
                break;
            case CFinalize when inSession:
                sessions.TryRemove(Convert.ToHexString(correlation!), out _);
                code = Ok;
                break;
            case CGetInfo or CFinalize:
                code = CryptokiNotInitialized;
                break;
            default:
                code = FunctionNotSupported;
                break;
        }
        return Payload(
            payload.Child(Tag.PKCS_11Interface),
            TtlvNode.Enumeration(Tag.PKCS_11Function, function),
            output is null ? null : TtlvNode.Bytes(Tag.PKCS_11OutputParameters, output),
            function == CInitialize ? TtlvNode.Bytes(Tag.CorrelationValue, correlation!) : null,
            TtlvNode.Enumeration(Tag.PKCS_11ReturnCode, code));
    }

    /// <summary>CK_INFO: Cryptoki version 2.40, manufacturer, flags 0, library description, library version 1.0.</summary>
    private static byte[] Info()
    {
        var info = new List<byte> { 2, 40 };
        info.AddRange(Padded("Harness"));
        info.AddRange(new byte[8]);
        info.AddRange(Padded("Harness KMIP PKCS#11 interface"));
        info.AddRange([1, 0]);
        return [.. info];
    }

    private static byte[] Padded(string text) => Encoding.ASCII.GetBytes(text.PadRight(32));
}
