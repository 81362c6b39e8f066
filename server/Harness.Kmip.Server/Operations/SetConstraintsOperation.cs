namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Set Constraints (KMIP 2.1 §6.1.52): the attribute values this client's new objects must hold
/// (<see cref="ObjectPolicies"/>), replacing those set before; an empty Constraints removes them. Result Reasons:
/// Invalid Field (Constraints missing, an unknown or server-set attribute, a value outside its enumeration).
/// </summary>
public sealed class SetConstraintsOperation : KmipOperation
{
    public override Operation Operation => Operation.SetConstraints;
    public override ProtocolVersion Since => ProtocolVersion.V2_1;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        ctx.Kms.Policies.SetConstraints(ctx.Client.Id, payload.Required(Tag.Constraints));
        return Payload();
    }
}
