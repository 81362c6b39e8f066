using System.Diagnostics;
using Reqnroll;

namespace Harness.Scenarios.Tests.Engine;

/// <summary>
/// The engine's own cost: 1,000 trivial scenarios of one step (the cost of a scenario) and 100 scenarios of ten steps
/// (the cost of a step), on the hosted Reqnroll runtime. Figures go to TestResults/engine-overhead.txt for the notes;
/// they are not asserted (speed is measured, not unit-tested).
/// </summary>
public class EngineOverheadTests
{
    [Binding]
    public sealed class TrivialSteps
    {
        [Given("a trivial step {int}")]
        public void Trivial(int n) { }
    }

    private static async Task<(double PerScenarioUs, double ParseMs)> Measure(int scenarios, int steps)
    {
        var text = "Feature: Many\n" + string.Concat(Enumerable.Range(0, scenarios).Select(i =>
            $"  Scenario: trivial {i}\n" + string.Concat(Enumerable.Range(0, steps).Select(j => $"    Given a trivial step {j}\n"))));
        var parse = Stopwatch.StartNew();
        var feature = FeatureLoader.Parse(text, "many.feature");
        parse.Stop();
        await using var engine = new ScenarioEngine(StepCatalog.FromAssemblies(typeof(TrivialSteps).Assembly));
        await engine.RunAsync([feature]); // warm-up
        var run = Stopwatch.StartNew();
        var result = await engine.RunAsync([feature]);
        run.Stop();
        result.Passed.Should().Be(scenarios);
        return (run.Elapsed.TotalMilliseconds * 1000 / scenarios, parse.Elapsed.TotalMilliseconds);
    }

    [Fact]
    public async Task Run_TrivialScenarios_AllPassAndTheCostIsWrittenDown()
    {
        var (oneStep, parse) = await Measure(1000, 1);
        var (tenSteps, _) = await Measure(100, 10);
        var perStep = (tenSteps - oneStep) / 9;
        var line = $"1,000 one-step scenarios: parse {parse:0} ms, {oneStep:0} µs per scenario; " +
                   $"100 ten-step scenarios: {tenSteps:0} µs per scenario, so {perStep:0} µs per step";
        TestContext.Current.SendDiagnosticMessage(line);
        var dir = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "engine-overhead.txt"), line + "\n");
    }
}
