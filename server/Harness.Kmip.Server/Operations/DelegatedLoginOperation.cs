namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Delegated Login (KMIP 2.1 §6.1.12): a ticket another client may present (Credential Type Ticket) to act as this
/// client, only as its Rights allow: the Operations, Objects and Object Groups each Right names (<see cref="TicketRights"/>).
/// Lease Time and Request Count as Login's. Result Reasons: Invalid Field (no Right, a lease that has ended, a Request
/// Count below 1), Feature Not Supported (Usage Limits), Permission Denied (a delegated ticket delegating further).
/// </summary>
public sealed class DelegatedLoginOperation : KmipOperation
{
    public override Operation Operation => Operation.DelegatedLogin;
    public override ProtocolVersion Since => ProtocolVersion.V2_0;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        if (ctx.Rights is not null)
            throw new KmipException(ResultReason.PermissionDenied, "a request made with a delegated ticket cannot delegate further");
        var (expires, requests) = LoginOperation.Terms(ctx, payload);
        var rights = TicketRights.Parse(payload.Required(Tag.Rights));
        var value = ctx.Kms.Tickets.Issue(ctx.Client.Id, expires, requests, rights);
        return Payload(LoginOperation.TicketNode(value));
    }
}
