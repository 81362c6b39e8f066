namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Cancel (KMIP 1.4 §4.27, 2.1 §6.1.5): withdraws a request answered Operation Pending that has not run (Canceled:
/// nothing of it was done), or reports what became of it (Completed, Failed), or that the server knows no such request
/// of this client (Unavailable). Never asynchronous itself. The outcome is a Cancellation Result, not a Result Reason.
/// </summary>
public sealed class CancelOperation : KmipOperation
{
    public override Operation Operation => Operation.Cancel;

    public override bool MayRunAsynchronously => false;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var correlation = payload.Required(Tag.AsynchronousCorrelationValue).AsBytes;
        return Payload(
            TtlvNode.Bytes(Tag.AsynchronousCorrelationValue, correlation),
            TtlvNode.Enumeration(Tag.CancellationResult, ctx.Kms.Asynchronous.Cancel(correlation, ctx.Client.Id)));
    }
}
