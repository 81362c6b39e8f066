using System.Text;
using System.Text.Json;
using Harness.Scenarios.Reports;

namespace Harness.Scenarios.Tests.Reports;

public class MessagesReportTests
{
    private static List<string> Lines(RunResult run)
    {
        using var stream = new MemoryStream();
        MessagesReport.Write(run, stream);
        var text = Encoding.UTF8.GetString(stream.ToArray());
        text.Should().EndWith("\n");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    /// <summary>Each line as (envelope key, its value).</summary>
    private static List<(string Key, JsonElement Value)> Envelopes(RunResult run) =>
        Lines(run).Select(line =>
        {
            var root = JsonDocument.Parse(line).RootElement;
            var property = root.EnumerateObject().Single();
            return (property.Name, property.Value.Clone());
        }).ToList();

    [Fact]
    public void Write_SampleRun_EveryLineIsOneJsonObjectWithExactlyOneEnvelopeKey()
    {
        var lines = Lines(SampleRun.Create());

        lines.Should().NotBeEmpty();
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            doc.RootElement.ValueKind.Should().Be(JsonValueKind.Object);
            doc.RootElement.EnumerateObject().Should().ContainSingle(line);
        }
    }

    [Fact]
    public void Write_SampleRun_EnvelopesComeInTheStandardOrder()
    {
        var keys = Envelopes(SampleRun.Create()).Select(e => e.Key).ToList();

        // Collapse runs of the same kind to compare with the expected shape.
        var collapsed = keys.Where((k, i) => i == 0 || keys[i - 1] != k || k is "testStepStarted" or "testStepFinished" or "testCaseStarted" or "testCaseFinished").ToList();
        collapsed.Take(9).Should().Equal("meta", "source", "gherkinDocument", "pickle", "source", "parseError", "stepDefinition", "hook", "testRunStarted");
        keys.Count(k => k == "pickle").Should().Be(8);
        keys.Count(k => k == "testCase").Should().Be(8);
        keys.Count(k => k == "testCaseStarted").Should().Be(8);
        keys.Count(k => k == "testCaseFinished").Should().Be(8);
        keys.Last().Should().Be("testRunFinished");

        // All test cases come before the first is started; then each is started, stepped through and finished in turn.
        keys.LastIndexOf("testCase").Should().BeLessThan(keys.IndexOf("testCaseStarted"));
        var execution = keys.Skip(keys.IndexOf("testCaseStarted")).SkipLast(1).ToList();
        string state = "idle";
        foreach (var k in execution)
        {
            state = (state, k) switch
            {
                ("idle", "testCaseStarted") => "case",
                ("case", "testStepStarted") => "step",
                ("step", "suggestion") => "step",
                ("step", "testStepFinished") => "case",
                ("case", "testCaseFinished") => "idle",
                _ => $"unexpected {k} after {state}",
            };
            state.Should().NotStartWith("unexpected");
        }
        state.Should().Be("idle");
    }

