using System.Text.Json;
using Reqnroll;
using Harness.Scenarios.Tests.Engine;

namespace Harness.Scenarios.Tests.Reports;

/// <summary>
/// The Cucumber Messages NDJSON and the Cucumber HTML report written by Reqnroll's own formatters from a hosted run: one
/// envelope per line, the pickles of the features the engine parsed, the step definitions with their source, and
/// <c>stepMatchArguments</c> naming each argument and its parameter type.
/// </summary>
public class CucumberReportTests
{
    private const string Feature = """
        Feature: Calculator report
          Scenario: Add two numbers
            Given I have entered 50 into the calculator
            And I have entered 70 into the calculator
            When I press add
            Then the result should be 120 on the screen

          Scenario: It breaks
            When something fails
            Then the result should be 1 on the screen
        """;

    private static async Task<(RunResult Run, List<JsonElement> Envelopes, string Html)> RunWithReports()
    {
        var dir = Directory.CreateTempSubdirectory("harness-report-").FullName;
        try
        {
            var ndjson = Path.Combine(dir, "messages.ndjson");
            var html = Path.Combine(dir, "report.html");
            RunResult run;
            await using (var engine = new ScenarioEngine(StepCatalog.FromAssemblies(typeof(CalculatorSteps).Assembly)))
                run = await engine.RunAsync([FeatureLoader.Parse(Feature, "features/report.feature")],
                    new RunOptions(HtmlReport: html, MessagesReport: ndjson));
            var envelopes = File.ReadAllLines(ndjson).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
            return (run, envelopes, File.ReadAllText(html));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static IEnumerable<JsonElement> Of(List<JsonElement> envelopes, string kind) =>
        envelopes.Where(e => e.TryGetProperty(kind, out _)).Select(e => e.GetProperty(kind));

    [Fact]
    public async Task Messages_HostedRun_HasPicklesResultsAndStepMatchArguments()
    {
        var (run, envelopes, _) = await RunWithReports();
        run.Passed.Should().Be(1);
        run.Failed.Should().Be(1);

        Of(envelopes, "meta").Should().ContainSingle();
        Of(envelopes, "gherkinDocument").Should().ContainSingle().Which.GetProperty("uri").GetString().Should().Be("features/report.feature");
        Of(envelopes, "pickle").Select(p => p.GetProperty("name").GetString()).Should().Equal("Add two numbers", "It breaks");
        Of(envelopes, "testRunFinished").Should().ContainSingle();

        // The first step's match names its argument "50" and the {int} parameter type.
        var testCase = Of(envelopes, "testCase").First();
        var withArguments = testCase.GetProperty("testSteps").EnumerateArray()
            .Where(s => s.TryGetProperty("stepMatchArgumentsLists", out _)).ToList();
        withArguments.Should().NotBeEmpty();
        var argument = withArguments[0].GetProperty("stepMatchArgumentsLists")[0].GetProperty("stepMatchArguments")[0];
        argument.GetProperty("group").GetProperty("value").GetString().Should().Be("50");
        argument.GetProperty("parameterTypeName").GetString().Should().Be("int");

        // The failed step's result carries the exception message.
        var statuses = Of(envelopes, "testStepFinished").Select(s => s.GetProperty("testStepResult")).ToList();
        statuses.Should().Contain(r => r.GetProperty("status").GetString() == "FAILED"
            && r.GetProperty("message").GetString()!.Contains("the calculator caught fire"));
        Of(envelopes, "stepDefinition").Should().Contain(d => d.GetProperty("pattern").GetProperty("source").GetString() == "I have entered {int} into the calculator");
    }

    [Fact]
    public async Task Html_HostedRun_IsTheCucumberReportWithTheRunsMessages()
    {
        var (_, _, html) = await RunWithReports();
        html.Should().StartWith("<!DOCTYPE html>");
        html.Should().Contain("Calculator report").And.Contain("the calculator caught fire");
    }

    [Fact]
    public async Task Reports_UnwritablePath_IsRefusedBeforeTheRun()
    {
        await using var engine = new ScenarioEngine(StepCatalog.FromAssemblies(typeof(CalculatorSteps).Assembly));
        var act = () => engine.RunAsync([FeatureLoader.Parse(Feature, "features/report.feature")],
            new RunOptions(HtmlReport: "/proc/no-such-dir/report.html"));
        (await act.Should().ThrowAsync<ScenarioSetupException>()).WithMessage("*report.html*");
    }
}
