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
        File.ReadAllText(dir.Sub("r.html")).Should().Contain("1 passed, 0 failed");
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
}
