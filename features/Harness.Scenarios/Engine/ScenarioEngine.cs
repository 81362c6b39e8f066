using System.Diagnostics;
using System.Reflection;
using Harness.Scenarios.Expressions;

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
/// matched steps are reported Skipped, the others Undefined or Ambiguous, hooks do not run.
/// </summary>
public sealed record RunOptions(string? Tags = null, IReadOnlyList<(string File, int Line)>? Lines = null,
    System.Text.RegularExpressions.Regex? Name = null, bool DryRun = false)
{
    /// <summary>Whether the scenario is selected (tags, lines and name).</summary>
    public bool Selects(ScenarioDefinition scenario, TagExpression tags) =>
        tags.Evaluate(scenario.Tags)
        && (Lines is null || Lines.Count == 0 || Lines.Any(l => scenario.IsAt(l.File, l.Line)))
        && (Name is null || Name.IsMatch(scenario.DisplayName));
}

/// <summary>
/// Runs scenarios against a <see cref="StepCatalog"/>: whole runs, single scenarios, or one step at a time through a
/// <see cref="ScenarioSession"/> (the runbook player's API). <paramref name="configureRun"/> registers run-wide objects
/// (for instance, which KMS to target) in the container every scenario container inherits from.
/// </summary>
public sealed class ScenarioEngine(StepCatalog catalog, Action<ScenarioContainer>? configureRun = null)
{
    public StepCatalog Catalog { get; } = catalog;

    private ScenarioContainer NewRunContainer()
    {
        var run = new ScenarioContainer();
        run.Register(Catalog);
        configureRun?.Invoke(run);
        return run;
    }

    /// <summary>Starts a scenario: creates its container, runs its Before Scenario hooks. Call NextAsync for each step.</summary>
    /// <remarks>Without a feature container (a scenario run on its own), the feature's hooks run around this one scenario.</remarks>
    public async Task<ScenarioSession> StartAsync(ScenarioDefinition scenario, IRunListener? listener = null, ScenarioContainer? featureContainer = null)
    {
        ScenarioContainer? ownedFeature = null;
        if (featureContainer is null)
        {
            ownedFeature = FeatureContainer(NewRunContainer(), scenario.Feature, ownsParent: true);
            featureContainer = ownedFeature;
        }
        var session = new ScenarioSession(this, scenario, new ScenarioContainer(featureContainer), listener, ownsParent: ownedFeature);
        await session.StartAsync().ConfigureAwait(false);
        return session;
    }

    /// <summary>Runs one scenario to the end (after-hooks included) and returns its result.</summary>
    public async Task<ScenarioResult> RunScenarioAsync(ScenarioDefinition scenario, IRunListener? listener = null, ScenarioContainer? featureContainer = null)
    {
        if (IgnoreReason(scenario) is { } reason)
        {
            var skipped = new ScenarioResult(scenario) { SkippedBecause = reason, StartedAt = DateTimeOffset.UtcNow };
            listener?.ScenarioStarted(scenario);
            listener?.ScenarioFinished(skipped);
            return skipped;
        }
        await using var session = await StartAsync(scenario, listener, featureContainer).ConfigureAwait(false);
        return await session.FinishAsync().ConfigureAwait(false);
    }

    /// <summary>"@ignore" (or "@ignore:the-reason") on the feature or scenario skips it; the reason is shown.</summary>
    public static string? IgnoreReason(ScenarioDefinition scenario)
    {
        var tag = scenario.Tags.FirstOrDefault(t => t.Equals("@ignore", StringComparison.OrdinalIgnoreCase)
                                                 || t.StartsWith("@ignore:", StringComparison.OrdinalIgnoreCase));
        if (tag is null) return null;
        return tag.Length > "@ignore:".Length ? "ignored: " + tag["@ignore:".Length..].Replace('-', ' ').Replace('_', ' ') : "ignored (@ignore)";
    }

