using Harness.Simulator;
using Reqnroll;

namespace Harness.Steps;

/// <summary>Then: the failure of the last When step (a refused vSphere action, or a KMS administrator's request the KMS
/// refused), which no scenario may leave unexamined (<see cref="SiteHooks"/>).</summary>
[Binding]
public sealed class FailureSteps(SimulatedSite site)
{
    [Then(SiteHooks.ExaminesFailure + "{string}")]
    public void OperationFails(string text)
    {
        var said = Describe(site.TakeFailure());
        Expect.That(said.Contains(text, StringComparison.OrdinalIgnoreCase), $"the operation failed with \"{said}\", which does not mention \"{text}\"");
    }

    internal static string Describe(Exception failure) => failure is VsphereFault f ? $"{f.FaultName}: {f.Message}" : failure.Message;
}