    [Fact]
    public void Write_SampleRun_StepResultsCarryTheStatusesAndMessages()
    {
        var run = SampleRun.Create();
        var envelopes = Envelopes(run);
        var pickleStepOfTestStep = envelopes.Where(e => e.Key == "testCase")
            .SelectMany(e => e.Value.GetProperty("testSteps").EnumerateArray())
            .Where(s => s.TryGetProperty("pickleStepId", out _))
            .ToDictionary(s => s.GetProperty("id").GetString()!, s => s.GetProperty("pickleStepId").GetString()!);
        var statusOfPickleStep = new Dictionary<string, JsonElement>();
        foreach (var e in envelopes.Where(e => e.Key == "testStepFinished"))
            if (pickleStepOfTestStep.TryGetValue(e.Value.GetProperty("testStepId").GetString()!, out var pickleStep))
                statusOfPickleStep[pickleStep] = e.Value.GetProperty("testStepResult");

        JsonElement ResultOf(string scenario, string text)
        {
            var step = run.Scenarios.Single(s => s.Scenario.DisplayName == scenario).Scenario.Steps.Single(s => s.Text == text);
            return statusOfPickleStep[step.PickleStepId];
        }

        ResultOf("Create a key", "the key has 256 bits").GetProperty("status").GetString().Should().Be("PASSED");
        var failed = ResultOf("Key <b>attributes</b> & more", SampleRun.FailingStepText);
        failed.GetProperty("status").GetString().Should().Be("FAILED");
        failed.GetProperty("message").GetString().Should().Contain(SampleRun.FailingError).And.Contain(SampleRun.FailingDetail);
        failed.GetProperty("duration").GetProperty("nanos").GetInt64().Should().Be(26_000_000);
        ResultOf("Key <b>attributes</b> & more", "the key is \"active\"").GetProperty("status").GetString().Should().Be("SKIPPED");
        ResultOf("Undefined phrase", "I frobnicate the key").GetProperty("status").GetString().Should().Be("UNDEFINED");
        ResultOf("Ambiguous phrase", "I rotate the key").GetProperty("status").GetString().Should().Be("AMBIGUOUS");
        ResultOf("Pending phrase", "I archive the key").GetProperty("status").GetString().Should().Be("PENDING");
        var ignored = ResultOf("Not ready", "I destroy the key");
        ignored.GetProperty("status").GetString().Should().Be("SKIPPED");
        ignored.GetProperty("message").GetString().Should().Be("tagged @ignore");

        var suggestion = envelopes.Single(e => e.Key == "suggestion").Value;
        suggestion.GetProperty("snippets")[0].GetProperty("code").GetString().Should().Be(SampleRun.Snippet);
        suggestion.GetProperty("snippets")[0].GetProperty("language").GetString().Should().Be("csharp");

        var finished = envelopes.Single(e => e.Key == "testRunFinished").Value;
        finished.GetProperty("success").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public void Write_SampleRun_EveryIdReferenceResolves()
    {
        var envelopes = Envelopes(SampleRun.Create());
        HashSet<string> Ids(string key) => envelopes.Where(e => e.Key == key).Select(e => e.Value.GetProperty("id").GetString()!).ToHashSet();
        var pickles = Ids("pickle");
        var pickleSteps = envelopes.Where(e => e.Key == "pickle").SelectMany(e => e.Value.GetProperty("steps").EnumerateArray())
            .Select(s => s.GetProperty("id").GetString()!).ToHashSet();
        var definitions = Ids("stepDefinition");
        var hooks = Ids("hook");
        var cases = Ids("testCase");
        var started = Ids("testCaseStarted");
        var runId = envelopes.Single(e => e.Key == "testRunStarted").Value.GetProperty("id").GetString();

        foreach (var (_, testCase) in envelopes.Where(e => e.Key == "testCase"))
        {
            pickles.Should().Contain(testCase.GetProperty("pickleId").GetString());
            testCase.GetProperty("testRunStartedId").GetString().Should().Be(runId);
            foreach (var step in testCase.GetProperty("testSteps").EnumerateArray())
            {
                if (step.TryGetProperty("hookId", out var hookId))
                {
                    hooks.Should().Contain(hookId.GetString());
                    step.TryGetProperty("pickleStepId", out _).Should().BeFalse();
                    continue;
                }
                pickleSteps.Should().Contain(step.GetProperty("pickleStepId").GetString());
                foreach (var d in step.GetProperty("stepDefinitionIds").EnumerateArray()) definitions.Should().Contain(d.GetString());
            }
        }
        foreach (var (_, s) in envelopes.Where(e => e.Key == "testCaseStarted")) cases.Should().Contain(s.GetProperty("testCaseId").GetString());
        foreach (var (_, s) in envelopes.Where(e => e.Key is "testStepStarted" or "testStepFinished" or "testCaseFinished"))
            started.Should().Contain(s.GetProperty("testCaseStartedId").GetString());
        envelopes.Single(e => e.Key == "testRunFinished").Value.GetProperty("testRunStartedId").GetString().Should().Be(runId);
    }

    [Fact]
    public void Write_SampleRun_OneStepDefinitionPerDistinctBindingAndAmbiguousStepsListEveryMatch()
    {
        var run = SampleRun.Create();
        var envelopes = Envelopes(run);
        var distinct = run.Scenarios.SelectMany(s => s.Steps).SelectMany(s => (s.AmbiguousWith ?? []).Append(s.Binding!)).Where(b => b is not null).Distinct().Count();

        var definitions = envelopes.Where(e => e.Key == "stepDefinition").Select(e => e.Value).ToList();
        definitions.Should().HaveCount(distinct);
        var regex = definitions.Single(d => d.GetProperty("pattern").GetProperty("source").GetString() == "^I rotate (.*)$");
        regex.GetProperty("pattern").GetProperty("type").GetString().Should().Be("REGULAR_EXPRESSION");
        regex.GetProperty("sourceReference").GetProperty("uri").GetString().Should().Be("features/Harness.Scenarios/Kms/KeySteps.cs");
        regex.GetProperty("sourceReference").GetProperty("location").GetProperty("line").GetInt64().Should().Be(12);
        definitions.Single(d => d.GetProperty("pattern").GetProperty("source").GetString() == "the key has {int} bits")
            .GetProperty("pattern").GetProperty("type").GetString().Should().Be("CUCUMBER_EXPRESSION");

        var ambiguousStep = run.Scenarios.Single(s => s.Scenario.Name == "Ambiguous phrase").Scenario.Steps.Single(s => s.Text == "I rotate the key");
        var testStep = envelopes.Where(e => e.Key == "testCase").SelectMany(e => e.Value.GetProperty("testSteps").EnumerateArray())
            .Single(s => s.TryGetProperty("pickleStepId", out var p) && p.GetString() == ambiguousStep.PickleStepId);
        testStep.GetProperty("stepDefinitionIds").GetArrayLength().Should().Be(2);

        var hooks = envelopes.Where(e => e.Key == "hook").Select(e => e.Value).ToList();
        hooks.Select(h => h.GetProperty("type").GetString()).Should().BeEquivalentTo("BEFORE_TEST_CASE", "AFTER_TEST_CASE");
        hooks.Single(h => h.GetProperty("type").GetString() == "AFTER_TEST_CASE").GetProperty("tagExpression").GetString().Should().Be("@kms");
    }

    [Fact]
    public void Write_SampleRun_UsesCamelCaseNamesSchemaEnumStringsAndNoNulls()
    {
        var envelopes = Envelopes(SampleRun.Create());

        void Walk(JsonElement e, string path)
        {
            e.ValueKind.Should().NotBe(JsonValueKind.Null, $"{path} is null");
            if (e.ValueKind == JsonValueKind.Object)
                foreach (var p in e.EnumerateObject())
                {
                    char.IsLower(p.Name[0]).Should().BeTrue($"{path}.{p.Name} should be camelCase");
                    Walk(p.Value, $"{path}.{p.Name}");
                }
            else if (e.ValueKind == JsonValueKind.Array)
                foreach (var item in e.EnumerateArray()) Walk(item, path + "[]");
        }
        foreach (var (key, value) in envelopes) Walk(value, key);

        var source = envelopes.First(e => e.Key == "source").Value;
        source.GetProperty("mediaType").GetString().Should().Be("text/x.cucumber.gherkin+plain");
        source.GetProperty("data").GetString().Should().Be(SampleRun.FeatureText);
        source.GetProperty("uri").GetString().Should().Be(SampleRun.FeatureUri);
        var pickle = envelopes.First(e => e.Key == "pickle").Value;
        pickle.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("type").GetString()).Should().Equal("Context", "Action", "Outcome");
        envelopes.First(e => e.Key == "gherkinDocument").Value.GetProperty("feature").GetProperty("name").GetString().Should().Be("Keys <&> \"quotes\"");

        var meta = envelopes[0].Value;
        meta.GetProperty("protocolVersion").GetString().Should().StartWith("35.");
        meta.GetProperty("implementation").GetProperty("name").GetString().Should().Be("harness");

        var started = envelopes.Single(e => e.Key == "testRunStarted").Value.GetProperty("timestamp");
        started.GetProperty("seconds").GetInt64().Should().Be(SampleRun.Started.ToUnixTimeSeconds());
        started.GetProperty("nanos").GetInt64().Should().Be(0);
    }

