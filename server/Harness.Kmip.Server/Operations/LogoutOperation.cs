namespace Harness.Kmip.Server.Operations;

/// <summary>Logout (KMIP 2.1 §6.1.31): ends a ticket of this client. Result Reasons: Invalid Ticket (not this client's, or ended already).</summary>
public sealed class LogoutOperation : KmipOperation
{
    public override Operation Operation => Operation.Logout;
    public override ProtocolVersion Since => ProtocolVersion.V2_0;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        ctx.Kms.Tickets.End(payload.Required(Tag.Ticket).Required(Tag.TicketValue).AsBytes, ctx.Client.Id);
        return Payload();
    }
}
