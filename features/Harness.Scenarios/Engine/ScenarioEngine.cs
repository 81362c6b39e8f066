using Harness.Scenarios.Reports;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Harness.Scenarios.Expressions;
using Harness.Scenarios.Hosting;
using Reqnroll.BoDi;

namespace Harness.Scenarios;

/// <summary>Hears a run as it goes (the CLI prints from it; the dashboard will stream it). Every method is optional.</summary>
public interface IRunListener
{
    void FeatureStarted(FeatureFile feature) { }
    void ScenarioStarted(ScenarioDefinition scenario) { }
    void StepFinished(ScenarioDefinition scenario, StepResult step) { }
    void HookFinished(ScenarioDefinition? scenario, HookResult hook) { }
    void ScenarioFinished(ScenarioResult result) { }
    void FeatureFinished(FeatureResult result) { }
}

/// <summary>
/// What to run: a tag expression selects scenarios ("@smoke and not @slow"); <paramref name="Lines"/> (FILE:LINE, as
/// <see cref="ScenarioDefinition.IsAt"/> reads them) and <paramref name="Name"/> (a regular expression found in the
/// scenario's name) narrow the selection further. A dry run matches every selected step to its binding and runs nothing:
/// matched steps are reported Skipped, the others Undefined or Ambiguous, hooks do not run. <paramref name="HtmlReport"/>
/// and <paramref name="MessagesReport"/> are files Reqnroll's formatters write (the Cucumber HTML report, Cucumber
/// Messages NDJSON) when the run ends.
/// </summary>
public sealed record RunOptions(string? Tags = null, IReadOnlyList<(string File, int Line)>? Lines = null,
    Regex? Name = null, bool DryRun = false, string? HtmlReport = null, string? MessagesReport = null)
{
    /// <summary>Whether the scenario is selected (tags, lines and name).</summary>
    public bool Selects(ScenarioDefinition scenario, TagExpression tags) =>
        tags.Evaluate(scenario.Tags)
        && (Lines is null || Lines.Count == 0 || Lines.Any(l => scenario.IsAt(l.File, l.Line)))
        && (Name is null || Name.IsMatch(scenario.DisplayName));

    /// <summary>Checks that every report asked for can be written (before the run; <see cref="ReportPath.Check"/>).</summary>
    public void CheckReportPaths()
    {
        if (HtmlReport is not null) ReportPath.Check("--html", HtmlReport);
        if (MessagesReport is not null) ReportPath.Check("--messages", MessagesReport);
    }

    /// <summary>Reqnroll's formatter settings for the reports asked for.</summary>
    internal IReadOnlyDictionary<string, IDictionary<string, object>> Formatters()
    {
        var formatters = new Dictionary<string, IDictionary<string, object>>(StringComparer.Ordinal);
        if (HtmlReport is not null) formatters["html"] = new Dictionary<string, object> { ["outputFilePath"] = Path.GetFullPath(HtmlReport) };
        if (MessagesReport is not null) formatters["message"] = new Dictionary<string, object> { ["outputFilePath"] = Path.GetFullPath(MessagesReport) };
        return formatters;
    }
}

/// <summary>
/// Runs scenarios on the Reqnroll runtime (hosted: no generated code, no test framework adapter): whole runs, single
/// scenarios, or one step at a time through a <see cref="ScenarioSession"/> (the runbook player's API). Step bindings
/// are Reqnroll bindings (<c>[Binding]</c>, <c>[Given]</c>, hooks, <c>[StepArgumentTransformation]</c>, BoDi injection)
/// from the <see cref="StepCatalog"/>'s assemblies. <paramref name="configureRun"/> registers run-wide objects (which KMS
/// to target) in Reqnroll's global container, which every feature and scenario container inherits from.
/// </summary>
/// <remarks>
/// Whole runs (<see cref="RunAsync"/>) get a Reqnroll test run of their own (its formatters write the reports when it
/// ends). Single scenarios and sessions share one long-lived test run per engine, each started with a fresh FeatureInfo
/// (so a scenario can be started again after it was stopped). Hooks are filtered by Reqnroll's tag scopes; scenarios by the
/// project's tag expressions (<see cref="RunOptions.Tags"/>).
/// </remarks>
public sealed class ScenarioEngine(StepCatalog catalog, Action<IObjectContainer>? configureRun = null) : IAsyncDisposable
{
    private readonly SemaphoreSlim _sharedGate = new(1, 1);
    private HostedRun? _shared;

