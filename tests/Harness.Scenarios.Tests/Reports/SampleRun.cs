namespace Harness.Scenarios.Tests.Reports;

/// <summary>
/// A run built by hand (no engine): real feature files parsed by <see cref="FeatureLoader"/>, with results of every
/// kind – passed, failed (with a control character in the error), undefined (closest phrases and a snippet),
/// ambiguous, pending, skipped by @ignore, hooks – and a second file that does not parse. Uses only public API, so the
/// browser tests link this file too.
/// </summary>
public static class SampleRun
{
    public const string FeatureUri = "features/keys.feature";
    public const string BrokenUri = "features/broken.feature";

    public const string FeatureText = """
        @kms
        Feature: Keys <&> "quotes"
          A description with <script>alert(1)</script>

          Background:
            Given a KMS server

          Scenario: Create a key
            When I create a key of 256 bits
            Then the key has 256 bits

          Scenario: Key <b>attributes</b> & more
            When I create keys:
              | name | bits |
              | a<1> | 128  |
            Then the key list is:
              ```json
              {"keys": ["<a>"]}
              ```
            And the key is "active"

          Scenario: Undefined phrase
            When I frobnicate the key
            Then the key has 256 bits

          Scenario: Ambiguous phrase
            When I rotate the key

          Scenario: Pending phrase
            When I archive the key

          @ignore
          Scenario: Not ready
            When I destroy the key

          Scenario Outline: Sizes
            When I create a key of <bits> bits
            Then the key has <bits> bits

            Examples:
              | bits |
              | 128  |
              | 256  |
        """;

    /// <summary>Free text after a step: the parser stops at line 4, column 3.</summary>
    public const string BrokenText = """
        Feature: Broken
          Scenario: Half written
            Given a KMS server
          This line is not Gherkin
        """;

    public const string FailingStepText = "the key list is:";
    public const string FailingError = "Expected keys to contain \"<b>\" but found <a> \u001b[31mred\u001b[0m";
    public const string FailingDetail = "   at KeySteps.TheKeyListIs() in features/Harness.Scenarios/Kms/KeySteps.cs:line 42";
    public const string Snippet = "[When(\"I frobnicate the key\")]\npublic void IFrobnicateTheKey()\n{\n    throw new PendingStepException();\n}";

    public static readonly DateTimeOffset Started = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static readonly BindingInfo CreateKey = Binding("I create a key of {int} bits", "KeySteps.CreateKey", 10);
    public static readonly BindingInfo KeyHasBits = Binding("the key has {int} bits", "KeySteps.KeyHasBits", 20);
    public static readonly BindingInfo RotateA = Binding("I rotate the key", "KeySteps.Rotate", 30);
    public static readonly BindingInfo RotateB = Binding("^I rotate (.*)$", "OtherSteps.RotateAnything", 12);
    public static readonly BindingInfo Setup = Binding("", "Hooks.StartServer", 5);
    public static readonly BindingInfo Teardown = Binding("@kms", "Hooks.StopServer", 9);

    private static BindingInfo Binding(string expression, string method, int line) =>
        new(expression, method, method.StartsWith("Hooks") ? "features/Harness.Scenarios/Kms/Hooks.cs" : "features/Harness.Scenarios/Kms/KeySteps.cs", line);

