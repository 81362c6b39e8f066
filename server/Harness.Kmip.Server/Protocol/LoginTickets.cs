using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Harness.Kmip.Server;

/// <summary>
/// The tickets Login and Delegated Login issue (KMIP 2.1 §6.1.30, §6.1.12): random values, valid until their lease
/// ends, for at most their Request Count of requests when one was given. A request may then authenticate with
/// Credential Type Ticket in place of a username and password. A Login ticket is bound to the client certificate that
/// logged in. A Delegated Login ticket may be presented by any client the server accepts: its requests run as the
/// client that delegated, and only within its Rights. Logout ends a ticket. Kept in memory: a restarted server has no
/// tickets, and its clients log in again.
/// </summary>
public sealed class LoginTickets
{
    /// <summary>The most tickets one client may hold; logging in again beyond it forgets its oldest.</summary>
    public const int MaxPerClient = 100;

    private sealed class Ticket(string clientId, DateTimeOffset expires, int? requests, TicketRights? rights)
    {
        public string ClientId { get; } = clientId;
        public DateTimeOffset Expires { get; } = expires;
        public TicketRights? Rights { get; } = rights;
        public int? RequestsLeft = requests;
    }

    private readonly ConcurrentDictionary<string, Ticket> _tickets = new();

    /// <summary>A new ticket value for <paramref name="clientId"/>; with <paramref name="rights"/>, a delegated one.</summary>
    public byte[] Issue(string clientId, DateTimeOffset expires, int? requests, TicketRights? rights = null)
    {
        var mine = _tickets.Where(t => t.Value.ClientId == clientId).OrderBy(t => t.Value.Expires).ToList();
        foreach (var old in mine.Take(Math.Max(0, mine.Count - MaxPerClient + 1))) _tickets.TryRemove(old.Key, out _);
        var value = RandomNumberGenerator.GetBytes(32);
        _tickets[Convert.ToHexString(value)] = new Ticket(clientId, expires, requests, rights);
        return value;
    }

    /// <summary>
    /// Counts a request made with the ticket and says whom it runs as (the ticket's client) and within which rights
    /// (null: all of that client's), or why it is not valid for this client now (Invalid Ticket).
    /// </summary>
    public (string ClientId, TicketRights? Rights) Use(byte[] value, string clientId, DateTimeOffset now)
    {
        var key = Convert.ToHexString(value);
        if (!_tickets.TryGetValue(key, out var ticket) || (ticket.ClientId != clientId && ticket.Rights is null))
            throw new KmipException(ResultReason.InvalidTicket, "the ticket is not one this server issued to this client (or it was logged out)");
        if (ticket.Expires <= now)
        {
            _tickets.TryRemove(key, out _);
            throw new KmipException(ResultReason.InvalidTicket, $"the ticket's lease ended at {ticket.Expires:u}: log in again");
        }
        lock (ticket)
        {
            if (ticket.RequestsLeft is 0)
                throw new KmipException(ResultReason.InvalidTicket, "the ticket's Request Count is used up: log in again");
            if (ticket.RequestsLeft is { } left) ticket.RequestsLeft = left - 1;
        }
        return (ticket.ClientId, ticket.Rights);
    }

    /// <summary>Ends the ticket; Invalid Ticket when it is not this client's.</summary>
    public void End(byte[] value, string clientId)
    {
        var key = Convert.ToHexString(value);
        if (!_tickets.TryGetValue(key, out var ticket) || ticket.ClientId != clientId || !_tickets.TryRemove(key, out _))
            throw new KmipException(ResultReason.InvalidTicket, "the ticket is not one this server issued to this client (or it was logged out already)");
    }
}

/// <summary>
/// The Rights of a delegated ticket (KMIP 2.1 §7.34–7.35): a request may do what at least one Right allows. A Right
/// names the Operations, the Objects (Unique Identifiers) and the Object Groups it covers; an omitted field does not
/// restrict. Usage Limits on a Right are not supported (Delegated Login refuses them).
/// </summary>
public sealed class TicketRights
{
    private sealed record Right(IReadOnlySet<Operation>? Operations, IReadOnlySet<string>? Objects, IReadOnlySet<string>? Groups);

    private readonly IReadOnlyList<Right> _rights;

    private TicketRights(IReadOnlyList<Right> rights) => _rights = rights;

    public static TicketRights Parse(TtlvNode rights)
    {
        var list = new List<Right>();
        foreach (var right in rights.ChildrenOf(Tag.Right))
        {
            if (right.Child(Tag.UsageLimits) is not null)
                throw new KmipException(ResultReason.FeatureNotSupported, "this server does not limit a delegated ticket's operations by Usage Limits");
            list.Add(new Right(
                right.Child(Tag.Operations)?.ChildrenOf(Tag.Operation).Select(o => o.AsEnumOf<Operation>()).ToHashSet(),
                right.Child(Tag.Objects)?.ChildrenOf(Tag.UniqueIdentifier).Select(o => o.AsText).ToHashSet(),
                right.Child(Tag.ObjectGroups)?.ChildrenOf(Tag.ObjectGroup).Select(g => g.AsText).ToHashSet()));
        }
        if (list.Count == 0) throw new KmipException(ResultReason.InvalidField, "Rights must hold at least one Right: a delegated ticket with none could do nothing");
        return new TicketRights(list);
    }

    /// <summary>Whether some Right allows the operation at all (before it looks up any object).</summary>
    public bool Allows(Operation operation) => _rights.Any(r => r.Operations is null || r.Operations.Contains(operation));

    /// <summary>Whether some Right allows the operation on this object.</summary>
    public bool Allows(Operation operation, string id, IEnumerable<string> groups) => _rights.Any(r =>
        (r.Operations is null || r.Operations.Contains(operation)) && (r.Objects is null || r.Objects.Contains(id))
        && (r.Groups is null || groups.Any(r.Groups.Contains)));
}