    [Fact]
    public void Write_SyntaxError_IsAParseErrorWithFileLineAndColumn()
    {
        var envelopes = Envelopes(SampleRun.Create());

        var error = envelopes.Single(e => e.Key == "parseError").Value;
        error.GetProperty("source").GetProperty("uri").GetString().Should().Be(SampleRun.BrokenUri);
        error.GetProperty("source").GetProperty("location").GetProperty("line").GetInt64().Should().Be(4);
        error.GetProperty("source").GetProperty("location").GetProperty("column").GetInt64().Should().Be(3);
        error.GetProperty("message").GetString().Should().StartWith("(4:3): ").And.Contain("This line is not Gherkin");
        envelopes.Count(e => e.Key == "gherkinDocument").Should().Be(1, "the broken file has no document");
    }

    [Fact]
    public void Write_AllPassing_TestRunFinishedIsSuccess()
    {
        var envelopes = Envelopes(SampleRun.AllPassing());

        envelopes.Last().Value.GetProperty("success").GetBoolean().Should().BeTrue();
        envelopes.Where(e => e.Key == "testStepFinished").Should().OnlyContain(e => e.Value.GetProperty("testStepResult").GetProperty("status").GetString() == "PASSED");
    }

    [Fact]
    public void Write_EveryLine_ReadsBackAsAnEnvelope()
    {
        foreach (var line in Lines(SampleRun.Create()))
        {
            var envelope = MessagesJson.Deserialize(line);
            envelope.Should().NotBeNull();
            MessagesJson.Serialize(envelope!).Should().Be(line);
        }
    }

    [Fact]
    public void Write_ToStream_LeavesTheStreamOpen()
    {
        using var stream = new MemoryStream();
        MessagesReport.Write(SampleRun.AllPassing(), stream);

        stream.CanWrite.Should().BeTrue();
        stream.Length.Should().BeGreaterThan(0);
    }

    [Fact]
    public void Write_ToPath_WritesTheSameLines()
    {
        var path = Path.Combine(Path.GetTempPath(), "harness-messages-" + Guid.NewGuid().ToString("N")[..8], "run.ndjson");
        try
        {
            MessagesReport.Write(SampleRun.AllPassing(), path);
            var lines = File.ReadAllLines(path);
            lines.Should().HaveCount(Lines(SampleRun.AllPassing()).Count);
            lines.Should().OnlyContain(l => l.StartsWith('{') && l.EndsWith('}'));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, true);
        }
    }
}
