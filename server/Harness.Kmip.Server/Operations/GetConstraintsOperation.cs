namespace Harness.Kmip.Server.Operations;

/// <summary>Get Constraints (KMIP 2.1 §6.1.22): the Constraints this client set (an empty structure when none). No Result Reasons of its own.</summary>
public sealed class GetConstraintsOperation : KmipOperation
{
    public override Operation Operation => Operation.GetConstraints;
    public override ProtocolVersion Since => ProtocolVersion.V2_1;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload) => Payload(ctx.Kms.Policies.Constraints(ctx.Client.Id));
}
