namespace Harness.Kmip.Server.Objects;

/// <summary>
/// The object states and the dates that drive them (KMIP 1.4 §3.22 State, Figure 4): Pre-Active becomes Active at the
/// Activation Date; Active becomes Deactivated at the Deactivation Date. The server applies due transitions whenever it
/// reads an object, so a date set in the past takes effect at once and one set in the future when it comes.
/// </summary>
public static class Lifecycle
{
    public static bool TransitionsDue(ManagedObject obj, DateTimeOffset now)
    {
        var state = obj.State;
        if (state == State.PreActive && obj.Date(AttributeNames.ActivationDate) is { } a && a <= now) return true;
        if (state is State.PreActive or State.Active && obj.Date(AttributeNames.DeactivationDate) is { } d && d <= now) return true;
        return false;
    }

    /// <summary>The object as it stands now: itself, or a copy with the due transitions applied.</summary>
    public static ManagedObject WithDueTransitions(ManagedObject obj, DateTimeOffset now)
    {
        if (!TransitionsDue(obj, now)) return obj;
        var copy = obj.Clone();
        ApplyDueTransitions(copy, now);
        return copy;
    }

    public static void ApplyDueTransitions(ManagedObject obj, DateTimeOffset now)
    {
        if (obj.State == State.PreActive && obj.Date(AttributeNames.ActivationDate) is { } a && a <= now)
            obj.State = State.Active;
        if (obj.State is State.PreActive or State.Active && obj.Date(AttributeNames.DeactivationDate) is { } d && d <= now)
            obj.State = State.Deactivated;
    }

    /// <summary>True for objects whose key material may be used to protect data (KMIP 1.4 §3.22: only Active).</summary>
    public static bool IsUsableForProtection(State s) => s == State.Active;

    public static bool IsDestroyed(State s) => s is State.Destroyed or State.DestroyedCompromised;
}