    /// <summary>The whole run: keys.feature (8 scenarios: 3 passed, 4 not, 1 ignored) and broken.feature.</summary>
    public static RunResult Create()
    {
        var keys = FeatureLoader.Parse(FeatureText, FeatureUri);
        var broken = FeatureLoader.Parse(BrokenText, BrokenUri);
        if (keys.Error is not null) throw new InvalidOperationException(keys.Error.ToString());
        if (broken.Error is null) throw new InvalidOperationException("broken.feature parsed");

        var run = new RunResult { StartedAt = Started };
        var feature = new FeatureResult(keys);
        var clock = Started;
        foreach (var scenario in keys.Scenarios)
        {
            var result = new ScenarioResult(scenario) { StartedAt = clock };
            if (scenario.Tags.Contains("@ignore"))
            {
                result.SkippedBecause = "tagged @ignore";
            }
            else
            {
                if (scenario.Name == "Create a key")
                {
                    result.BeforeHooks.Add(new HookResult("BeforeScenario", Setup, StepStatus.Passed, TimeSpan.FromMilliseconds(3)));
                    result.AfterHooks.Add(new HookResult("AfterScenario", Teardown, StepStatus.Passed, TimeSpan.FromMilliseconds(2)));
                }
                bool broke = false;
                foreach (var step in scenario.Steps)
                {
                    var r = broke ? new StepResult(step, StepStatus.Skipped, TimeSpan.Zero, BindingFor(step)) : Outcome(step);
                    broke |= IsProblem(r.Status);
                    result.Steps.Add(r);
                }
            }
            result.Duration = result.Steps.Aggregate(TimeSpan.Zero, (t, s) => t + s.Duration)
                              + result.BeforeHooks.Concat(result.AfterHooks).Aggregate(TimeSpan.Zero, (t, h) => t + h.Duration);
            clock += result.Duration + TimeSpan.FromMilliseconds(1);
            feature.Scenarios.Add(result);
        }
        feature.Duration = clock - Started;
        run.Features.Add(feature);
        run.Features.Add(new FeatureResult(broken));
        run.Duration = clock - Started + TimeSpan.FromMilliseconds(5);
        return run;
    }

    /// <summary>A run where every scenario passed (the outline rows of keys.feature only).</summary>
    public static RunResult AllPassing()
    {
        var keys = FeatureLoader.Parse(FeatureText, FeatureUri);
        var run = new RunResult { StartedAt = Started, Duration = TimeSpan.FromMilliseconds(50) };
        var feature = new FeatureResult(keys);
        foreach (var scenario in keys.Scenarios.Where(s => s.Name == "Sizes" || s.Name == "Create a key"))
        {
            var result = new ScenarioResult(scenario) { StartedAt = Started, Duration = TimeSpan.FromMilliseconds(20) };
            foreach (var step in scenario.Steps) result.Steps.Add(new StepResult(step, StepStatus.Passed, TimeSpan.FromMilliseconds(5), BindingFor(step)));
            feature.Scenarios.Add(result);
        }
        run.Features.Add(feature);
        return run;
    }

    private static bool IsProblem(StepStatus s) => s is StepStatus.Failed or StepStatus.Undefined or StepStatus.Ambiguous or StepStatus.Pending;

    private static BindingInfo? BindingFor(ScenarioStep step) => step.Text switch
    {
        var t when t.StartsWith("I create a key of") => CreateKey,
        var t when t.StartsWith("the key has") => KeyHasBits,
        "I frobnicate the key" or "I rotate the key" => null,
        var t => Binding(t, "KeySteps." + string.Concat(t.Split(' ', ':', '"').Where(w => w.Length > 0).Select(w => char.ToUpperInvariant(w[0]) + w[1..])), 50 + step.Line),
    };

    private static StepResult Outcome(ScenarioStep step)
    {
        var ms = TimeSpan.FromMilliseconds(10 + step.Line);
        return step.Text switch
        {
            FailingStepText => new StepResult(step, StepStatus.Failed, ms, BindingFor(step), FailingError, FailingDetail),
            "I frobnicate the key" => new StepResult(step, StepStatus.Undefined, TimeSpan.Zero, null,
                "no binding matches \"I frobnicate the key\"", Undefined: new UndefinedStepHelp([CreateKey, RotateA], Snippet)),
            "I rotate the key" => new StepResult(step, StepStatus.Ambiguous, TimeSpan.Zero, null,
                "2 bindings match \"I rotate the key\"", AmbiguousWith: [RotateA, RotateB]),
            "I archive the key" => new StepResult(step, StepStatus.Pending, TimeSpan.FromMilliseconds(1), BindingFor(step), "this step is not implemented yet"),
            _ => new StepResult(step, StepStatus.Passed, ms, BindingFor(step)),
        };
    }
}
