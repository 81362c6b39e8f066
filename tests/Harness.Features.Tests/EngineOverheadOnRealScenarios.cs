using System.Diagnostics;
using Harness.Scenarios;
using Harness.Steps;

namespace Harness.Features.Tests;

/// <summary>
/// The hosted Reqnroll runtime's cost on the repository's real scenarios: a run of every feature file, and per
/// scenario its wall time less what its steps and hooks (scenario, step and block hooks) took (the engine's own share: starting the scenario, matching,
/// events, containers, disposal). Written to TestResults/engine-overhead-real.txt for the notes; not asserted (speed
/// is measured, not unit-tested). The run itself must pass.
/// </summary>
public sealed class EngineOverheadOnRealScenarios
{
    [Fact]
    public async Task RunAllFeatures_EngineShareOfEachScenario_IsMeasured()
    {
        var features = FeatureLoader.LoadAll([FeatureFiles.Directory], FeatureFiles.Root);
        await using var engine = new ScenarioEngine(StepCatalog.FromAssemblies(typeof(KmsSteps).Assembly));
        var clock = Stopwatch.StartNew();
        var run = await engine.RunAsync(features);
        clock.Stop();
        run.Failed.Should().Be(0, string.Join("\n", run.Scenarios.Select(s => s.FailureSummary).OfType<string>()));

        var overheads = run.Scenarios.Where(s => s.SkippedBecause is null).Select(s =>
            (s.Duration - s.Steps.Aggregate(TimeSpan.Zero, (t, step) => t + step.Duration)
                        - s.BeforeHooks.Concat(s.AfterHooks).Concat(s.Steps.SelectMany(step => step.Hooks ?? []))
                            .Aggregate(TimeSpan.Zero, (t, h) => t + h.Duration)).TotalMilliseconds)
            .Order().ToList();
        var line = $"{overheads.Count} real scenarios in {clock.Elapsed.TotalSeconds:0.0} s; engine share per scenario: " +
                   $"median {overheads[overheads.Count / 2]:0.000} ms, p90 {overheads[overheads.Count * 9 / 10]:0.000} ms, max {overheads[^1]:0.000} ms";
        TestContext.Current.SendDiagnosticMessage(line);
        var dir = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "engine-overhead-real.txt"), line + "\n");
    }
}