    public StepCatalog Catalog { get; } = catalog;

    private async Task<HostedRun> SharedRunAsync()
    {
        if (_shared is { } run) return run;
        await _sharedGate.WaitAsync().ConfigureAwait(false);
        try { return _shared ??= await HostedRun.StartAsync(Catalog, configureRun, new Dictionary<string, IDictionary<string, object>>()).ConfigureAwait(false); }
        finally { _sharedGate.Release(); }
    }

    /// <summary>
    /// Starts a scenario: its feature (Before Feature hooks) and its Before Scenario hooks run. Call NextAsync for each
    /// step. <paramref name="configureScenario"/> registers objects in the scenario's container before any binding runs
    /// (the runbook player gives the scenario the dashboard's site this way).
    /// </summary>
    public async Task<ScenarioSession> StartAsync(ScenarioDefinition scenario, IRunListener? listener = null, Action<IObjectContainer>? configureScenario = null)
    {
        var run = await SharedRunAsync().ConfigureAwait(false);
        var result = new ScenarioResult(scenario) { StartedAt = DateTimeOffset.UtcNow };
        var feature = await FeatureRun.StartAsync(run, scenario.Feature, result.BeforeHooks, scenario, listener).ConfigureAwait(false);
        return await ScenarioSession.StartAsync(this, feature, ownsFeature: true, scenario, result, listener, configureScenario).ConfigureAwait(false);
    }

    /// <summary>Runs one scenario to the end (after-hooks included) and returns its result.</summary>
    public async Task<ScenarioResult> RunScenarioAsync(ScenarioDefinition scenario, IRunListener? listener = null)
    {
        if (IgnoreReason(scenario) is { } reason) return Skipped(scenario, reason, listener);
        await using var session = await StartAsync(scenario, listener).ConfigureAwait(false);
        return await session.FinishAsync().ConfigureAwait(false);
    }

    private static ScenarioResult Skipped(ScenarioDefinition scenario, string reason, IRunListener? listener)
    {
        var skipped = new ScenarioResult(scenario) { SkippedBecause = reason, StartedAt = DateTimeOffset.UtcNow };
        listener?.ScenarioStarted(scenario);
        listener?.ScenarioFinished(skipped);
        return skipped;
    }

    /// <summary>"@ignore" (or "@ignore:the-reason") on the feature or scenario skips it; the reason is shown.</summary>
    public static string? IgnoreReason(ScenarioDefinition scenario)
    {
        var tag = scenario.Tags.FirstOrDefault(t => t.Equals("@ignore", StringComparison.OrdinalIgnoreCase)
                                                 || t.StartsWith("@ignore:", StringComparison.OrdinalIgnoreCase));
        if (tag is null) return null;
        return tag.Length > "@ignore:".Length ? "ignored: " + tag["@ignore:".Length..].Replace('-', ' ').Replace('_', ' ') : "ignored (@ignore)";
    }

