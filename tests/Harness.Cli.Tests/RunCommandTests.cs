using System.Text.RegularExpressions;
using Harness.Testing;

namespace Harness.Cli.Tests;

/// <summary>`harness run` and `harness steps` as a user runs them.</summary>
[Collection(ServerProcesses.Name)]
public sealed class RunCommandTests
{
    private const string Good = """
        @kms
        Feature: Good
          Scenario: A key can be fetched
            Given a KMS
            And a KMIP client "alice" with a certificate from the KMS's CA
            When client "alice" creates an AES key of 256 bits named "k"
            Then client "alice" gets key "k" with 32 bytes of key material

          @slow
          Scenario: Slow one
            Given a KMS
        """;

    private const string Broken = """
        Feature: Broken
          Scenario: x
            Given a KMS
          This line is not Gherkin
            | a table | without a step |
        """;

    [Fact]
    public async Task Run_DirectoryWithABrokenAndAGoodFeature_GoodRunsBrokenReportedExit1()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("a-broken.feature"), Broken);
        File.WriteAllText(dir.Sub("b-good.feature"), Good);

        using var run = await Cli.RunAsync("run", "--no-color", dir.Path);

        run.ExitCode.Should().Be(1);
        run.Stdout.Should().MatchRegex(@"a-broken\.feature:4:\d+: syntax error");
        run.Stdout.Should().Contain("✓ Then client \"alice\" gets key \"k\" with 32 bytes of key material");
        run.StdoutLines.Last().Should().Be("2 passed, 1 failed");
        run.StdoutLines.Should().Contain(l => Regex.IsMatch(l, @"^  .*a-broken\.feature:4  syntax error: "));
        run.StdoutLines.Should().Contain(l => l.StartsWith("  ./harness run ") && l.EndsWith("a-broken.feature"), "the broken file is rerun whole");
    }

    [Fact]
    public async Task Run_TagExpression_SelectsScenariosAndWritesReports()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("good.feature"), Good);

        using var run = await Cli.RunAsync("run", "--no-color", "--tags", "@kms and not @slow", "--junit", dir.Sub("r.xml"),
            "--messages", dir.Sub("r.ndjson"), "--html", dir.Sub("r.html"), dir.Sub("good.feature"));

        run.ExitCode.Should().Be(0, run.Stdout);
        run.Stdout.Should().Contain("A key can be fetched").And.NotContain("Slow one");
        run.StdoutLines.Last().Should().Be("1 passed, 0 failed");
        File.ReadAllText(dir.Sub("r.xml")).Should().Contain("A key can be fetched");
        File.ReadAllLines(dir.Sub("r.ndjson")).Should().Contain(l => l.Contains("\"testRunFinished\""));
        File.ReadAllText(dir.Sub("r.html")).Should().Contain("A key can be fetched", "the Cucumber HTML report embeds the run's messages");
    }

    [Fact]
    public async Task Run_UndefinedStep_PrintsTheClosestPhrasesAndASnippet()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("typo.feature"), "Feature: Typo\n  Scenario: t\n    Given a KMS server\n");

        using var run = await Cli.RunAsync("run", "--no-color", dir.Sub("typo.feature"));

        run.ExitCode.Should().Be(1);
        run.Stdout.Should().Contain("undefined step \"a KMS server\"").And.Contain("typo.feature:3")
            .And.Contain("\"a KMS\"").And.Contain("[Given(\"a KMS server\")]");
    }

    [Fact]
    public async Task Run_BadTagExpression_ExitsWith2()
    {
        using var run = await Cli.RunAsync("run", "--tags", "@a and", "features");
        Cli.ReasonOf(run).Should().Contain("--tags");
    }

    [Fact]
    public async Task Run_RepositoryFeatures_AllPass()
    {
        using var run = await Cli.RunAsync("run", "--no-color", Path.Combine(RepoPaths.Root, "features"));
        run.ExitCode.Should().Be(0, run.Stdout);
        run.StdoutLines.Last().Should().MatchRegex(@"^[1-9]\d* passed, 0 failed$");
    }

    [Fact]
    public async Task Steps_ListsEveryPhraseWithItsLocation()
    {
        using var run = await Cli.RunAsync("steps");
        run.ExitCode.Should().Be(0);
        run.Stdout.Should().Contain("a KMIP client {string} with a certificate from the KMS's CA").And.Contain("KmsSteps.cs:");
        run.StdoutLines.Last().Should().MatchRegex(@"^\d+ steps$");
    }

    [Fact]
    public async Task Run_WithATarget_RunsTheVsphereScenariosAgainstThatKms_AdministratorStepsThroughItsAdminInterface()
    {
        using var dir = new TempDir("harness-run-target-");
        var pki = Harness.Pki.TestPki.Init(dir.Sub("pki"));
        using var kms = await ServeProcess.StartAsync(pki.Directory, dir.Sub("data"));
        var token = (await File.ReadAllTextAsync(kms.AdminTokenFile, TestContext.Current.CancellationToken)).Trim();
        int scenarios = CertifyCommandTests.CertificationScenarioCount();
        var features = Path.Combine(RepoPaths.Root, "features", "vsphere");

        using var run = await Cli.RunAsync("run", "--no-color", "--tags", "@certification", "--target", $"127.0.0.1:{kms.Port}", "--pki", pki.Directory,
            "--admin", kms.AdminUrl.AbsoluteUri, "--admin-token", token, features);
        run.ExitCode.Should().Be(0, run.Describe());
        run.StdoutLines.Last().Should().Be($"{scenarios} passed, 0 failed");
        // The keys the scenarios made live on that KMS (and are destroyed again when each scenario ends).
        run.Stdout.Should().Contain("When the KMS administrator deactivates the key of VM \"app01\"");

        // Without its admin interface, the scenario that deactivates a key stops there, saying what it needs.
        using var without = await Cli.RunAsync("run", "--no-color", "--tags", "@certification", "--target", $"127.0.0.1:{kms.Port}", "--pki", pki.Directory, features);
        without.ExitCode.Should().Be(1, without.Describe());
        without.StdoutLines.Last().Should().Be($"{scenarios - 1} passed, 1 failed");
        without.Stdout.Should().Contain("needs a KMS administrator to deactivate key");
    }

    private const string OneFailing = """
        Feature: Labels
          Scenario: Two labels are two keys
            Given the team labels a key "a"
            And the team labels a key "b"
            Then the team has 2 labelled keys

          Scenario: One label is not two keys
            Given the team labels a key "a"
            Then the team has 2 labelled keys
        """;

    [Fact]
    public async Task Run_FileColonLine_RunsOnlyTheScenarioAtThatLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("good.feature"), Good);

        using var run = await Cli.RunAsync("run", "--no-color", dir.Sub("good.feature") + ":10");

        run.ExitCode.Should().Be(0, run.Describe());
        run.Stdout.Should().Contain("Slow one").And.NotContain("A key can be fetched");
        run.StdoutLines.Last().Should().Be("1 passed, 0 failed");
    }

    [Fact]
    public async Task Run_RepositoryFeatureColonLine_IsFoundFromTheRepositoryRootAndByItsAbsolutePath()
    {
        const string Title = "A host that reboots while the KMS is unreachable locks its VMs";
        using var relative = await Cli.RunInAsync(RepoPaths.Root, "run", "--no-color", "--dry-run", "features/vsphere/locked-vms.feature:27");
        using var absolute = await Cli.RunAsync("run", "--no-color", "--dry-run", Path.Combine(RepoPaths.Root, "features", "vsphere", "locked-vms.feature") + ":27:42");

        relative.ExitCode.Should().Be(0, relative.Describe());
        relative.Stdout.Should().Contain(Title);
        relative.StdoutLines.Last().Should().Be("1 passed, 0 failed (dry run: steps matched, none run)");
        absolute.ExitCode.Should().Be(0, absolute.Describe());
        absolute.Stdout.Should().Contain(Title).And.Contain("Unlocking a locked VM while the KMS is still unreachable");
        absolute.StdoutLines.Last().Should().StartWith("2 passed, 0 failed");
    }

    [Fact]
    public async Task Run_WithFailures_ListsThemAndTheCommandThatRerunsJustThem()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("labels.feature"), OneFailing);

        using var run = await Cli.RunAsync("run", "--no-color", "--bindings", Cli.TeamSteps, dir.Path);

        run.ExitCode.Should().Be(1, run.Describe());
        var uri = Path.GetRelativePath(Environment.CurrentDirectory, dir.Sub("labels.feature")).Replace('\\', '/');
        run.StdoutLines.Should().ContainInOrder("Failed scenarios:", $"  {uri}:7  One label is not two keys", "Rerun them with:");
        var rerun = run.StdoutLines.Single(l => l.StartsWith("  ./harness run "));
        rerun.Should().Be($"  ./harness run {uri}:7 --bindings {Cli.TeamSteps}");

        using var again = await Cli.RunAsync(rerun.Trim().Split(' ')[1..]);
        again.ExitCode.Should().Be(1, again.Describe());
        again.Stdout.Should().Contain("One label is not two keys").And.NotContain("Two labels are two keys");
        again.StdoutLines.Last().Should().Be("0 passed, 1 failed");
    }

    [Fact]
    public async Task Run_Bindings_RunsATeamsOwnStepsAndStepsListsThem()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("labels.feature"), OneFailing);

        using var without = await Cli.RunAsync("run", "--no-color", dir.Sub("labels.feature"));
        using var with = await Cli.RunAsync("run", "--no-color", "--bindings", Cli.TeamSteps, dir.Sub("labels.feature") + ":2");
        using var steps = await Cli.RunAsync("steps", "--bindings", Cli.TeamSteps);

        without.ExitCode.Should().Be(1);
        without.Stdout.Should().Contain("undefined step \"the team labels a key \"a\"\"");
        with.ExitCode.Should().Be(0, with.Describe());
        with.StdoutLines.Last().Should().Be("1 passed, 0 failed");
        steps.ExitCode.Should().Be(0, steps.Describe());
        steps.Stdout.Should().Contain("the team labels a key {string}").And.Contain("TeamSteps.cs:").And.Contain("a KMIP client {string}");
    }

    [Fact]
    public async Task Run_BindingsThatDoNotExist_ExitsWith2BeforeRunning()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("good.feature"), Good);

        using var run = await Cli.RunAsync("run", "--bindings", "/no/such/steps.dll", dir.Sub("good.feature"));

        Cli.ReasonOf(run).Should().Be("harness run: --bindings /no/such/steps.dll: there is no such file");
        run.Stdout.Should().BeEmpty();
    }

    [Fact]
    public async Task Run_Name_SelectsByRegularExpression_ABadOneExitsWith2()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("labels.feature"), OneFailing);

        using var run = await Cli.RunAsync("run", "--no-color", "--bindings", Cli.TeamSteps, "--name", "^Two labels", dir.Path);
        using var bad = await Cli.RunAsync("run", "--name", "(unclosed", dir.Path);

        run.ExitCode.Should().Be(0, run.Describe());
        run.Stdout.Should().Contain("Two labels are two keys").And.NotContain("One label is not two keys");
        run.StdoutLines.Last().Should().Be("1 passed, 0 failed");
        Cli.ReasonOf(bad).Should().StartWith("harness run: --name \"(unclosed\" is not a regular expression");
    }

    [Fact]
    public async Task Run_DryRun_MatchesStepsAndRunsNone()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("labels.feature"), OneFailing);

        using var run = await Cli.RunAsync("run", "--no-color", "--dry-run", "--bindings", Cli.TeamSteps, dir.Path);

        run.ExitCode.Should().Be(0, "the failing check never runs\n" + run.Describe());
        run.Stdout.Should().Contain("- Then the team has 2 labelled keys").And.NotContain("✓").And.NotContain("✗");
        run.StdoutLines.Last().Should().Be("2 passed, 0 failed (dry run: steps matched, none run)");
    }

    [Theory]
    [InlineData("--junit")]
    [InlineData("--html")]
    [InlineData("--messages")]
    public async Task Run_AReportPathThatIsAFolder_ExitsWith2BeforeRunning(string option)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("good.feature"), Good);

        using var run = await Cli.RunAsync("run", option, dir.Path, dir.Sub("good.feature"));

        Cli.ReasonOf(run).Should().StartWith($"harness run: {option} {dir.Path}: is a folder");
        run.Stdout.Should().BeEmpty("nothing ran");
    }

    [Fact]
    public async Task Run_WithStderrRedirected_WritesNoProgressLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("good.feature"), Good);

        using var run = await Cli.RunAsync("run", "--no-color", dir.Sub("good.feature"));

        run.ExitCode.Should().Be(0, run.Describe());
        run.Stderr.Should().BeEmpty("stderr is not a terminal: no progress line, no '\\r'");
    }
}
