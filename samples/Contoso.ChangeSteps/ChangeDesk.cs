namespace Contoso.ChangeSteps;

public enum TicketState { Open, Approved, Closed }

/// <summary>A change ticket of the team's change process: what a host reboot in production needs.</summary>
public sealed class ChangeTicket(string id)
{
    public string Id { get; } = id;
    public TicketState State { get; set; } = TicketState.Open;
    public List<string> Notes { get; } = [];
}

/// <summary>The team's change desk for one scenario (Reqnroll makes one per scenario and injects it where asked).</summary>
public sealed class ChangeDesk
{
    private readonly Dictionary<string, ChangeTicket> _tickets = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether a change window is open (a @change-window scenario opens one before it starts).</summary>
    public bool WindowOpen { get; set; }

    public ChangeTicket Ticket(string id) =>
        _tickets.TryGetValue(id, out var t) ? t : _tickets[id] = new ChangeTicket(id);
}
