using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Harness.Kmip.Server;

/// <summary>
/// The tickets Login issues (KMIP 2.1 §6.1.30): random values, each bound to the client certificate that logged in,
/// valid until its lease ends, for at most its Request Count of requests when one was given. A request may then
/// authenticate with Credential Type Ticket in place of a username and password; Logout ends a ticket. Kept in
/// memory: a restarted server has no tickets, and its clients log in again.
/// </summary>
public sealed class LoginTickets
{
    /// <summary>The most tickets one client may hold; logging in again beyond it forgets its oldest.</summary>
    public const int MaxPerClient = 100;

    private sealed class Ticket(string clientId, DateTimeOffset expires, int? requests)
    {
        public string ClientId { get; } = clientId;
        public DateTimeOffset Expires { get; } = expires;
        public int? RequestsLeft = requests;
    }

    private readonly ConcurrentDictionary<string, Ticket> _tickets = new();

    /// <summary>A new ticket value for <paramref name="clientId"/>.</summary>
    public byte[] Issue(string clientId, DateTimeOffset expires, int? requests)
    {
        var mine = _tickets.Where(t => t.Value.ClientId == clientId).OrderBy(t => t.Value.Expires).ToList();
        foreach (var old in mine.Take(Math.Max(0, mine.Count - MaxPerClient + 1))) _tickets.TryRemove(old.Key, out _);
        var value = RandomNumberGenerator.GetBytes(32);
        _tickets[Convert.ToHexString(value)] = new Ticket(clientId, expires, requests);
        return value;
    }

    /// <summary>Counts a request made with the ticket, or says why it is not valid for this client now (Invalid Ticket).</summary>
    public void Use(byte[] value, string clientId, DateTimeOffset now)
    {
        var key = Convert.ToHexString(value);
        if (!_tickets.TryGetValue(key, out var ticket) || ticket.ClientId != clientId)
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
    }

    /// <summary>Ends the ticket; Invalid Ticket when it is not this client's.</summary>
    public void End(byte[] value, string clientId)
    {
        var key = Convert.ToHexString(value);
        if (!_tickets.TryGetValue(key, out var ticket) || ticket.ClientId != clientId || !_tickets.TryRemove(key, out _))
            throw new KmipException(ResultReason.InvalidTicket, "the ticket is not one this server issued to this client (or it was logged out already)");
    }
}
