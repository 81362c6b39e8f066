using Harness.Scenarios;
using Harness.Steps;

namespace Harness.Features.Tests;

/// <summary>
/// A When step that vSphere refuses is the step marked failed, with vSphere's words, unless the next step examines the
/// failure ("Then the operation fails with …"); the error never lands on the next step or on a hook.
/// </summary>
public sealed class StepFailureTests
{
    private const string Background = """
        Feature: Failures
          Background:
            Given a KMS cluster "kms-prod"
            And vCenter "vc01" trusts the KMS cluster "kms-prod"
            And a cluster "cl01" with hosts "esx01"
            And an encrypted VM "app01" running on host "esx01"

        """;

    private static async Task<ScenarioResult> Run(string scenario)
    {
        await using var engine = new ScenarioEngine(StepCatalog.FromAssemblies(typeof(KmsSteps).Assembly));
        var run = await engine.RunAsync([FeatureLoader.Parse(Background + scenario, "failures.feature")]);
        return run.Scenarios.Single();
    }

    [Fact]
    public async Task RefusedWhenStep_NotExamined_IsTheStepMarkedFailed()
    {
        var result = await Run("""
              Scenario: Powering on a locked VM
                When the KMS cluster "kms-prod" becomes unreachable
                And host "esx01" reboots
                And the administrator powers on VM "app01"
                Then VM "app01" is locked
            """);
        var steps = result.Steps.Skip(4).ToList();
        steps.Select(s => (s.Step.Text, s.Status)).Should().Equal(
            ("the KMS cluster \"kms-prod\" becomes unreachable", StepStatus.Passed),
            ("host \"esx01\" reboots", StepStatus.Passed),
            ("the administrator powers on VM \"app01\"", StepStatus.Failed),
            ("VM \"app01\" is locked", StepStatus.Skipped));
        steps[2].ErrorMessage.Should().Contain("app01").And.Contain("the next step is \"Then the operation fails with");
        result.AfterHooks.Should().OnlyContain(h => h.Status == StepStatus.Passed, "the failure is the step's, not a hook's");
    }

    [Fact]
    public async Task RefusedWhenStep_ExaminedByTheNextStep_Passes()
    {
        var result = await Run("""
              Scenario: Powering on a locked VM, examined
                When the KMS cluster "kms-prod" becomes unreachable
                And host "esx01" reboots
                And the administrator powers on VM "app01"
                Then the operation fails with "locked"
                And VM "app01" is locked
            """);
        result.Status.Should().Be(StepStatus.Passed, result.FailureSummary);
    }
}
