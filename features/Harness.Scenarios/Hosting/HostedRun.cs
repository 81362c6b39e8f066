using System.Collections.Specialized;
using System.Globalization;
using Reqnroll;
using Reqnroll.BoDi;
using Reqnroll.Events;

namespace Harness.Scenarios.Hosting;

/// <summary>
/// One Reqnroll test run hosted in this process: its own global container and TestRunnerManager (not Reqnroll's static
/// registry, so that several runs live side by side), Before/After Test Run hooks, and the formatters it was given, which
/// write their reports when it is disposed.
/// </summary>
internal sealed class HostedRun : IAsyncDisposable
{
    private HostedRun(StepCatalog catalog, IObjectContainer global, ITestRunnerManager manager)
    {
        Catalog = catalog;
        Global = global;
        Manager = manager;
    }

    public StepCatalog Catalog { get; }
    public IObjectContainer Global { get; }
    public ITestRunnerManager Manager { get; }

    public static async Task<HostedRun> StartAsync(StepCatalog catalog, Action<IObjectContainer>? configure,
        IReadOnlyDictionary<string, IDictionary<string, object>> formatters)
    {
        var global = catalog.NewGlobalContainer(formatters);
        configure?.Invoke(global);
        var manager = global.Resolve<ITestRunnerManager>();
        manager.Initialize(catalog.Assemblies[0]);
        try { await manager.FireTestRunStartAsync().ConfigureAwait(false); }
        catch (Exception ex)
        {
            await manager.DisposeAsync().ConfigureAwait(false);
            throw new ScenarioSetupException($"a Before Test Run hook failed: {ex.Message}", ex);
        }
        return new HostedRun(catalog, global, manager);
    }

    /// <summary>Reqnroll's FeatureInfo of a feature file, carrying its Cucumber messages for the formatters.</summary>
    public static FeatureInfo FeatureInfoOf(FeatureFile feature)
    {
        var folder = Path.GetDirectoryName(feature.Uri)?.Replace('\\', '/') ?? "";
        return new FeatureInfo(CultureInfo.GetCultureInfo(feature.Language), folder, feature.Name, feature.Description,
            ProgrammingLanguage.CSharp, [.. feature.Tags.Select(Untagged)], new FeatureMessages(feature));
    }

    /// <summary>Reqnroll's ScenarioInfo: the pickle's name and tags, and its index among the feature's pickles.</summary>
    public static ScenarioInfo ScenarioInfoOf(ScenarioDefinition scenario)
    {
        var index = scenario.Feature.Scenarios.ToList().IndexOf(scenario);
        return new ScenarioInfo(scenario.Name, "", [.. scenario.Tags.Select(Untagged)], new OrderedDictionary(), null,
            index.ToString(CultureInfo.InvariantCulture));
    }

    public static RuleInfo? RuleInfoOf(ScenarioDefinition scenario) => scenario.Rule is { } rule ? new RuleInfo(rule, "", []) : null;

    private static string Untagged(string tag) => tag.StartsWith('@') ? tag[1..] : tag;

    public async ValueTask DisposeAsync() => await Manager.DisposeAsync().ConfigureAwait(false);
}

/// <summary>
/// A feature running on one of the run's test runners: Before Feature hooks when it starts, After Feature hooks when
/// it ends, and the runner back to the pool.
/// </summary>
internal sealed class FeatureRun
{
    private FeatureRun(HostedRun run, FeatureFile feature, ITestRunner runner, FeatureInfo info)
    {
        Run = run;
        Feature = feature;
        Runner = runner;
        Info = info;
        Recorder = runner.TestThreadContext.TestThreadContainer.Resolve<StepRecorder>();
    }

    public HostedRun Run { get; }
    public FeatureFile Feature { get; }
    public ITestRunner Runner { get; }
    public FeatureInfo Info { get; }
    public StepRecorder Recorder { get; }
    public bool BeforeFeatureFailed { get; private set; }

