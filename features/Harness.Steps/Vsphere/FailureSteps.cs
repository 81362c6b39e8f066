using Harness.Scenarios;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>Then: the failure of the last When step (a refused vSphere action, or a KMS administrator's request the KMS
/// refused), which no scenario may leave unexamined.</summary>
[Binding]
public sealed class FailureSteps(SimulatedSite site)
{
    [Then("the operation fails with {string}")]
    public void OperationFails(string text)
    {
        var failure = site.TakeFailure();
        var said = failure is VsphereFault f ? $"{f.FaultName}: {f.Message}" : failure.Message;
        Expect.That(said.Contains(text, StringComparison.OrdinalIgnoreCase), $"the operation failed with \"{said}\", which does not mention \"{text}\"");
    }

    [AfterScenario]
    public void NoUnexaminedFailure() => site.ThrowIfPendingFailure();
}
