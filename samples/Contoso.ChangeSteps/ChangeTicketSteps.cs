using Reqnroll;

namespace Contoso.ChangeSteps;

/// <summary>
/// The team's own phrases, written as any Reqnroll step library: constructor injection of a per-scenario driver
/// (<see cref="ChangeDesk"/>), <see cref="ScenarioContext"/>, a <see cref="DataTable"/>, a custom parameter type by
/// <c>[StepArgumentTransformation]</c>, and a tagged hook.
/// </summary>
[Binding]
public sealed class ChangeTicketSteps(ChangeDesk desk, ScenarioContext scenario)
{
    [StepArgumentTransformation("(open|approved|closed)", Name = "ticketState")]
    public static TicketState ParseState(string text) => Enum.Parse<TicketState>(text, ignoreCase: true);

    [BeforeScenario("change-window")]
    public void OpenTheChangeWindow() => desk.WindowOpen = true;

    [Given("change ticket {string} is {ticketState}")]
    public void TicketIs(string id, TicketState state)
    {
        if (state == TicketState.Approved && !desk.WindowOpen)
            throw new InvalidOperationException($"change ticket {id} cannot be approved outside a change window (tag the scenario @change-window)");
        desk.Ticket(id).State = state;
        scenario["ticket"] = id;
    }

    [When("the operator closes change ticket {string} with notes:")]
    public void Close(string id, DataTable notes)
    {
        var ticket = desk.Ticket(id);
        if (ticket.State != TicketState.Approved)
            throw new InvalidOperationException($"change ticket {id} is {ticket.State.ToString().ToLowerInvariant()}: only an approved ticket can be closed");
        foreach (var row in notes.Rows) ticket.Notes.Add(row["note"]);
        ticket.State = TicketState.Closed;
    }

    [Then("change ticket {string} is {ticketState}")]
    public void TicketShouldBe(string id, TicketState expected)
    {
        var actual = desk.Ticket(id).State;
        if (actual != expected)
            throw new InvalidOperationException(
                $"change ticket {id} is {actual.ToString().ToLowerInvariant()}, expected {expected.ToString().ToLowerInvariant()}");
    }

    [Then("the last change ticket has {int} note(s)")]
    public void NoteCount(int count)
    {
        var id = (string)scenario["ticket"];
        var notes = desk.Ticket(id).Notes.Count;
        if (notes != count) throw new InvalidOperationException($"change ticket {id} has {notes} notes, expected {count}");
    }
}
