using Harness.Scenarios;
using Harness.Simulator;
using Reqnroll;
using Reqnroll.BoDi;

namespace Harness.Steps;

/// <summary>
/// The scenario's simulated site: made when a binding first needs it, on the run's <see cref="ExternalKms"/> when one is
/// registered (certify, <c>./harness run --target</c>), else on embedded Harness KMSs; disposed when the scenario ends.
/// A site registered before the scenario starts (the runbook player's) is used as it is and left to its owner.
/// Also where a failed When step that nobody examines fails: on the step itself, when the next step is not
/// "Then the operation fails with …" (the Harness engine tells which step is next), else at the end of the scenario.
/// </summary>
[Binding]
public sealed class SiteHooks
{
    /// <summary>The start of the one phrase that examines a failed When step (<see cref="FailureSteps.OperationFails"/>).</summary>
    internal const string ExaminesFailure = "the operation fails with ";

    private sealed class SiteHolder
    {
        public SimulatedSite? Site;
        public bool Owned;
    }

    [BeforeScenario(Order = -1000)]
    public static void ProvideSite(IObjectContainer container)
    {
        var holder = new SiteHolder();
        container.RegisterInstanceAs(holder);
        if (container.IsRegistered<SimulatedSite>())
        {
            holder.Site = container.Resolve<SimulatedSite>();
            return;
        }
        container.RegisterFactoryAs<SimulatedSite>(c =>
        {
            holder.Site = new SimulatedSite(c.IsRegistered<ExternalKms>() ? c.Resolve<ExternalKms>() : null);
            holder.Owned = true;
            return holder.Site;
        });
    }

    [AfterStep]
    public static void StepFailureNobodyExamines(IObjectContainer container)
    {
        if (!container.IsRegistered<SiteHolder>() || container.Resolve<SiteHolder>().Site is not { PendingFailure: not null } site) return;
        if (!container.IsRegistered<RunningScenario>()) return; // no look-ahead here: the next step, or the scenario's end, reports it
        var next = container.Resolve<RunningScenario>().NextStep;
        if (next is not null && next.Text.StartsWith(ExaminesFailure, StringComparison.Ordinal)) return;
        var failure = site.TakeFailure();
        throw new InvalidOperationException($"{FailureSteps.Describe(failure)} (a failure is expected only when the next step is \"Then {ExaminesFailure}…\")", failure);
    }

    [AfterScenario(Order = 1000)]
    public static async Task NoUnexaminedFailureAsync(IObjectContainer container)
    {
        if (!container.IsRegistered<SiteHolder>()) return;
        var holder = container.Resolve<SiteHolder>();
        try { holder.Site?.ThrowIfPendingFailure(); }
        finally
        {
            if (holder.Owned && holder.Site is { } site)
            {
                holder.Site = null;
                await site.DisposeAsync();
            }
        }
    }
}
