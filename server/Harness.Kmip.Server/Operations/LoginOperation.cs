namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Login (KMIP 2.1 §6.1.30): a ticket the client's later requests may authenticate with (Credential Type Ticket) in
/// place of a username and password, bound to its client certificate (<see cref="LoginTickets"/>). Lease Time: an
/// Interval of seconds, or a Date-Time, when the ticket ends (one hour when absent); Request Count: how many requests it
/// may authenticate. Usage Limits are not supported on tickets (Feature Not Supported).
/// Result Reasons: Invalid Field (a lease that has ended, a Request Count below 1), Feature Not Supported.
/// </summary>
public sealed class LoginOperation : KmipOperation
{
    /// <summary>How long a ticket lasts when Login gives no Lease Time.</summary>
    public static readonly TimeSpan DefaultLease = TimeSpan.FromHours(1);

    public override Operation Operation => Operation.Login;
    public override ProtocolVersion Since => ProtocolVersion.V2_0;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var (expires, requests) = Terms(ctx, payload);
        return Payload(TicketNode(ctx.Kms.Tickets.Issue(ctx.Client.Id, expires, requests)));
    }

    /// <summary>A ticket's end (Lease Time: an Interval of seconds or a Date-Time; one hour when absent) and Request Count, checked; Usage Limits refused.</summary>
    internal static (DateTimeOffset Expires, int? Requests) Terms(RequestContext ctx, TtlvNode payload)
    {
        var lease = payload.Child(Tag.LeaseTime);
        var expires = lease?.Type switch
        {
            null => ctx.Now + DefaultLease,
            ItemType.Interval => ctx.Now.AddSeconds(lease.AsInterval),
            ItemType.DateTime => lease.AsDateTime,
            _ => throw new KmipException(ResultReason.InvalidField, $"Lease Time is an Interval or a Date-Time, not a {lease.Type}"),
        };
        if (expires <= ctx.Now) throw new KmipException(ResultReason.InvalidField, $"the Lease Time ends at {expires:u}, which is not in the future");
        int? requests = payload.Child(Tag.RequestCount)?.AsInt32;
        if (requests < 1) throw new KmipException(ResultReason.InvalidField, $"the Request Count must be 1 or more, not {requests}");
        if (payload.Child(Tag.UsageLimits) is not null)
            throw new KmipException(ResultReason.FeatureNotSupported, "this server does not limit a ticket's operations by Usage Limits");
        return (expires, requests);
    }

    internal static TtlvNode TicketNode(byte[] value) =>
        TtlvNode.Structure(Tag.Ticket, TtlvNode.Enumeration(Tag.TicketType, TicketType.Login), TtlvNode.Bytes(Tag.TicketValue, value));
}
