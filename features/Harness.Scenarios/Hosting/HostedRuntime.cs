using System.Reflection;
using Reqnroll;
using Reqnroll.Analytics;
using Reqnroll.BoDi;
using Reqnroll.Events;
using Reqnroll.Formatters.Configuration;
using Reqnroll.Infrastructure;
using Reqnroll.Plugins;
using Reqnroll.Tracing;
using Reqnroll.UnitTestProvider;

namespace Harness.Scenarios.Hosting;

/// <summary>
/// Reqnroll's default dependencies, with what a run hosted by Harness needs instead: the Harness runtime plugin (the
/// unit-test runtime provider, the step recorder, scenario objects that are IAsyncDisposable), no plugins searched for on
/// disk, no telemetry sent anywhere, no trace written to the console (the engine reports), the formatters the run asks for
/// (not reqnroll.json or the environment), and binding assemblies that are already loaded.
/// </summary>
internal sealed class HostedDependencyProvider(IReadOnlyDictionary<string, IDictionary<string, object>> formatters, IReadOnlyList<Assembly> bindingAssemblies)
    : DefaultDependencyProvider
{
    public override void RegisterGlobalContainerDefaults(ObjectContainer container)
    {
        base.RegisterGlobalContainerDefaults(container);
        container.RegisterInstanceAs<IRuntimePlugin>(new HarnessRuntimePlugin(), HarnessRuntimePlugin.Name);
        container.RegisterInstanceAs<IRuntimePluginLocator>(new NoPluginFiles());
        container.RegisterTypeAs<NoTelemetry, IAnalyticsRuntimeTelemetryService>();
        container.RegisterTypeAs<NoTelemetry, IAnalyticsTransmitter>();
        container.RegisterTypeAs<NullListener, ITraceListener>();
        var none = new FormatterSettings(new Dictionary<string, IDictionary<string, object>>());
        container.RegisterInstanceAs<IFileBasedConfigurationResolver>(new FormatterSettings(formatters));
        container.RegisterInstanceAs<IJsonEnvironmentConfigurationResolver>(none);
        container.RegisterInstanceAs<IKeyValueEnvironmentConfigurationResolver>(none);
        container.RegisterInstanceAs<IBindingAssemblyLoader>(new LoadedBindingAssemblies(bindingAssemblies));
    }

    private sealed class NoPluginFiles : IRuntimePluginLocator
    {
        public IReadOnlyList<string> GetAllRuntimePlugins() => [];
    }

    private sealed class FormatterSettings(IReadOnlyDictionary<string, IDictionary<string, object>> formatters)
        : IFileBasedConfigurationResolver, IJsonEnvironmentConfigurationResolver, IKeyValueEnvironmentConfigurationResolver
    {
        public IDictionary<string, IDictionary<string, object>> Resolve() => formatters.ToDictionary(f => f.Key, f => f.Value);
    }

    /// <summary>The binding assemblies by full name: those the catalog loaded (a team's DLLs by path among them).</summary>
    private sealed class LoadedBindingAssemblies(IReadOnlyList<Assembly> assemblies) : IBindingAssemblyLoader
    {
        public Assembly Load(string assemblyName) =>
            assemblies.FirstOrDefault(a => a.FullName == assemblyName || a.GetName().Name == assemblyName) ?? Assembly.Load(assemblyName);
    }
}

/// <summary>Reqnroll telemetry, switched off: a hosted run sends nothing off the machine.</summary>
internal sealed class NoTelemetry : IAnalyticsRuntimeTelemetryService, IAnalyticsTransmitter
{
    public bool IsEnabled => false;
    public void SendFeatureUseEvent(string featureName, Dictionary<string, string>? properties = null, Dictionary<string, double>? metrics = null) { }
    public void SendProjectRunningEvent() { }
    public Task<Reqnroll.CommonModels.IResult> TransmitReqnrollProjectCompilingEventAsync(ReqnrollProjectCompilingEvent projectCompilingEvent) => Disabled();
    public Task<Reqnroll.CommonModels.IResult> TransmitReqnrollProjectRunningEventAsync(ReqnrollProjectRunningEvent projectRunningEvent) => Disabled();
    public Task<Reqnroll.CommonModels.IResult> TransmitReqnrollFeatureUseEventAsync(ReqnrollFeatureUseEvent featureUseEvent) => Disabled();
    private static Task<Reqnroll.CommonModels.IResult> Disabled() => Task.FromResult(Reqnroll.CommonModels.Result.Success());
}