    /// <summary>Runs feature files: the scenarios the tag expression selects, feature hooks around them. Files that did not parse are reported, not run.</summary>
    public async Task<RunResult> RunAsync(IReadOnlyList<FeatureFile> features, RunOptions? options = null, IRunListener? listener = null,
        CancellationToken cancellationToken = default)
    {
        var filter = TagExpression.Parse(options?.Tags ?? "");
        var run = new RunResult { StartedAt = DateTimeOffset.UtcNow };
        var clock = Stopwatch.StartNew();
        await using var runContainer = NewRunContainer();
        foreach (var feature in features)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = new FeatureResult(feature);
            run.Features.Add(result);
            listener?.FeatureStarted(feature);
            var selected = feature.Scenarios.Where(s => (options ?? new RunOptions()).Selects(s, filter)).ToList();
            if (options?.DryRun == true)
            {
                foreach (var scenario in selected) result.Scenarios.Add(DryRun(scenario, listener));
                listener?.FeatureFinished(result);
                continue;
            }
            var featureClock = Stopwatch.StartNew();
            if (feature.Error is null && selected.Count > 0)
            {
                await using var featureContainer = FeatureContainer(runContainer, feature);
                bool featureSetUp = await RunHooksAsync("BeforeFeature", feature.Tags, featureContainer, result.Hooks, null, listener).ConfigureAwait(false);
                foreach (var scenario in selected)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    ScenarioResult sr;
                    if (!featureSetUp)
                        sr = new ScenarioResult(scenario) { SkippedBecause = "a Before Feature hook failed", StartedAt = DateTimeOffset.UtcNow };
                    else sr = await RunScenarioAsync(scenario, listener, featureContainer).ConfigureAwait(false);
                    result.Scenarios.Add(sr);
                }
                await RunHooksAsync("AfterFeature", feature.Tags, featureContainer, result.Hooks, null, listener).ConfigureAwait(false);
            }
            result.Duration = featureClock.Elapsed;
            listener?.FeatureFinished(result);
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
            var status = Catalog.Match(step) switch
            {
                StepMatch.Matched => StepStatus.Skipped,
                StepMatch.Ambiguous => StepStatus.Ambiguous,
                _ => StepStatus.Undefined,
            };
            var sr = new StepResult(step, status, TimeSpan.Zero, ErrorMessage: status == StepStatus.Skipped ? null : $"{status.ToString().ToLowerInvariant()} step \"{step.Text}\" at {scenario.Feature.Uri}:{step.Line}");
            result.Steps.Add(sr);
            listener?.StepFinished(scenario, sr);
        }
        listener?.ScenarioFinished(result);
        return result;
    }

    private static ScenarioContainer FeatureContainer(ScenarioContainer run, FeatureFile feature, bool ownsParent = false)
    {
        var container = new ScenarioContainer(run, ownsParent);
        container.Register(new FeatureContext(feature));
        return container;
    }

    /// <summary>Runs the hooks of a kind; false when one failed (the results say which).</summary>
    internal async Task<bool> RunHooksAsync(string kind, IEnumerable<string> tags, ScenarioContainer container, List<HookResult> into,
        ScenarioDefinition? scenario, IRunListener? listener)
    {
        bool ok = true;
        foreach (var hook in Catalog.HooksOf(kind, tags.ToList()))
        {
            var clock = Stopwatch.StartNew();
            HookResult result;
            try
            {
                await InvokeAsync(hook.Method, container, hook.Method.GetParameters().Select(p => container.Resolve(p.ParameterType)).ToArray()).ConfigureAwait(false);
                result = new HookResult(kind, hook.Info, StepStatus.Passed, clock.Elapsed);
            }
            catch (Exception ex)
            {
                ok = false;
                result = new HookResult(kind, hook.Info, StepStatus.Failed, clock.Elapsed, ex.Message, Detail(ex));
            }
            into.Add(result);
            listener?.HookFinished(scenario, result);
        }
        return ok;
    }

    /// <summary>Calls a binding method (on the container's instance of its class), awaiting tasks; rethrows what the method threw.</summary>
    internal static async Task InvokeAsync(MethodInfo method, ScenarioContainer container, object?[] args)
    {
        object? target = method.IsStatic ? null : container.Resolve(method.DeclaringType!);
        object? returned;
        try { returned = method.Invoke(target, args); }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
        switch (returned)
        {
            case Task t: await t.ConfigureAwait(false); break;
            case ValueTask vt: await vt.ConfigureAwait(false); break;
        }
    }

    internal static string Detail(Exception ex)
    {
        var text = ex.ToString();
        // Keep the test's own frames; drop the engine's reflection plumbing below them.
        var cut = text.IndexOf("   at System.RuntimeMethodHandle.InvokeMethod", StringComparison.Ordinal);
        return cut > 0 ? text[..cut].TrimEnd() : text;
    }
}

