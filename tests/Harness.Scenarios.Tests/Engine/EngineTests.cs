using Reqnroll;

namespace Harness.Scenarios.Tests.Engine;

/// <summary>The scenario engine on feature text written for it, with the bindings of EngineTestBindings.cs.</summary>
public class EngineTests
{
    /// <summary>This assembly's bindings (the calculator, the hooks, and the @ambiguous-scoped pair).</summary>
    private static StepCatalog Catalog() => StepCatalog.FromAssemblies(typeof(CalculatorSteps).Assembly);

    private static async Task<RunResult> Run(string feature, string? tags = null, string uri = "test.feature")
    {
        await using var engine = new ScenarioEngine(Catalog());
        return await engine.RunAsync([FeatureLoader.Parse(feature, uri)], new RunOptions(tags));
    }

    private static ScenarioResult Single(RunResult run) => run.Scenarios.Should().ContainSingle().Subject;

    [Fact]
    public async Task Run_ScenarioWithIntAndFloatArguments_Passes()
    {
        var run = await Run("""
            Feature: Calculator
              Scenario: Add two numbers
                Given I have entered 50 into the calculator
                And I have entered 70 into the calculator
                When I press add
                Then the result should be 120 on the screen
            """);
        var scenario = Single(run);
        scenario.Status.Should().Be(StepStatus.Passed);
        scenario.Steps.Should().HaveCount(4).And.OnlyContain(s => s.Status == StepStatus.Passed);
        scenario.Steps[0].Binding!.Location.Should().Contain("EngineTestBindings.cs:");
    }

    [Fact]
    public async Task Run_StringWordCustomAndRegexArguments_AreConverted()
    {
        var run = await Run("""
            Feature: Arguments
              Scenario: Every kind of argument
                Given the user "Ada Lovelace" is logged in
                And a sunny day
                And the light is green
                And a regex step with 3 items and "boxes"
                And I have entered the number 1.5
                Then the journal says "user Ada Lovelace"
                And the journal says "day sunny"
                And the journal says "light Green"
                And the journal says "regex 3 boxes"
                And the result should be 1.5
            """);
        Single(run).Status.Should().Be(StepStatus.Passed, Single(run).FailureSummary);
    }

    [Fact]
    public async Task Run_BackgroundAndRuleBackground_RunBeforeEachScenario()
    {
        var run = await Run("""
            Feature: Backgrounds
              Background:
                Given I have entered 1 into the calculator

              Scenario: Feature scenario
                When I press add
                Then the result should be 1 on the screen

              Rule: Within the rule
                Background:
                  Given I have entered 10 into the calculator

                Scenario: Rule scenario
                  When I press add
                  Then the result should be 11 on the screen
            """);
        run.Scenarios.Should().HaveCount(2).And.OnlyContain(s => s.Status == StepStatus.Passed);
        run.Scenarios.Last().Scenario.Rule.Should().Be("Within the rule");
        run.Scenarios.Last().Steps.Take(2).Should().OnlyContain(s => s.Step.FromBackground);
    }

    [Fact]
    public async Task Run_ScenarioOutline_OneScenarioPerRowNamedByItsValues()
    {
        var run = await Run("""
            Feature: Outlines
              Scenario Outline: Adding
                Given I have entered <a> into the calculator
                And I have entered <b> into the calculator
                When I press add
                Then the result should be <sum> on the screen

                Examples:
                  | a | b | sum |
                  | 1 | 2 | 3   |
                  | 5 | 5 | 10  |

              Scenario Outline: Adding <a> and <b>
                Given I have entered <a> into the calculator
                Then the result should be <a> on the screen

                Examples:
                  | a |
                  | 7 |
            """);
        run.Scenarios.Select(s => s.Scenario.DisplayName).Should().Equal(
            "Adding (a: 1, b: 2, sum: 3)", "Adding (a: 5, b: 5, sum: 10)", "Adding 7 and <b>");
        run.Scenarios.Select(s => s.Scenario.Line).Should().Equal(10, 11, 19);
        run.Scenarios.Should().OnlyContain(s => s.Status == StepStatus.Passed);
    }

