using Harness.Simulator;

namespace Harness.Steps;

/// <summary>What Then steps look at: the site after the last When step, whose failure must have been examined first.</summary>
internal static class SiteExamination
{
    public static VirtualMachine ExaminedVm(this SimulatedSite site, string name)
    {
        site.ThrowIfPendingFailure();
        return site.Simulation.Vm(name);
    }

    public static EsxiHost ExaminedHost(this SimulatedSite site, string name)
    {
        site.ThrowIfPendingFailure();
        return site.Simulation.Host(name);
    }

    /// <summary>The event (by message or type ID; unless <paramref name="exact"/>, also by a part of the message) is in the current vCenter's log for the object.</summary>
    public static void ExpectEvent(this SimulatedSite site, string text, string objectName, string what, bool exact = false)
    {
        var events = site.VCenter.Events.For(objectName).ToList();
        Expect.That(events.Any(e => e.TypeId == text || e.Message == text || (!exact && e.Message.Contains(text, StringComparison.Ordinal))),
            $"the event log of vCenter \"{site.VCenter.Name}\" has no \"{text}\" for {what}; it has: " +
            (events.Count == 0 ? "nothing" : string.Join(" | ", events.Select(e => $"{e.TypeId}: {e.Message}"))));
    }
}
