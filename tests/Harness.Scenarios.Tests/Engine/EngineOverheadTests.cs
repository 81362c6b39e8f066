using System.Diagnostics;
using Reqnroll;

namespace Harness.Scenarios.Tests.Engine;

/// <summary>
/// The engine's own cost per scenario, measured on 1,000 trivial scenarios (one step each). The time is written to
/// TestResults/engine-overhead.txt for the notes; it is not asserted (speed is measured, not unit-tested).
/// </summary>
public class EngineOverheadTests
{
    [Binding]
    public sealed class TrivialSteps
    {
        [Given("a trivial step {int}")]
        public void Trivial(int n) { }
    }

    [Fact]
    public async Task Run_ThousandTrivialScenarios_AllPass()
    {
        var text = "Feature: Many\n" + string.Concat(Enumerable.Range(0, 1000).Select(i => $"  Scenario: trivial {i}\n    Given a trivial step {i}\n"));
        var parse = Stopwatch.StartNew();
        var feature = FeatureLoader.Parse(text, "many.feature");
        parse.Stop();
        await using var engine = new ScenarioEngine(StepCatalog.FromAssemblies(typeof(TrivialSteps).Assembly));
        await engine.RunAsync([feature]); // warm-up
        var run = Stopwatch.StartNew();
        var result = await engine.RunAsync([feature]);
        run.Stop();
        result.Passed.Should().Be(1000);
        var line = $"1,000 trivial scenarios: parse {parse.Elapsed.TotalMilliseconds:0} ms, run {run.Elapsed.TotalMilliseconds:0} ms " +
                   $"({run.Elapsed.TotalMilliseconds * 1000 / 1000:0} µs per scenario)";
        TestContext.Current.SendDiagnosticMessage(line);
        var dir = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "engine-overhead.txt"), line + "\n");
    }
}