    [Fact]
    public async Task Run_DataTableAndDocStrings_ArePassedToTheMethods()
    {
        var run = await Run("""
            Feature: Arguments
              Scenario: Tables and doc strings
                Given these numbers:
                  | value |
                  | 2.5   |
                  | 4     |
                And this text:
                  ""\"
                  hello world
                  ""\"
                And this document:
                  ```json
                  {"a": 1}
                  ```
                When I press add
                Then the result should be 6.5
                And the journal says "text hello world"
                And the journal says 'doc {"a": 1}'
            """.Replace("\\\"", "\""));
        Single(run).Status.Should().Be(StepStatus.Passed, Single(run).FailureSummary);
    }

    [Fact]
    public async Task Run_LanguageHeader_FrenchKeywordsWork()
    {
        var run = await Run("""
            # language: fr
            Fonctionnalité: Calculatrice
              Scénario: Addition
                Soit I have entered 2 into the calculator
                Et I have entered 3 into the calculator
                Quand I press add
                Alors the result should be 5 on the screen
            """);
        Single(run).Status.Should().Be(StepStatus.Passed, Single(run).FailureSummary);
        run.Features[0].Feature.Language.Should().Be("fr");
    }

    [Fact]
    public async Task Run_StepDefinitionAttribute_MatchesEveryKeyword()
    {
        var run = await Run("""
            Feature: Any keyword
              Scenario: Given, When and Then
                Given any keyword step
                When any keyword step
                Then any keyword step
            """);
        Single(run).Status.Should().Be(StepStatus.Passed);
    }

    [Fact]
    public async Task Run_GivenBinding_DoesNotMatchAThenStep()
    {
        var run = await Run("""
            Feature: Keywords
              Scenario: Wrong keyword
                Then I press add
            """);
        var step = Single(run).Steps[0];
        step.Status.Should().Be(StepStatus.Undefined);
        step.ErrorMessage.Should().Contain("the phrase is bound as a When step (CalculatorSteps.Add (")
            .And.Contain("write it as \"When I press add\"");
        step.Undefined!.BoundAsKeyword.Should().Be("When");
    }

    [Fact]
    public async Task Run_UndefinedStep_NamesTheStepItsLocationTheClosestPhrasesAndASnippet()
    {
        var run = await Run("""
            Feature: Undefined
              Scenario: A typo
                Given I have entred 5 into the calculater
                When I press add
            """, uri: "features/typo.feature");
        var step = Single(run).Steps[0];
        step.Status.Should().Be(StepStatus.Undefined);
        step.ErrorMessage.Should().Contain("\"I have entred 5 into the calculater\"").And.Contain("features/typo.feature:3");
        step.Undefined!.Closest.Should().HaveCount(3);
        step.Undefined.Closest[0].Expression.Should().Be("I have entered {int} into the calculator");
        step.Undefined.Snippet.Should().Contain("[Given(\"I have entred {int} into the calculater\")]")
            .And.Contain("(int p0)").And.Contain("throw new PendingStepException();");
        Single(run).Steps[1].Status.Should().Be(StepStatus.Skipped);
        Single(run).Status.Should().Be(StepStatus.Undefined);
    }

    [Fact]
    public async Task Run_AmbiguousStep_NamesBothBindingsAndTheirLocations()
    {
        var run = await Run("""
            Feature: Ambiguous
              @ambiguous
              Scenario: Two bindings
                Given a phrase bound twice
            """);
        var step = Single(run).Steps[0];
        step.Status.Should().Be(StepStatus.Ambiguous);
        step.AmbiguousWith.Should().HaveCount(2);
        step.ErrorMessage.Should().Contain("AmbiguousBindings.First").And.Contain("AmbiguousBindings.Second").And.Contain("EngineTestBindings.cs:");
    }

    [Fact]
    public async Task Run_ArgumentThatDoesNotConvert_NamesTheArgumentTheTypeAndTheStep()
    {
        var run = await Run("""
            Feature: Conversion
              Scenario: Too big for an int
                Given I have entered 99999999999 into the calculator
            """);
        var step = Single(run).Steps[0];
        step.Status.Should().Be(StepStatus.Failed);
        step.ErrorMessage.Should().Contain("99999999999").And.Contain("Int32").And.Contain("I have entered 99999999999 into the calculator");
    }

