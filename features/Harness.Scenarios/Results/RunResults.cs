namespace Harness.Scenarios;

/// <summary>How a step (or hook, or scenario) ended. The order is by severity: a scenario takes its worst step's status.</summary>
public enum StepStatus { Passed, Skipped, Pending, Undefined, Ambiguous, Failed }

/// <summary>The binding a step matched: its expression and the method, with the source location of the attribute.</summary>
public sealed record BindingInfo(string Expression, string Method, string File, int Line)
{
    public string Location => $"{File}:{Line}";
    public override string ToString() => $"{Method} ({Location})";
}

/// <summary>
/// For an undefined step: the closest known phrases, a binding to paste, and, when the phrase is bound under another
/// keyword (a Then phrase written as a When step), that binding and its keyword.
/// </summary>
public sealed record UndefinedStepHelp(IReadOnlyList<BindingInfo> Closest, string Snippet, BindingInfo? BoundAs = null, string? BoundAsKeyword = null);

/// <summary>
/// The outcome of one step; for a step whose binding threw, <see cref="ErrorType"/> is the exception's type.
/// <see cref="Hooks"/> are the Before/After Step and Scenario Block hooks that ran for it (their time is not in <see cref="Duration"/>).
/// </summary>
public sealed record StepResult(
    ScenarioStep Step,
    StepStatus Status,
    TimeSpan Duration,
    BindingInfo? Binding = null,
    string? ErrorMessage = null,
    string? ErrorDetail = null,
    UndefinedStepHelp? Undefined = null,
    IReadOnlyList<BindingInfo>? AmbiguousWith = null,
    Type? ErrorType = null,
    IReadOnlyList<HookResult>? Hooks = null);

/// <summary>The outcome of one hook method.</summary>
public sealed record HookResult(string Kind, BindingInfo Binding, StepStatus Status, TimeSpan Duration, string? ErrorMessage = null, string? ErrorDetail = null);

/// <summary>The outcome of one scenario: its steps, its hooks, and the worst status among them.</summary>
public sealed class ScenarioResult(ScenarioDefinition scenario)
{
    public ScenarioDefinition Scenario { get; } = scenario;
    public List<HookResult> BeforeHooks { get; } = [];
    public List<StepResult> Steps { get; } = [];
    public List<HookResult> AfterHooks { get; } = [];
    public DateTimeOffset StartedAt { get; set; }
    public TimeSpan Duration { get; set; }

    /// <summary>Set when the scenario did not run at all (e.g. tagged @ignore): the reason shown to the user.</summary>
    public string? SkippedBecause { get; set; }

    public StepStatus Status =>
        SkippedBecause is not null ? StepStatus.Skipped
        : BeforeHooks.Select(h => h.Status).Concat(Steps.Select(s => s.Status)).Concat(AfterHooks.Select(h => h.Status))
            .DefaultIfEmpty(StepStatus.Passed).Max() switch
        {
            StepStatus.Skipped => StepStatus.Passed, // steps skipped only because an earlier one failed cannot be the worst
            var s => s,
        };

    /// <summary>The first failing, undefined, ambiguous or pending step or hook, as one line.</summary>
    public string? FailureSummary =>
        BeforeHooks.Where(h => h.Status == StepStatus.Failed).Select(h => $"{h.Kind} hook {h.Binding}: {h.ErrorMessage}")
            .Concat(Steps.Where(s => s.Status is StepStatus.Failed or StepStatus.Undefined or StepStatus.Ambiguous or StepStatus.Pending)
                .Select(s => $"{s.Step} ({Scenario.Feature.Uri}:{s.Step.Line}): {s.ErrorMessage}"))
            .Concat(AfterHooks.Where(h => h.Status == StepStatus.Failed).Select(h => $"{h.Kind} hook {h.Binding}: {h.ErrorMessage}"))
            .FirstOrDefault();
}

/// <summary>The outcome of a feature file: its scenarios, or its syntax error.</summary>
public sealed class FeatureResult(FeatureFile feature)
{
    public FeatureFile Feature { get; } = feature;
    public List<ScenarioResult> Scenarios { get; } = [];
    public List<HookResult> Hooks { get; } = [];
    public TimeSpan Duration { get; set; }
}

/// <summary>A whole run: every feature file given, in order.</summary>
public sealed class RunResult
{
    public List<FeatureResult> Features { get; } = [];
    public DateTimeOffset StartedAt { get; set; }
    public TimeSpan Duration { get; set; }

    public IEnumerable<ScenarioResult> Scenarios => Features.SelectMany(f => f.Scenarios);
    public int Passed => Scenarios.Count(s => s.Status == StepStatus.Passed);
    public int Skipped => Scenarios.Count(s => s.Status == StepStatus.Skipped);

    /// <summary>Failed scenarios plus feature files that did not parse.</summary>
    public int Failed => Scenarios.Count(s => s.Status is not (StepStatus.Passed or StepStatus.Skipped)) + Features.Count(f => f.Feature.Error is not null);
}
