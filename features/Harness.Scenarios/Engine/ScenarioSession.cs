using System.Diagnostics;
using System.Globalization;
using Harness.Scenarios.Hosting;
using Reqnroll;
using Reqnroll.Bindings;
using Reqnroll.BoDi;
using Reqnroll.Events;

namespace Harness.Scenarios;

/// <summary>
/// What a binding or hook can learn about the scenario the Harness engine is running (resolve it from the scenario
/// container when it is registered; a Reqnroll project's generated tests do not register it): the scenario as parsed,
/// the step running now and the one after it.
/// </summary>
public sealed class RunningScenario(ScenarioDefinition scenario, Func<int> currentStep)
{
    public ScenarioDefinition Scenario { get; } = scenario;

    /// <summary>The step running now (or that ran last).</summary>
    public ScenarioStep? CurrentStep => currentStep() is var i and >= 0 && i < Scenario.Steps.Count ? Scenario.Steps[i] : null;

    /// <summary>The step after the current one; null after the last.</summary>
    public ScenarioStep? NextStep => currentStep() + 1 is var i && i < Scenario.Steps.Count ? Scenario.Steps[i] : null;
}

/// <summary>
/// One scenario being run step by step on a Reqnroll test runner: <see cref="NextAsync"/> runs the next step and
/// reports how it went; <see cref="FinishAsync"/> runs (or skips) the rest and the After Scenario hooks. After a failure
/// Reqnroll skips the remaining steps. The scenario's objects (drivers) are resolved through <see cref="Services"/>.
/// </summary>
/// <remarks>
/// A step is the one marked failed when its binding throws, and also when a hook that runs for it (Before/After Step,
/// Before/After Scenario Block) throws: the error is shown on that step, not on the next one.
/// </remarks>
public sealed class ScenarioSession : IAsyncDisposable, IAsyncExecutionEventListener
{
    private readonly ScenarioEngine _engine;
    private readonly FeatureRun _feature;
    private readonly bool _ownsFeature;
    private readonly IRunListener? _listener;
    private readonly ScenarioDisposables _disposables;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Stopwatch _stepClock = new();
    private int _current = -1;
    private bool _bindingInvoked, _finished, _ended;
    private StepResult? _recorded;
    private readonly List<HookResult> _stepHooks = [];

    private ScenarioSession(ScenarioEngine engine, FeatureRun feature, bool ownsFeature, ScenarioResult result, IRunListener? listener)
    {
        _engine = engine;
        _feature = feature;
        _ownsFeature = ownsFeature;
        _listener = listener;
        Result = result;
        Scenario = result.Scenario;
        Services = feature.Runner.ScenarioContext?.ScenarioContainer ?? throw new InvalidOperationException("the scenario has no container");
        _disposables = Services.Resolve<ScenarioDisposables>();
    }

    public ScenarioDefinition Scenario { get; }
    public ScenarioResult Result { get; }

    /// <summary>The scenario's BoDi container: the objects the bindings of this scenario got.</summary>
    public IObjectContainer Services { get; }

    /// <summary>Index of the step NextAsync will run; equal to the step count when all have run.</summary>
    public int NextStepIndex => Result.Steps.Count;
    public ScenarioStep? NextStep => NextStepIndex < Scenario.Steps.Count ? Scenario.Steps[NextStepIndex] : null;
    public bool IsFinished => _finished;

    internal static async Task<ScenarioSession> StartAsync(ScenarioEngine engine, FeatureRun feature, bool ownsFeature, ScenarioDefinition scenario,
        ScenarioResult result, IRunListener? listener, Action<IObjectContainer>? configure)
    {
        listener?.ScenarioStarted(scenario);
        var runner = feature.Runner;
        runner.OnScenarioInitialize(HostedRun.ScenarioInfoOf(scenario), HostedRun.RuleInfoOf(scenario));
        var session = new ScenarioSession(engine, feature, ownsFeature, result, listener);
        session.Services.RegisterInstanceAs(new RunningScenario(scenario, () => session._current));
        configure?.Invoke(session.Services);
        feature.Recorder.Target = session;
        try
        {
            if (feature.BeforeFeatureFailed) throw new InvalidOperationException("a Before Feature hook failed");
            await runner.OnScenarioStartAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (!result.BeforeHooks.Any(h => h.Status == StepStatus.Failed))
        {
            session.AddHook(result.BeforeHooks, new HookResult("BeforeScenario", new BindingInfo("", "BeforeScenario", "?", 0), StepStatus.Failed, TimeSpan.Zero,
                ex.Message, ScenarioEngine.Detail(ex)));
        }
        catch (Exception) { /* the hook's own event reported it */ }
        finally { feature.Recorder.Target = null; }
        return session;
    }

    /// <summary>Runs the next step. Throws when every step has run.</summary>
    public async Task<StepResult> NextAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        var step = NextStep ?? throw new InvalidOperationException($"every step of '{Scenario.DisplayName}' has run");
        cancellationToken.ThrowIfCancellationRequested();
        _current = step.Index;
        _recorded = null;
        _bindingInvoked = false;
        _stepHooks.Clear();
        _stepClock.Restart();
        Exception? thrown = null;
        _feature.Recorder.Target = this;
        try { await CallAsync(step).ConfigureAwait(false); }
        catch (Exception ex) { thrown = ex; }
        finally { _feature.Recorder.Target = null; }

        var result = _recorded ?? new StepResult(step, StepStatus.Failed, _stepClock.Elapsed, ErrorMessage: thrown?.Message ?? "the step did not run",
            ErrorDetail: thrown is null ? null : ScenarioEngine.Detail(thrown), ErrorType: thrown?.GetType());
        // A hook that ran for this step and failed (After Step, a block hook) fails this step, with the hook's error.
        var failedHook = _stepHooks.FirstOrDefault(h => h.Status == StepStatus.Failed);
        if (result.Status is StepStatus.Passed && (failedHook is not null || thrown is not null))
            result = result with
            {
                Status = StepStatus.Failed,
                ErrorMessage = failedHook is not null ? $"{failedHook.ErrorMessage}  ({failedHook.Kind} hook {failedHook.Binding})" : thrown!.Message,
                ErrorDetail = failedHook?.ErrorDetail ?? (thrown is null ? null : ScenarioEngine.Detail(thrown)),
                ErrorType = thrown?.GetType(),
            };
        if (_stepHooks.Count > 0) result = result with { Hooks = [.. _stepHooks] };
        Result.Steps.Add(result);
        _listener?.StepFinished(Scenario, result);
        return result;
    }