    [Fact]
    public async Task Run_FailingAssertion_RestSkippedAndAfterHooksStillRun()
    {
        var run = await Run("""
            Feature: Failure
              Scenario: Assertion fails
                Given I have entered 1 into the calculator
                When an assertion fails
                Then the result should be 1 on the screen
            """);
        var scenario = Single(run);
        scenario.Status.Should().Be(StepStatus.Failed);
        scenario.Steps.Select(s => s.Status).Should().Equal(StepStatus.Passed, StepStatus.Failed, StepStatus.Skipped);
        scenario.Steps[1].ErrorMessage.Should().Contain("one is not two");
        scenario.AfterHooks.Should().ContainSingle().Which.Status.Should().Be(StepStatus.Passed);
        HookBindings.Log.Should().Contain(l => l.StartsWith("after Assertion fails:"));
        scenario.FailureSummary.Should().Contain("When an assertion fails").And.Contain("test.feature:4");
    }

    [Fact]
    public async Task Run_PendingStep_ScenarioIsPending()
    {
        var run = await Run("""
            Feature: Pending
              Scenario: Not written yet
                When a step is pending
            """);
        Single(run).Status.Should().Be(StepStatus.Pending);
    }

    [Fact]
    public async Task Run_Hooks_RunInOrderAndByTag()
    {
        var run = await Run("""
            Feature: Hooks
              @tagged
              Scenario: Tagged
                Then the journal says "before tagged"

              Scenario: Untagged
                Given I have entered 1 into the calculator
            """);
        run.Scenarios.Should().OnlyContain(s => s.Status == StepStatus.Passed);
        HookBindings.Log.Should().Contain("after Tagged: before 1, before 2, before tagged")
            .And.Contain("after Untagged: before 1, before 2, enter 1");
    }

    [Fact]
    public async Task Run_BeforeFeatureHook_RunsOnceForMatchingFeatures()
    {
        static int Logged() { lock (HookBindings.Log) return HookBindings.Log.Count(l => l == "before feature Feature hooks"); }
        int before = Logged();
        var run = await Run("""
            @featurehook
            Feature: Feature hooks
              Scenario: One
                Given I have entered 1 into the calculator
              Scenario: Two
                Given I have entered 2 into the calculator
            """);
        run.Features[0].Hooks.Should().ContainSingle(h => h.Kind == "BeforeFeature");
        Logged().Should().Be(before + 1, "once for the feature, not once per scenario");
    }

    [Fact]
    public async Task Run_EachScenario_GetsFreshDriversDisposedAfterIt()
    {
        var run = await Run("""
            Feature: Fresh
              Scenario: First
                Given I have entered 1 into the calculator
                Then the scenario is called "First"
              Scenario: Second
                Then the scenario is called "Second"
                And the journal says "before 1"
                And the result should be 0 on the screen
            """);
        // The second scenario's calculator is empty: "the result should be 0" fails on an empty stack, proving freshness.
        run.Scenarios.First().Status.Should().Be(StepStatus.Passed);
        run.Scenarios.Last().Steps[2].Status.Should().Be(StepStatus.Failed);
        var first = CalculatorSteps.JournalOf["First"];
        var second = CalculatorSteps.JournalOf["Second"];
        second.Should().NotBe(first, "each scenario gets its own driver instances");
        lock (Journal.Disposed) Journal.Disposed.Should().Contain([$"journal {first}", $"journal {second}"]);
    }

    [Fact]
    public async Task Run_TagExpression_SelectsScenarios()
    {
        var feature = """
            Feature: Tags
              @smoke
              Scenario: Smoke
                Given I have entered 1 into the calculator
              @smoke @slow
              Scenario: Slow smoke
                Given I have entered 2 into the calculator
              Scenario: Plain
                Given I have entered 3 into the calculator
            """;
        (await Run(feature, "@smoke and not @slow")).Scenarios.Select(s => s.Scenario.Name).Should().Equal("Smoke");
        (await Run(feature, "@smoke")).Scenarios.Should().HaveCount(2);
        (await Run(feature, "not @smoke")).Scenarios.Select(s => s.Scenario.Name).Should().Equal("Plain");
        (await Run(feature)).Scenarios.Should().HaveCount(3);
    }