    /// <summary>
    /// Runs feature files: the scenarios the options select, feature hooks around them, in one Reqnroll test run whose
    /// formatters write the reports the options ask for. Files that did not parse are reported, not run.
    /// </summary>
    public async Task<RunResult> RunAsync(IReadOnlyList<FeatureFile> features, RunOptions? options = null, IRunListener? listener = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new RunOptions();
        options.CheckReportPaths();
        var filter = TagExpression.Parse(options.Tags ?? "");
        var run = new RunResult { StartedAt = DateTimeOffset.UtcNow };
        var clock = Stopwatch.StartNew();
        HostedRun? hosted = null;
        try
        {
            foreach (var feature in features)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = new FeatureResult(feature);
                run.Features.Add(result);
                listener?.FeatureStarted(feature);
                var selected = feature.Scenarios.Where(s => options.Selects(s, filter)).ToList();
                var featureClock = Stopwatch.StartNew();
                if (options.DryRun)
                    foreach (var scenario in selected) result.Scenarios.Add(DryRun(scenario, listener));
                else if (feature.Error is null && selected.Count > 0)
                {
                    hosted ??= await HostedRun.StartAsync(Catalog, configureRun, options.Formatters()).ConfigureAwait(false);
                    var featureRun = await FeatureRun.StartAsync(hosted, feature, result.Hooks, null, listener, fresh: false).ConfigureAwait(false);
                    foreach (var scenario in selected)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        if (IgnoreReason(scenario) is { } reason)
                        {
                            await featureRun.SkipAsync(scenario).ConfigureAwait(false);
                            result.Scenarios.Add(Skipped(scenario, reason, listener));
                        }
                        else if (featureRun.BeforeFeatureFailed)
                            result.Scenarios.Add(Skipped(scenario, "a Before Feature hook failed", listener));
                        else
                        {
                            var scenarioResult = new ScenarioResult(scenario) { StartedAt = DateTimeOffset.UtcNow };
                            await using var session = await ScenarioSession.StartAsync(this, featureRun, ownsFeature: false, scenario, scenarioResult, listener, null).ConfigureAwait(false);
                            result.Scenarios.Add(await session.FinishAsync().ConfigureAwait(false));
                        }
                    }
                    await featureRun.EndAsync(result.Hooks, null, listener).ConfigureAwait(false);
                }
                result.Duration = featureClock.Elapsed;
                listener?.FeatureFinished(result);
            }
        }
        finally
        {
            if (hosted is not null) await hosted.DisposeAsync().ConfigureAwait(false);
        }
        run.Duration = clock.Elapsed;
        return run;
    }

    /// <summary>Matches each step of the scenario to a binding without running anything.</summary>
    private ScenarioResult DryRun(ScenarioDefinition scenario, IRunListener? listener)
    {
        var result = new ScenarioResult(scenario) { StartedAt = DateTimeOffset.UtcNow };
        listener?.ScenarioStarted(scenario);
        foreach (var step in scenario.Steps)
        {
            var sr = Catalog.Match(step) switch
            {
                StepMatch.Matched m => new StepResult(step, StepStatus.Skipped, TimeSpan.Zero, m.Binding.Info),
                StepMatch.Ambiguous a => StepDiagnostics.Ambiguous(scenario, step, a),
                StepMatch.Undefined u => StepDiagnostics.Undefined(scenario, step, u.Help),
                _ => throw new InvalidOperationException("unknown match kind"),
            };
            result.Steps.Add(sr);
            listener?.StepFinished(scenario, sr);
        }
        listener?.ScenarioFinished(result);
        return result;
    }

    internal static string Detail(Exception ex)
    {
        var text = ex.ToString();
        // Keep the binding's own frames; drop the runtime's invocation plumbing below them.
        foreach (var marker in new[] { "   at Reqnroll.", "   at System.RuntimeMethodHandle.InvokeMethod" })
        {
            var cut = text.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0) text = text[..cut];
        }
        return text.TrimEnd();
    }

    public async ValueTask DisposeAsync()
    {
        if (_shared is { } run)
        {
            _shared = null;
            await run.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>The messages users get for steps that do not bind: what is wrong, where, and what to do.</summary>
internal static class StepDiagnostics
{
    public static StepResult Undefined(ScenarioDefinition scenario, ScenarioStep step, UndefinedStepHelp help)
    {
        var text = new System.Text.StringBuilder($"undefined step \"{step.Text}\" at {scenario.Feature.Uri}:{step.Line}");
        if (help.BoundAs is { } other)
            text.Append($"\nthe phrase is bound as a {help.BoundAsKeyword} step ({other}): write it as \"{help.BoundAsKeyword} {step.Text}\"");
        text.Append("\nclosest known phrases:\n");
        text.Append(help.Closest.Count == 0 ? "  (no step bindings are known)" : string.Join("\n", help.Closest.Select(c => $"  \"{c.Expression}\"  ({c})")));
        text.Append($"\nbinding to paste:\n{help.Snippet}");
        return new StepResult(step, StepStatus.Undefined, TimeSpan.Zero, ErrorMessage: text.ToString(), Undefined: help);
    }

    public static StepResult Ambiguous(ScenarioDefinition scenario, ScenarioStep step, StepMatch.Ambiguous a) =>
        new(step, StepStatus.Ambiguous, TimeSpan.Zero,
            ErrorMessage: $"ambiguous step \"{step.Text}\" at {scenario.Feature.Uri}:{step.Line}: it matches " +
                          string.Join(" and ", a.Bindings.Select(b => $"\"{b.Expression}\" ({b.Info})")),
            AmbiguousWith: a.Bindings.Select(b => b.Info).ToList());
}
