using Harness.Testing;

namespace Harness.Samples.Tests;

/// <summary>
/// A team's own Reqnroll steps beside Harness's, both routes of samples/README.md: the team's binding assembly
/// (Reqnroll package only) loaded by <c>harness run --bindings</c> and <c>harness steps --bindings</c>, and the team's own
/// xunit test project referencing the packed Harness.Steps package.
/// </summary>
public class TeamStepsTests(SampleWorkspace workspace) : IClassFixture<SampleWorkspace>
{
    private const string ForgottenTicket = """
        @change-window
        Feature: A change window whose ticket stays open
          Background:
            Given a KMS cluster "kms-prod"
            And vCenter "vc01" trusts the KMS cluster "kms-prod"
            And a cluster "cl01" with hosts "esx01, esx02"
            And an encrypted VM "app01" running on host "esx01"

          Scenario: The operator forgets to close the ticket
            Given change ticket "CHG-2001" is approved
            When host "esx01" reboots
            Then VM "app01" is unlocked
            And change ticket "CHG-2001" is closed
            And VM "app01" has no active alarm
        """;

    private static readonly string HarnessDll = Path.Combine(AppContext.BaseDirectory, "harness.dll");

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private async Task<ChildProcess> Harness(params string[] args)
    {
        var child = ChildProcess.Start(Dotnet, [HarnessDll, .. args], workspace.Samples);
        await child.WaitForExitAsync(TimeSpan.FromMinutes(3));
        return child;
    }

    [Fact]
    public void ChangeSteps_ReferencesTheReqnrollPackageAlone()
    {
        var references = SampleWorkspace.ReferencesOf(workspace.ChangeStepsDll);
        references.Should().Contain("Reqnroll");
        references.Should().NotContain(r => r.StartsWith("Harness", StringComparison.OrdinalIgnoreCase), "the team's library knows nothing of Harness");
    }

    [Fact]
    public async Task Run_WithTheTeamsBindings_RunsBothInOneScenarioAndShowsTheTeamsFailure()
    {
        var extra = Path.Combine(workspace.Root, "more-features");
        Directory.CreateDirectory(extra);
        File.WriteAllText(Path.Combine(extra, "forgotten-ticket.feature"), ForgottenTicket);

        var run = await Harness("run", "--bindings", workspace.ChangeStepsDll, "features", extra);

        run.ExitCode.Should().Be(1, run.Describe());
        var lines = run.StdoutLines;
        lines.Should().Contain(l => l.Contains("✓ Given change ticket \"CHG-1001\" is approved"), run.Describe());
        lines.Should().Contain(l => l.Contains("✓ Then change ticket \"CHG-1001\" is closed"));
        lines.Should().Contain(l => l.Contains("✓ When host \"esx01\" reboots"));
        // The team's failing step is the one marked failed, its message under it; the next step is skipped.
        var failed = lines.ToList().FindIndex(l => l.Contains("✗ And change ticket \"CHG-2001\" is closed"));
        failed.Should().BeGreaterThan(0, run.Describe());
        lines[failed + 1].Should().Contain("change ticket CHG-2001 is approved, expected closed");
        lines.Should().Contain(l => l.Contains("- And VM \"app01\" has no active alarm"));
        lines.Should().Contain("2 passed, 1 failed");
    }

    [Fact]
    public async Task Steps_WithTheTeamsBindings_ListsThemBesideHarnesss()
    {
        var steps = await Harness("steps", "--bindings", workspace.ChangeStepsDll);
        steps.ExitCode.Should().Be(0, steps.Describe());
        steps.StdoutLines.Should().Contain(l => l.Contains("change ticket {string} is {ticketState}") && l.Contains("ChangeTicketSteps.cs:"));
        steps.StdoutLines.Should().Contain(l => l.Contains("host {string} reboots"));
    }

    [Fact]
    public async Task Steps_BindingsThatDoNotExist_ExitTwoWithOneLine()
    {
        var steps = await Harness("steps", "--bindings", "no-such-steps.dll");
        steps.ExitCode.Should().Be(2, steps.Describe());
        steps.Stderr.Trim().Split('\n').Should().ContainSingle().Which.Should().Contain("no-such-steps.dll");
    }

    [Fact]
    public async Task TeamTestProject_OnThePackedPackages_RunsEveryScenario()
    {
        var test = await SampleWorkspace.Run("dotnet",
            ["test", "Contoso.EncryptionTests", $"-p:HarnessVersion={workspace.Version}", "-nologo"], workspace.Samples, mustSucceed: false);
        test.ExitCode.Should().Be(0, test.Describe());
        test.Stdout.Should().MatchRegex(@"Passed!\s+-\s+Failed:\s+0, Passed:\s+3,");
    }
}
