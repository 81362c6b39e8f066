namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Set Defaults (KMIP 2.1 §6.1.53): the Object Defaults this client's factory requests fall back on
/// (<see cref="ObjectPolicies"/>); without Defaults Information, the client's defaults are removed. Query with Query
/// Defaults Information reports them. Result Reasons: Invalid Field (an Object Defaults without Object Type or
/// Attributes, an unknown or server-set attribute, a value outside its enumeration).
/// </summary>
public sealed class SetDefaultsOperation : KmipOperation
{
    public override Operation Operation => Operation.SetDefaults;
    public override ProtocolVersion Since => ProtocolVersion.V2_1;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        ctx.Kms.Policies.SetDefaults(ctx.Client.Id, payload.Child(Tag.DefaultsInformation));
        return Payload();
    }
}