    private Task CallAsync(ScenarioStep step)
    {
        var runner = _feature.Runner;
        string? doc = step.DocString?.Content;
        Table? table = null;
        if (step.Table is { Rows.Count: > 0 } t)
        {
            table = new Table([.. t.Rows[0]]);
            foreach (var row in t.Rows.Skip(1)) table.AddRow([.. row]);
        }
        return step.EffectiveKeyword switch
        {
            StepKeyword.Given => runner.GivenAsync(step.Text, doc, table, step.Keyword),
            StepKeyword.When => runner.WhenAsync(step.Text, doc, table, step.Keyword),
            _ => runner.ThenAsync(step.Text, doc, table, step.Keyword),
        };
    }

    /// <summary>Runs the remaining steps (skipped after a failure), then the After Scenario hooks; returns the result.</summary>
    public async Task<ScenarioResult> FinishAsync()
    {
        if (_finished) return Result;
        while (NextStep is not null) await NextAsync().ConfigureAwait(false);
        await EndAsync().ConfigureAwait(false);
        return Result;
    }

    private async Task EndAsync()
    {
        if (_ended) return;
        _ended = true;
        var runner = _feature.Runner;
        _feature.Recorder.Target = this;
        _current = Scenario.Steps.Count;
        try
        {
            // The scenario's errors are in the results already; this closes the last block (its hooks report themselves).
            try { await runner.CollectScenarioErrorsAsync().ConfigureAwait(false); }
            catch (Exception) { }
            try { await runner.OnScenarioEndAsync().ConfigureAwait(false); }
            catch (Exception ex) when (!Result.AfterHooks.Any(h => h.Status == StepStatus.Failed))
            {
                AddHook(Result.AfterHooks, new HookResult("AfterScenario", new BindingInfo("", "AfterScenario", "?", 0), StepStatus.Failed, TimeSpan.Zero,
                    ex.Message, ScenarioEngine.Detail(ex)));
            }
            catch (Exception) { }
        }
        finally { _feature.Recorder.Target = null; }
        if (await _disposables.DisposeAllAsync().ConfigureAwait(false) is { } failed)
            AddHook(Result.AfterHooks, new HookResult("Dispose", new BindingInfo("", "scenario objects", "", 0), StepStatus.Failed, TimeSpan.Zero,
                failed.Message, ScenarioEngine.Detail(failed)));
        if (_ownsFeature) await _feature.EndAsync(Result.AfterHooks, Scenario, _listener).ConfigureAwait(false);
        _finished = true;
        Result.Duration = _clock.Elapsed;
        _listener?.ScenarioFinished(Result);
    }

    private void AddHook(List<HookResult> into, HookResult hook)
    {
        into.Add(hook);
        _listener?.HookFinished(Scenario, hook);
    }

    Task IAsyncExecutionEventListener.OnEventAsync(IExecutionEvent executionEvent)
    {
        switch (executionEvent)
        {
            case StepStartedEvent:
                _stepClock.Restart();
                break;
            case StepBindingStartedEvent:
                _bindingInvoked = true;
                break;
            case StepFinishedEvent e when _current >= 0 && _current < Scenario.Steps.Count:
                _recorded = Record(Scenario.Steps[_current], e.StepContext, e.ScenarioContext);
                break;
            case HookBindingFinishedEvent h:
                var hook = HookResults.Of(h);
                switch (h.HookBinding.HookType)
                {
                    case HookType.BeforeScenario or HookType.BeforeFeature or HookType.BeforeTestRun:
                        AddHook(Result.BeforeHooks, hook);
                        break;
                    case HookType.AfterScenario or HookType.AfterFeature or HookType.AfterTestRun:
                        AddHook(Result.AfterHooks, hook);
                        break;
                    default:
                        if (_current < Scenario.Steps.Count) _stepHooks.Add(hook);
                        else AddHook(Result.AfterHooks, hook); // the last block's After Scenario Block hooks
                        break;
                }
                break;
        }
        return Task.CompletedTask;
    }

