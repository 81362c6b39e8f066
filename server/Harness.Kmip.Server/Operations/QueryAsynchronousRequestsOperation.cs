namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Query Asynchronous Requests (KMIP 2.1 §6.1.41): this client's requests answered Operation Pending and not yet
/// polled to their end or canceled, oldest first, each with its Asynchronous Correlation Value, Operation, Submission
/// Date and Processing Stage (Submitted: this server runs a request when it is polled). Filtered by the Asynchronous
/// Correlation Values and the Operations given, when given. No Result Reasons of its own.
/// </summary>
public sealed class QueryAsynchronousRequestsOperation : KmipOperation
{
    public override Operation Operation => Operation.QueryAsynchronousRequests;
    public override ProtocolVersion Since => ProtocolVersion.V2_1;
    public override bool MayRunAsynchronously => false;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var values = payload.Child(Tag.AsynchronousCorrelationValues)?.ChildrenOf(Tag.AsynchronousCorrelationValue)
            .Select(v => Convert.ToHexString(v.AsBytes)).ToHashSet();
        var operations = payload.Child(Tag.Operations)?.ChildrenOf(Tag.Operation).Select(o => o.AsEnumOf<Operation>()).ToHashSet();
        return Payload(ctx.Kms.Asynchronous.Outstanding(ctx.Client.Id)
            .Where(r => values is null || values.Contains(Convert.ToHexString(r.CorrelationValue)))
            .Where(r => operations is null || operations.Contains(r.Operation.Operation))
            .Select(r => TtlvNode.Structure(Tag.AsynchronousRequest,
                TtlvNode.Bytes(Tag.AsynchronousCorrelationValue, r.CorrelationValue),
                TtlvNode.Enumeration(Tag.Operation, r.Operation.Operation),
                TtlvNode.DateTimeExtended(Tag.SubmissionDate, (r.Submitted - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond),
                TtlvNode.Enumeration(Tag.ProcessingStage, ProcessingStage.Submitted))));
    }
}