/// <summary>
/// One scenario being run step by step: <see cref="NextAsync"/> runs the next step and reports how it went;
/// <see cref="FinishAsync"/> runs (or skips) the rest and the After Scenario hooks. After a failure the remaining steps
/// are reported Skipped. Objects of the scenario (drivers) can be inspected through <see cref="Services"/>.
/// </summary>
public sealed class ScenarioSession : IAsyncDisposable
{
    private readonly ScenarioEngine _engine;
    private readonly IRunListener? _listener;
    private readonly ScenarioContainer? _ownedParent;
    private readonly Stopwatch _clock = new();
    private bool _broken, _finished, _disposed;

    internal ScenarioSession(ScenarioEngine engine, ScenarioDefinition scenario, ScenarioContainer container, IRunListener? listener, ScenarioContainer? ownsParent)
    {
        _engine = engine;
        Scenario = scenario;
        Services = container;
        _listener = listener;
        _ownedParent = ownsParent;
        Result = new ScenarioResult(scenario);
        container.Register(new ScenarioContext(scenario));
    }

    public ScenarioDefinition Scenario { get; }
    public ScenarioResult Result { get; }
    public ScenarioContainer Services { get; }

    /// <summary>Index of the step NextAsync will run; equal to the step count when all have run.</summary>
    public int NextStepIndex => Result.Steps.Count;
    public ScenarioStep? NextStep => NextStepIndex < Scenario.Steps.Count ? Scenario.Steps[NextStepIndex] : null;
    public bool IsFinished => _finished;

    internal async Task StartAsync()
    {
        Result.StartedAt = DateTimeOffset.UtcNow;
        _clock.Start();
        _listener?.ScenarioStarted(Scenario);
        if (_ownedParent is not null &&
            !await _engine.RunHooksAsync("BeforeFeature", Scenario.Feature.Tags, _ownedParent, Result.BeforeHooks, Scenario, _listener).ConfigureAwait(false))
            _broken = true;
        if (!_broken && !await _engine.RunHooksAsync("BeforeScenario", Scenario.Tags, Services, Result.BeforeHooks, Scenario, _listener).ConfigureAwait(false))
            _broken = true;
    }

