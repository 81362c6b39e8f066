using Harness.Kmip.Payloads;
using Harness.Kmip.Server.Cryptography;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Hash (KMIP 1.4 §4.37, 2.1 §6.1.24): the digest of the Data with the Hashing Algorithm of the Cryptographic
/// Parameters, in one part or streamed (Init Indicator opens a stream and answers its Correlation Value; later parts
/// give it; the Final Indicator's answer carries the digest). Algorithms: <see cref="MessageDigests"/>.
/// Result Reasons: Invalid Field (no Hashing Algorithm, no Data in a single part), Feature Not Supported (an algorithm this
/// server does not compute), Invalid Correlation Value (2.x; Item Not Found in 1.x: no such stream of this client),
/// Server Limit Exceeded (too many open streams).
/// </summary>
public sealed class HashOperation : KmipOperation
{
    public override Operation Operation => Operation.Hash;
    public override ProtocolVersion Since => ProtocolVersion.V1_2;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var request = HashRequest.From(payload);
        var algorithm = request.CryptographicParameters.HashingAlgorithm
                        ?? throw new KmipException(ResultReason.InvalidField, "Hash needs a Hashing Algorithm in its Cryptographic Parameters");
        return Streamed.Run(ctx, Operation.Hash, null, request.Stream!, request.Data,
            () => MessageDigests.Hash(algorithm) ?? throw Streamed.NotSupported($"hashing algorithm {algorithm}"),
            (result, correlation) => new HashResponse(result, correlation).ToNode());
    }
}