/// <summary>
/// Reqnroll's step-by-step console trace, not written: the engine reports each step from Reqnroll's execution events.
/// (Reqnroll's own tracer formats every step and its arguments and queues the text to a writer thread.)
/// </summary>
internal sealed class SilentTestTracer : ITestTracer
{
    public void TraceStep(Reqnroll.Bindings.StepInstance stepInstance, bool showAdditionalArguments) { }
    public void TraceWarning(string text) { }
    public void TraceStepDone(Reqnroll.Bindings.BindingMatch match, object[] arguments, TimeSpan duration) { }
    public void TraceStepSkipped(Exception exception) { }
    public void TraceStepSkippedBecauseOfPreviousErrors() { }
    public void TraceStepPending(Reqnroll.Bindings.BindingMatch match, object[] arguments, Exception exception) { }
    public void TraceBindingError(Exception ex) { }
    public void TraceError(Exception ex, TimeSpan duration) { }
    public void TraceNoMatchingStepDefinition(Reqnroll.Bindings.StepInstance stepInstance, ProgrammingLanguage targetLanguage,
        System.Globalization.CultureInfo bindingCulture, List<Reqnroll.Bindings.BindingMatch> matchesWithoutScopeCheck) { }
    public void TraceDuration(TimeSpan elapsed, Reqnroll.Bindings.Reflection.IBindingMethod method, object[] arguments) { }
    public void TraceDuration(TimeSpan elapsed, string text) { }
}

/// <summary>
/// The runtime plugin of a hosted run: Harness is the unit-test runtime provider; each test thread gets a
/// <see cref="StepRecorder"/>; each scenario container keeps the IAsyncDisposable objects it creates (BoDi disposes only
/// IDisposable ones) so that the engine disposes them when the scenario ends.
/// </summary>
internal sealed class HarnessRuntimePlugin : IRuntimePlugin
{
    public const string Name = "Harness";

    public void Initialize(RuntimePluginEvents runtimePluginEvents, RuntimePluginParameters runtimePluginParameters, UnitTestProviderConfiguration unitTestProviderConfiguration)
    {
        unitTestProviderConfiguration.UseUnitTestProvider(Name);
        runtimePluginEvents.RegisterGlobalDependencies += (_, e) =>
            e.ObjectContainer.RegisterTypeAs<HarnessUnitTestRuntimeProvider, IUnitTestRuntimeProvider>(Name);
        runtimePluginEvents.CustomizeTestThreadDependencies += (_, e) =>
        {
            e.ObjectContainer.RegisterTypeAs<CachedStepDefinitionMatchService, IStepDefinitionMatchService>();
            e.ObjectContainer.RegisterTypeAs<SilentTestTracer, ITestTracer>();
            var recorder = new StepRecorder();
            e.ObjectContainer.RegisterInstanceAs(recorder);
            e.ObjectContainer.Resolve<ITestThreadExecutionEventPublisher>().AddListener(recorder);
        };
        runtimePluginEvents.CustomizeScenarioDependencies += (_, e) =>
        {
            var owned = new ScenarioDisposables();
            e.ObjectContainer.RegisterInstanceAs(owned);
            e.ObjectContainer.ObjectCreated += o =>
            {
                if (o is IAsyncDisposable d and not IDisposable) owned.Add(d);
            };
        };
    }
}

/// <summary>The IAsyncDisposable objects a scenario container created, disposed last-made first when the scenario ends.</summary>
internal sealed class ScenarioDisposables
{
    private readonly List<IAsyncDisposable> _objects = [];

    public void Add(IAsyncDisposable o)
    {
        lock (_objects) _objects.Add(o);
    }

    /// <summary>Disposes them all; the first failure is returned (the others are still disposed).</summary>
    public async Task<Exception?> DisposeAllAsync()
    {
        List<IAsyncDisposable> objects;
        lock (_objects)
        {
            objects = [.. _objects];
            _objects.Clear();
        }
        Exception? first = null;
        for (int i = objects.Count - 1; i >= 0; i--)
        {
            try { await objects[i].DisposeAsync().ConfigureAwait(false); }
            catch (Exception ex) { first ??= ex; }
        }
        return first;
    }
}

/// <summary>How Reqnroll's pending, inconclusive and ignored outcomes end a hosted scenario (the engine reads them).</summary>
internal sealed class HarnessUnitTestRuntimeProvider : IUnitTestRuntimeProvider
{
    public void TestPending(string message) => throw new ScenarioPendingException(message);
    public void TestInconclusive(string message) => throw new ScenarioPendingException(message);
    public void TestIgnore(string message) => throw new ScenarioIgnoredException(message);

    public ScenarioExecutionStatus? DetectExecutionStatus(Exception exception) => exception switch
    {
        ScenarioIgnoredException => ScenarioExecutionStatus.Skipped,
        ScenarioPendingException => ScenarioExecutionStatus.StepDefinitionPending,
        _ => null,
    };
}

internal sealed class ScenarioPendingException(string message) : Exception(message);

internal sealed class ScenarioIgnoredException(string message) : Exception(message);

/// <summary>
/// Hears Reqnroll's execution events on one test thread and hands them to the session that runs there now
/// (<see cref="Target"/>): step started/finished, step binding started, hook binding finished.
/// </summary>
internal sealed class StepRecorder : IAsyncExecutionEventListener
{
    public IAsyncExecutionEventListener? Target { get; set; }

    public Task OnEventAsync(IExecutionEvent executionEvent) => Target?.OnEventAsync(executionEvent) ?? Task.CompletedTask;
}
