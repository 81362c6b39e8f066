using Reqnroll;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>When: time passes on the simulation's clock.</summary>
[Binding]
public sealed class ClockSteps(SimulatedSite site)
{
    [When("{int} minutes pass")]
    public Task MinutesPass(int minutes) => PassAsync(TimeSpan.FromMinutes(minutes));

    // beyond STEPS.md

    [When("a minute passes")]
    public Task AMinutePasses() => PassAsync(TimeSpan.FromMinutes(1));

    [When("{int} days pass")]
    public Task DaysPass(int days) => PassAsync(TimeSpan.FromDays(days));

    private Task PassAsync(TimeSpan by)
    {
        site.ThrowIfPendingFailure();
        return site.Actions.AdvanceClockAsync(by);
    }
}
