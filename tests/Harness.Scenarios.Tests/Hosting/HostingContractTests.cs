using System.Text.Json;
using Reqnroll;
using Reqnroll.BoDi;

namespace Harness.Scenarios.Tests.Hosting;

/// <summary>A driver that only knows asynchronous disposal: BoDi does not call it, the host must.</summary>
public sealed class AsyncOnlyDriver : IAsyncDisposable
{
    public static readonly List<int> Disposed = [];
    private static int s_next;
    public int Instance { get; } = Interlocked.Increment(ref s_next);
    public ValueTask DisposeAsync()
    {
        lock (Disposed) Disposed.Add(Instance);
        return ValueTask.CompletedTask;
    }
}

/// <summary>A run-wide object a host registers in the global container (as the CLI registers the KMS under test).</summary>
public sealed record RunWide(string Name);

[Binding]
[Scope(Tag = "hosting")]
public sealed class HostingBindings(AsyncOnlyDriver driver, ScenarioContext scenario, IObjectContainer container)
{
    public static readonly List<string> Log = [];

    private static void Write(string entry) { lock (Log) Log.Add(entry); }

    [Given("the hosting driver is used")]
    public void DriverUsed() => Write($"driver {driver.Instance} in {scenario.ScenarioInfo.Title}");

    [Given("the run-wide object is {string}")]
    public void RunWideIs(string name) =>
        (container.IsRegistered<RunWide>() ? container.Resolve<RunWide>().Name : "none").Should().Be(name);

    [Given("the hosting step waits for its partner")]
    public async Task WaitsForPartner()
    {
        await Task.Yield();
        Write($"waited in {scenario.ScenarioInfo.Title}");
    }

    [Given("the hosting step is pending by ScenarioContext")]
    public void PendingByContext() => scenario.Pending();

    [BeforeFeature("hosting")]
    public static void BeforeFeature(FeatureContext feature) => Write($"before feature {feature.FeatureInfo.Title}");

    [AfterFeature("hosting")]
    public static void AfterFeature(FeatureContext feature) => Write($"after feature {feature.FeatureInfo.Title}");
}

/// <summary>
/// What the hosting layer relies on in Reqnroll 3.3.4 (pinned): a Reqnroll upgrade that changes any of it fails here,
/// before a user sees it. Each test names the behaviour; the hosting code's remarks say why it is needed.
/// </summary>
public class HostingContractTests
{
    private static StepCatalog Catalog() => StepCatalog.FromAssemblies(typeof(HostingBindings).Assembly);

    private static FeatureFile Feature(string title, string uri, params string[] scenarios) =>
        FeatureLoader.Parse($"@hosting\nFeature: {title}\n" + string.Concat(scenarios.Select(s => $"  Scenario: {s}\n    Given the hosting driver is used\n")), uri);

    [Fact]
    public void ReqnrollRuntime_IsThePinnedVersion()
    {
        var version = typeof(ScenarioContext).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;
        version.Split('+')[0].Should().Be("3.3.4",
            "the hosting layer is written against Reqnroll 3.3.4; re-run these contract tests before changing the pin");
    }

    [Fact]
    public async Task AsyncDisposableDrivers_AreDisposedByTheHostWhenTheScenarioEnds()
    {
        int before; lock (AsyncOnlyDriver.Disposed) before = AsyncOnlyDriver.Disposed.Count;
        await using var engine = new ScenarioEngine(Catalog());
        var run = await engine.RunAsync([Feature("Disposal", "disposal.feature", "one", "two")]);
        run.Passed.Should().Be(2);
        lock (AsyncOnlyDriver.Disposed) AsyncOnlyDriver.Disposed.Count.Should().Be(before + 2, "one driver per scenario, each disposed");
    }