    /// <summary>The step's result from Reqnroll's step context, with Harness's diagnostics for what did not bind.</summary>
    private StepResult Record(ScenarioStep step, IScenarioStepContext context, IScenarioContext scenarioContext)
    {
        var duration = _stepClock.Elapsed;
        var match = context.StepInfo?.BindingMatch;
        BindingInfo? binding = match is { Success: true } ? StepCatalog.InfoOf(match.StepBinding) : null;
        var error = context.StepError;
        switch (context.Status)
        {
            case ScenarioExecutionStatus.OK:
                return new StepResult(step, StepStatus.Passed, duration, binding);
            case ScenarioExecutionStatus.Skipped:
                return new StepResult(step, StepStatus.Skipped, TimeSpan.Zero, binding, "skipped: an earlier step or hook did not pass");
            case ScenarioExecutionStatus.UndefinedStep:
                return _engine.Catalog.Match(step) switch
                {
                    StepMatch.Undefined u => StepDiagnostics.Undefined(Scenario, step, u.Help) with { Duration = duration },
                    StepMatch.Ambiguous a => StepDiagnostics.Ambiguous(Scenario, step, a),
                    _ => new StepResult(step, StepStatus.Undefined, duration, ErrorMessage: $"undefined step \"{step.Text}\" at {Scenario.Feature.Uri}:{step.Line}"),
                };
            case ScenarioExecutionStatus.StepDefinitionPending:
                return new StepResult(step, StepStatus.Pending, duration, binding, $"pending: {error?.Message}", ErrorType: error?.GetType());
            case ScenarioExecutionStatus.BindingError:
                if (_engine.Catalog.Match(step) is StepMatch.Ambiguous ambiguous) return StepDiagnostics.Ambiguous(Scenario, step, ambiguous);
                return new StepResult(step, StepStatus.Failed, duration, binding,
                    $"step \"{step.Text}\" ({Scenario.Feature.Uri}:{step.Line}) cannot call {binding?.ToString() ?? "its binding"}: {error?.Message}",
                    error is null ? null : ScenarioEngine.Detail(error), ErrorType: error?.GetType());
            default:
                if (!_bindingInvoked && match is { Success: true } && error is not null)
                    return new StepResult(step, StepStatus.Failed, duration, binding, ConversionError(step, match, scenarioContext, error),
                        ScenarioEngine.Detail(error), ErrorType: error.GetType());
                return new StepResult(step, StepStatus.Failed, duration, binding, error?.Message ?? "the step failed",
                    error is null ? null : ScenarioEngine.Detail(error), ErrorType: error?.GetType());
        }
    }

    /// <summary>Names the argument that does not convert, its parameter and type (the binding was never called).</summary>
    private string ConversionError(ScenarioStep step, BindingMatch match, IScenarioContext scenarioContext, Exception error)
    {
        var parameters = match.StepBinding.Method.Parameters.ToList();
        var converter = scenarioContext.ScenarioContainer.Resolve<IStepArgumentTypeConverter>();
        var culture = CultureInfo.GetCultureInfo("en-US");
        for (int i = 0; i < match.Arguments.Length && i < parameters.Count; i++)
        {
            var value = match.Arguments[i].Value;
            bool converts;
            try { converts = converter.CanConvert(value, parameters[i].Type, culture) && converter.ConvertAsync(value, parameters[i].Type, culture).GetAwaiter().GetResult() is var _; }
            catch (Exception) { converts = false; }
            if (!converts)
                return $"argument {i + 1} \"{value}\" of step \"{step.Text}\" ({Scenario.Feature.Uri}:{step.Line}) does not convert to {parameters[i].Type.Name} " +
                       $"(parameter '{parameters[i].ParameterName}' of {StepCatalog.InfoOf(match.StepBinding)}): {error.Message}";
        }
        return $"the arguments of step \"{step.Text}\" ({Scenario.Feature.Uri}:{step.Line}) do not fit {StepCatalog.InfoOf(match.StepBinding)}: {error.Message}";
    }

    /// <summary>Ends the session: if it was not finished, the remaining steps are skipped and the After Scenario hooks run.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ended) return;
        while (NextStep is not null) Result.Steps.Add(new StepResult(NextStep, StepStatus.Skipped, TimeSpan.Zero, ErrorMessage: "skipped: the session ended"));
        await EndAsync().ConfigureAwait(false);
    }
}