    public static async Task<FeatureRun> StartAsync(HostedRun run, FeatureFile feature, List<HookResult> hooks, ScenarioDefinition? scenario,
        IRunListener? listener, bool fresh = true)
    {
        var info = HostedRun.FeatureInfoOf(feature);
        var runner = run.Manager.GetTestRunner(info);
        var featureRun = new FeatureRun(run, feature, runner, info);
        var sink = new HookSink(hooks, scenario, listener);
        featureRun.Recorder.Target = sink;
        try
        {
            if (runner.FeatureContext is not null) await runner.OnFeatureEndAsync().ConfigureAwait(false);
            await runner.OnFeatureStartAsync(info).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            featureRun.BeforeFeatureFailed = true;
            sink.Unreported(Reqnroll.Bindings.HookType.BeforeFeature, ex);
        }
        finally { featureRun.Recorder.Target = null; }
        return featureRun;
    }

    /// <summary>A scenario that does not run (@ignore): Reqnroll reports it skipped.</summary>
    public async Task SkipAsync(ScenarioDefinition scenario)
    {
        Runner.OnScenarioInitialize(HostedRun.ScenarioInfoOf(scenario), HostedRun.RuleInfoOf(scenario));
        await Runner.SkipScenarioAsync().ConfigureAwait(false);
        await Runner.OnScenarioEndAsync().ConfigureAwait(false);
    }

    public async Task EndAsync(List<HookResult> hooks, ScenarioDefinition? scenario, IRunListener? listener)
    {
        var sink = new HookSink(hooks, scenario, listener);
        Recorder.Target = sink;
        try { await Runner.OnFeatureEndAsync().ConfigureAwait(false); }
        catch (Exception ex) { sink.Unreported(Reqnroll.Bindings.HookType.AfterFeature, ex); }
        finally
        {
            Recorder.Target = null;
            Run.Manager.ReleaseTestRunnerToPool(Runner);
        }
    }

    /// <summary>Hook results of the feature's hooks, into a list of the run's results.</summary>
    private sealed class HookSink(List<HookResult> hooks, ScenarioDefinition? scenario, IRunListener? listener) : IAsyncExecutionEventListener
    {
        public Task OnEventAsync(IExecutionEvent executionEvent)
        {
            if (executionEvent is HookBindingFinishedEvent e) Add(HookResults.Of(e));
            return Task.CompletedTask;
        }

        /// <summary>A hook failure Reqnroll threw without a hook binding event (a hook whose arguments did not resolve).</summary>
        public void Unreported(Reqnroll.Bindings.HookType kind, Exception ex)
        {
            if (hooks.Any(h => h.Status == StepStatus.Failed)) return;
            Add(new HookResult(kind.ToString(), new BindingInfo("", kind.ToString(), "?", 0), StepStatus.Failed, TimeSpan.Zero, ex.Message, ScenarioEngine.Detail(ex)));
        }

        private void Add(HookResult result)
        {
            hooks.Add(result);
            listener?.HookFinished(scenario, result);
        }
    }
}

/// <summary>Hook results from Reqnroll's hook binding events.</summary>
internal static class HookResults
{
    public static HookResult Of(HookBindingFinishedEvent e)
    {
        var info = StepCatalog.InfoOf(e.HookBinding, string.Join(", ", TagsOf(e.HookBinding)));
        return e.HookException is { } ex
            ? new HookResult(e.HookBinding.HookType.ToString(), info, StepStatus.Failed, e.Duration, ex.Message, ScenarioEngine.Detail(ex))
            : new HookResult(e.HookBinding.HookType.ToString(), info, StepStatus.Passed, e.Duration);
    }

    private static IEnumerable<string> TagsOf(Reqnroll.Bindings.IHookBinding hook) =>
        hook.IsScoped && hook.BindingScope.Tag is { } tag ? [tag] : [];
}
