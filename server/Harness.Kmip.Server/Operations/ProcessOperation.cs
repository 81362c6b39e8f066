namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Process (KMIP 2.1 §6.1.39): the next Poll for this asynchronous request runs it and answers with its result,
/// however long the server would otherwise have kept it pending. Result Reasons: Invalid Asynchronous Correlation
/// Value for a value this client has no outstanding request under.
/// </summary>
public sealed class ProcessOperation : KmipOperation
{
    public override Operation Operation => Operation.Process;
    public override ProtocolVersion Since => ProtocolVersion.V2_1;
    public override bool MayRunAsynchronously => false;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var correlation = payload.Required(Tag.AsynchronousCorrelationValue).AsBytes;
        var request = ctx.Kms.Asynchronous.Find(correlation, ctx.Client.Id) ?? throw AsynchronousRequests.Unknown(ctx.Version, correlation);
        ctx.Kms.Asynchronous.MakeDue(request, ctx.Now);
        return Payload();
    }
}