    /// <summary>Runs the next step. Throws when every step has run.</summary>
    public async Task<StepResult> NextAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var step = NextStep ?? throw new InvalidOperationException($"every step of '{Scenario.DisplayName}' has run");
        cancellationToken.ThrowIfCancellationRequested();
        var result = _broken ? new StepResult(step, StepStatus.Skipped, TimeSpan.Zero, ErrorMessage: "skipped: an earlier step or hook did not pass")
                             : await RunStepAsync(step).ConfigureAwait(false);
        if (result.Status != StepStatus.Passed) _broken = true;
        Result.Steps.Add(result);
        _listener?.StepFinished(Scenario, result);
        return result;
    }

    /// <summary>Runs the remaining steps (skipped after a failure), then the After Scenario hooks; returns the result.</summary>
    public async Task<ScenarioResult> FinishAsync()
    {
        if (_finished) return Result;
        while (NextStep is not null) await NextAsync().ConfigureAwait(false);
        await RunAfterHooksAsync().ConfigureAwait(false);
        _finished = true;
        await DisposeContainersAsync().ConfigureAwait(false);
        Result.Duration = _clock.Elapsed;
        _listener?.ScenarioFinished(Result);
        return Result;
    }

    private async Task<StepResult> RunStepAsync(ScenarioStep step)
    {
        var clock = Stopwatch.StartNew();
        switch (_engine.Catalog.Match(step))
        {
            case StepMatch.Undefined u:
                var closest = u.Help.Closest.Count == 0 ? "(no step bindings are known)"
                    : string.Join("\n", u.Help.Closest.Select(c => $"  \"{c.Expression}\"  ({c})"));
                return new StepResult(step, StepStatus.Undefined, clock.Elapsed,
                    ErrorMessage: $"undefined step \"{step.Text}\" at {Scenario.Feature.Uri}:{step.Line}\nclosest known phrases:\n{closest}\n" +
                                  $"binding to paste:\n{u.Help.Snippet}",
                    Undefined: u.Help);
            case StepMatch.Ambiguous a:
                return new StepResult(step, StepStatus.Ambiguous, clock.Elapsed,
                    ErrorMessage: $"ambiguous step \"{step.Text}\" at {Scenario.Feature.Uri}:{step.Line}: it matches " +
                                  string.Join(" and ", a.Bindings.Select(b => $"\"{b.Expression}\" ({b.Info})")),
                    AmbiguousWith: a.Bindings.Select(b => b.Info).ToList());
            case StepMatch.Matched m:
                object?[] args;
                try { args = Arguments(step, m); }
                catch (StepArgumentException ex)
                {
                    return new StepResult(step, StepStatus.Failed, clock.Elapsed, m.Binding.Info, ex.Message);
                }
                try
                {
                    await ScenarioEngine.InvokeAsync(m.Binding.Method, Services, args).ConfigureAwait(false);
                    return new StepResult(step, StepStatus.Passed, clock.Elapsed, m.Binding.Info);
                }
                catch (PendingStepException ex)
                {
                    return new StepResult(step, StepStatus.Pending, clock.Elapsed, m.Binding.Info, $"pending: {ex.Message}");
                }
                catch (Exception ex)
                {
                    return new StepResult(step, StepStatus.Failed, clock.Elapsed, m.Binding.Info, ex.Message, ScenarioEngine.Detail(ex), ErrorType: ex.GetType());
                }
            default:
                throw new InvalidOperationException("unknown match kind");
        }
    }

    /// <summary>The method's arguments: converted expression arguments, then the data table or doc string.</summary>
    private object?[] Arguments(ScenarioStep step, StepMatch.Matched m)
    {
        var parameters = m.Binding.Method.GetParameters();
        int extra = (step.Table is not null ? 1 : 0) + (step.DocString is not null ? 1 : 0);
        if (parameters.Length != m.Arguments.Count + extra)
            throw new StepArgumentException(
                $"{m.Binding.Info} takes {parameters.Length} parameter(s), but the step \"{step.Text}\" gives {m.Arguments.Count} argument(s)" +
                (step.Table is not null ? " and a data table" : "") + (step.DocString is not null ? " and a doc string" : ""));
        var args = new object?[parameters.Length];
        for (int i = 0; i < m.Arguments.Count; i++)
        {
            var target = parameters[i].ParameterType;
            try { args[i] = m.Arguments[i].Convert(target); }
            catch (ArgumentConversionException ex)
            {
                throw new StepArgumentException(
                    $"argument {i + 1} \"{m.Arguments[i].Text}\" of step \"{step.Text}\" ({Scenario.Feature.Uri}:{step.Line}) " +
                    $"does not convert to {target.Name} (parameter '{parameters[i].Name}' of {m.Binding.Info}): {ex.Message}");
            }
        }
        int next = m.Arguments.Count;
        if (step.Table is not null)
        {
            if (parameters[next].ParameterType != typeof(DataTable))
                throw new StepArgumentException($"the step has a data table, but parameter '{parameters[next].Name}' of {m.Binding.Info} is a {parameters[next].ParameterType.Name}, not a DataTable");
            args[next++] = step.Table;
        }
        if (step.DocString is not null)
        {
            var t = parameters[next].ParameterType;
            args[next] = t == typeof(DocString) ? step.DocString
                : t == typeof(string) ? step.DocString.Content
                : throw new StepArgumentException($"the step has a doc string, but parameter '{parameters[next].Name}' of {m.Binding.Info} is a {t.Name}, not a string or DocString");
        }
        return args;
    }

    private async Task RunAfterHooksAsync()
    {
        await _engine.RunHooksAsync("AfterScenario", Scenario.Tags, Services, Result.AfterHooks, Scenario, _listener).ConfigureAwait(false);
        if (_ownedParent is not null)
            await _engine.RunHooksAsync("AfterFeature", Scenario.Feature.Tags, _ownedParent, Result.AfterHooks, Scenario, _listener).ConfigureAwait(false);
    }

    private async Task DisposeContainersAsync()
    {
        if (_disposed) return;
        _disposed = true;
        try { await Services.DisposeAsync().ConfigureAwait(false); }
        catch (AggregateException ex)
        {
            Result.AfterHooks.Add(new HookResult("Dispose", new BindingInfo("", "scenario objects", "", 0), StepStatus.Failed, TimeSpan.Zero,
                ex.InnerExceptions[0].Message, ScenarioEngine.Detail(ex.InnerExceptions[0])));
        }
        if (_ownedParent is not null) await _ownedParent.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Ends the session: if it was not finished, the remaining steps are skipped and the After Scenario hooks run.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_finished || _disposed) return;
        while (NextStep is not null) Result.Steps.Add(new StepResult(NextStep, StepStatus.Skipped, TimeSpan.Zero, ErrorMessage: "skipped: the session ended"));
        await RunAfterHooksAsync().ConfigureAwait(false);
        _finished = true;
        await DisposeContainersAsync().ConfigureAwait(false);
        Result.Duration = _clock.Elapsed;
    }
}

/// <summary>A step's arguments do not fit its method: names the argument, the expected type and the step.</summary>
public sealed class StepArgumentException(string message) : Exception(message);
