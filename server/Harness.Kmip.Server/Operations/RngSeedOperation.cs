using Harness.Kmip.Payloads;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// RNG Seed (KMIP 1.4 §4.36, 2.1 §6.1.50): the client's bytes are mixed into the generator as additional seed material
/// (up to <see cref="Cryptography.RandomGenerator.MaxSeedBytes"/>); the answer says how many were used. They never replace
/// the system's entropy. Result Reasons: Invalid Field (no Data), Cryptographic Failure.
/// </summary>
public sealed class RngSeedOperation : KmipOperation
{
    public override Operation Operation => Operation.RNGSeed;
    public override ProtocolVersion Since => ProtocolVersion.V1_2;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var request = RngSeedRequest.From(payload);
        return new RngSeedResponse(ctx.Kms.Random.Seed(request.Data)).ToNode();
    }
}
