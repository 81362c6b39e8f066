using Harness.Kmip.Payloads;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// RNG Retrieve (KMIP 1.4 §4.35, 2.1 §6.1.49): Data Length bytes from the server's generator
/// (<see cref="Cryptography.RandomGenerator"/>). Result Reasons: Invalid Field (a length below 1), Response Too Large
/// (more than the response may carry, refused before anything is generated), Cryptographic Failure.
/// </summary>
public sealed class RngRetrieveOperation : KmipOperation
{
    public override Operation Operation => Operation.RNGRetrieve;
    public override ProtocolVersion Since => ProtocolVersion.V1_2;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var request = RngRetrieveRequest.From(payload);
        if (request.DataLength < 1)
            throw new KmipException(ResultReason.InvalidField, $"Data Length must be at least 1, not {request.DataLength}");
        int limit = ctx.Kms.Options.MaxResponseLength - 1024;
        if (request.DataLength > limit)
            throw new KmipException(ResultReason.ResponseTooLarge, $"{request.DataLength:N0} random bytes would not fit in this server's largest response ({ctx.Kms.Options.MaxResponseLength:N0} bytes)");
        return new RngRetrieveResponse(ctx.Kms.Random.Next(request.DataLength)).ToNode();
    }
}