    [Fact]
    public async Task TwoEngines_RunAtOnceInOneProcess_EachWithItsOwnRunWideObjects()
    {
        // Each run has its own TestRunnerManager: Reqnroll's static registry would share one per assembly.
        static FeatureFile Asks(string name) => FeatureLoader.Parse(
            $"@hosting\nFeature: Run-wide {name}\n" + string.Concat(Enumerable.Range(0, 20).Select(i =>
                $"  Scenario: {name} {i}\n    Given the hosting step waits for its partner\n    And the run-wide object is \"{name}\"\n")), $"{name}.feature");
        await using var a = new ScenarioEngine(Catalog(), c => c.RegisterInstanceAs(new RunWide("a")));
        await using var b = new ScenarioEngine(Catalog(), c => c.RegisterInstanceAs(new RunWide("b")));
        var runs = await Task.WhenAll(Task.Run(() => a.RunAsync([Asks("a")])), Task.Run(() => b.RunAsync([Asks("b")])));
        runs.Select(r => (r.Passed, r.Failed)).Should().Equal((20, 0), (20, 0));
    }

    [Fact]
    public async Task FeatureHooks_AreStaticAndRunOncePerFeatureFile()
    {
        await using var engine = new ScenarioEngine(Catalog());
        await engine.RunAsync([Feature("Hooks one", "h1.feature", "x", "y"), Feature("Hooks two", "h2.feature", "z")]);
        string[] expected = ["before feature Hooks one", "after feature Hooks one", "before feature Hooks two", "after feature Hooks two"];
        lock (HostingBindings.Log) HostingBindings.Log.Where(l => l.Contains("feature Hooks")).Should().Equal(expected);
    }

    [Fact]
    public async Task MessagesReport_HasOneGherkinDocumentPerFeatureFile()
    {
        var ndjson = Path.Combine(Directory.CreateTempSubdirectory("harness-contract-").FullName, "run.ndjson");
        await using (var engine = new ScenarioEngine(Catalog()))
            await engine.RunAsync([Feature("Doc one", "d1.feature", "a"), Feature("Doc two", "d2.feature", "b", "c")], new RunOptions(MessagesReport: ndjson));
        var envelopes = File.ReadAllLines(ndjson).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        envelopes.Where(e => e.TryGetProperty("gherkinDocument", out _)).Select(e => e.GetProperty("gherkinDocument").GetProperty("uri").GetString())
            .Should().Equal("d1.feature", "d2.feature");
        envelopes.Count(e => e.TryGetProperty("testCaseFinished", out _)).Should().Be(3);
        Directory.Delete(Path.GetDirectoryName(ndjson)!, recursive: true);
    }

    [Fact]
    public async Task StoppedSession_CanStartTheSameScenarioAgain()
    {
        // reqnroll issue 1083: a scenario started again on the same FeatureInfo fails once formatters are on; each start
        // gets a fresh FeatureInfo (the runbook player restarts scenarios on one long-lived run).
        var feature = Feature("Replay", "replay.feature", "again");
        await using var engine = new ScenarioEngine(Catalog());
        for (int i = 0; i < 3; i++)
        {
            await using var session = await engine.StartAsync(feature.Scenarios[0]);
            session.IsFinished.Should().BeFalse();
        }
        await using var last = await engine.StartAsync(feature.Scenarios[0]);
        (await last.FinishAsync()).Status.Should().Be(StepStatus.Passed);
    }

    [Fact]
    public async Task ScenarioContextPending_GoesThroughTheUnitTestRuntimeProvider_AsPending()
    {
        await using var engine = new ScenarioEngine(Catalog());
        var run = await engine.RunAsync([FeatureLoader.Parse(
            "@hosting\nFeature: Pending\n  Scenario: by context\n    Given the hosting step is pending by ScenarioContext\n    And the hosting driver is used\n", "p.feature")]);
        var scenario = run.Scenarios.Single();
        scenario.Status.Should().Be(StepStatus.Pending);
        scenario.Steps.Select(s => s.Status).Should().Equal(StepStatus.Pending, StepStatus.Skipped);
    }
}