    [Fact]
    public async Task Run_IgnoreTag_SkipsWithTheReason()
    {
        var run = await Run("""
            Feature: Ignored
              @ignore:waiting-for-issue-42
              Scenario: Not yet
                When something fails
              @ignore
              Scenario: Plainly ignored
                When something fails
            """);
        run.Scenarios.Select(s => s.SkippedBecause).Should().Equal("ignored: waiting for issue 42", "ignored (@ignore)");
        run.Scenarios.Should().OnlyContain(s => s.Status == StepStatus.Skipped && s.Steps.Count == 0);
        run.Failed.Should().Be(0);
    }

    [Fact]
    public async Task Run_AsyncStep_IsAwaited()
    {
        var run = await Run("""
            Feature: Async
              Scenario: Awaited
                When I wait asynchronously
                Then the journal says "async"
            """);
        Single(run).Status.Should().Be(StepStatus.Passed);
    }

    [Fact]
    public void Parse_SyntaxError_GivesFileLineAndColumn()
    {
        var feature = FeatureLoader.Parse("""
            Feature: Broken
              Scenario: Fine
                Given I have entered 1 into the calculator
              This line is not Gherkin
                | a table | without a step |
            """, "features/broken.feature");
        feature.Error.Should().NotBeNull();
        feature.Error!.Line.Should().Be(4);
        feature.Error.Column.Should().BeGreaterThan(0);
        feature.Error.ToString().Should().StartWith("features/broken.feature:4:");
        feature.Scenarios.Should().BeEmpty();
    }

    [Fact]
    public async Task Run_BrokenAndGoodFiles_GoodRunsBrokenCountsAsFailed()
    {
        var broken = FeatureLoader.Parse("Feature: Broken\n  Scenario: x\n    Given a step\n  This line is not Gherkin\n    | a table | without a step |\n", "broken.feature");
        var good = FeatureLoader.Parse("Feature: Good\n  Scenario: ok\n    Given I have entered 1 into the calculator\n", "good.feature");
        await using var engine = new ScenarioEngine(Catalog());
        var run = await engine.RunAsync([broken, good]);
        run.Passed.Should().Be(1);
        run.Failed.Should().Be(1);
        run.Features[0].Feature.Error.Should().NotBeNull();
    }

    [Fact]
    public async Task Session_StepByStep_ReportsEachStepAndTheStateAfterIt()
    {
        var feature = FeatureLoader.Parse("""
            Feature: Player
              Scenario: Step by step
                Given I have entered 2 into the calculator
                And I have entered 3 into the calculator
                When I press add
                Then the result should be 5 on the screen
            """, "player.feature");
        await using var engine = new ScenarioEngine(Catalog());
        await using var session = await engine.StartAsync(feature.Scenarios[0]);
        session.NextStep!.Text.Should().Be("I have entered 2 into the calculator");
        (await session.NextAsync()).Status.Should().Be(StepStatus.Passed);
        session.Services.Resolve<Calculator>().Stack.Should().Equal(2);
        await session.NextAsync();
        (await session.NextAsync()).Step.Text.Should().Be("I press add");
        session.Services.Resolve<Calculator>().Stack.Should().Equal(5);
        session.NextStepIndex.Should().Be(3);
        var result = await session.FinishAsync();
        result.Status.Should().Be(StepStatus.Passed);
        session.IsFinished.Should().BeTrue();
    }

    [Fact]
    public void Catalog_BadExpression_IsReportedWithItsBinding()
    {
        var act = () => StepCatalog.FromAssemblies(typeof(Harness.Fixtures.BrokenBindings).Assembly);
        act.Should().Throw<ScenarioSetupException>().WithMessage("*nosuchtype*");
    }
}
