namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Poll (KMIP 1.4 §4.28, 2.1 §6.1.38): the status of a request the server answered Operation Pending. Before it is due
/// the answer is Operation Pending again (no payload); once due the operation runs and the answer carries its payload,
/// as the synchronous answer would have, or fails as it would have. Never asynchronous itself. Result Reasons: Invalid
/// Asynchronous Correlation Value (Item Not Found in 1.x) for a value this client has no outstanding request under;
/// any reason of the polled operation.
/// </summary>
public sealed class PollOperation : KmipOperation
{
    public override Operation Operation => Operation.Poll;

    /// <summary>The polled operation may change objects: Poll runs under the write lock.</summary>
    public override bool Changes => true;

    public override bool MayRunAsynchronously => false;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var correlation = payload.Required(Tag.AsynchronousCorrelationValue).AsBytes;
        var request = ctx.Kms.Asynchronous.Find(correlation, ctx.Client.Id) ?? throw AsynchronousRequests.Unknown(ctx.Version, correlation);
        if (request.Due > ctx.Now) throw new OperationPending(correlation);
        ctx.ServesArchived = request.Operation.ServesArchived;
        TtlvNode result;
        try { result = request.Operation.Execute(ctx, request.Payload); }
        catch
        {
            ctx.Kms.Asynchronous.TryAnswer(request, succeeded: false);
            throw;
        }
        if (!ctx.Kms.Asynchronous.TryAnswer(request, succeeded: true)) throw AsynchronousRequests.Unknown(ctx.Version, correlation);
        return result;
    }
}
