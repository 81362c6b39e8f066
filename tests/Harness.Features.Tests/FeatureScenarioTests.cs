using System.Text;
using Harness.Scenarios;
using Harness.Steps;

namespace Harness.Features.Tests;

/// <summary>
/// Every scenario of every .feature file under features/ is a test case of its own, named
/// "features/kms/kms.feature:12 A key a client creates can be fetched with its key material", with the scenario's tags
/// as Category traits (<c>dotnet test --filter Category=kms</c>). @ignore scenarios are skipped with their reason; a
/// feature file that does not parse is one failing test case naming file:line:column.
/// </summary>
public sealed class FeatureScenarioTests
{
    /// <summary>One engine, so one Reqnroll test run, for every scenario of this test assembly.</summary>
    private static readonly Lazy<ScenarioEngine> Engine = new(() => new ScenarioEngine(StepCatalog.FromAssemblies(typeof(KmsSteps).Assembly)));

    public static IEnumerable<ITheoryDataRow> Scenarios()
    {
        foreach (var feature in FeatureLoader.LoadAll([FeatureFiles.Directory], FeatureFiles.Root))
        {
            if (feature.Error is { } error)
            {
                yield return new TheoryDataRow<string>(feature.Uri) 
                {
                    TestDisplayName = $"{error.Uri}:{error.Line}:{error.Column} syntax error: {error.Message}",
                    Label = "", // the display name alone, without "(location: ...)"
                };
                continue;
            }
            foreach (var scenario in feature.Scenarios)
            {
                var row = new TheoryDataRow<string>(scenario.Location)
                {
                    TestDisplayName = $"{scenario.Location} {scenario.DisplayName}",
                    Label = "",
                    Skip = ScenarioEngine.IgnoreReason(scenario),
                };
                foreach (var tag in scenario.Tags.Distinct()) row.WithTrait("Category", tag.TrimStart('@'));
                yield return row;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Scenario(string location)
    {
        var (uri, line) = FeatureFiles.ParseLocation(location);
        var feature = FeatureLoader.Load(Path.Combine(FeatureFiles.Root, uri), FeatureFiles.Root);
        if (feature.Error is { } error) Assert.Fail($"{error}");
        var scenario = feature.Scenarios.FirstOrDefault(s => s.Line == line)
                       ?? throw new InvalidOperationException($"{uri} has no scenario at line {line} any more: run the tests again to rediscover them");

        var result = await Engine.Value.RunScenarioAsync(scenario);

        TestContext.Current.TestOutputHelper?.WriteLine(ScenarioReport.Steps(result));
        if (result.SkippedBecause is { } reason) Assert.Skip(reason);
        if (result.Status != StepStatus.Passed) Assert.Fail(ScenarioReport.Failure(result));
    }
}

/// <summary>Where the feature files are: features/ in the repository (the folder above the tests that holds Harness.sln).</summary>
internal static class FeatureFiles
{
    public static string Root { get; } = FindRoot();

    public static string Directory => Path.Combine(Root, "features");

    /// <summary>"features/kms/kms.feature:12" → ("features/kms/kms.feature", 12); a bare file → line 0.</summary>
    public static (string Uri, int Line) ParseLocation(string location)
    {
        int colon = location.LastIndexOf(':');
        return colon > 0 && int.TryParse(location[(colon + 1)..], out var line) ? (location[..colon], line) : (location, 0);
    }

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Harness.sln"))) return d.FullName;
        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds Harness.sln");
    }
}

/// <summary>How a scenario that did not pass is told in the test's failure message and output.</summary>
internal static class ScenarioReport
{
    public static string Failure(ScenarioResult result)
    {
        var text = new StringBuilder();
        text.AppendLine($"{result.Status}: {result.FailureSummary ?? "(no failing step recorded)"}");
        var failing = result.Steps.FirstOrDefault(s => s.Status is not (StepStatus.Passed or StepStatus.Skipped));
        if (failing?.ErrorDetail is { } detail) text.AppendLine().AppendLine(detail);
        foreach (var hook in result.BeforeHooks.Concat(result.AfterHooks).Where(h => h.Status == StepStatus.Failed && h.ErrorDetail is not null))
            text.AppendLine().AppendLine($"{hook.Kind} hook {hook.Binding}:").AppendLine(hook.ErrorDetail);
        text.AppendLine().Append(Steps(result));
        return text.ToString();
    }

    public static string Steps(ScenarioResult result)
    {
        var text = new StringBuilder($"{result.Scenario}").AppendLine();
        foreach (var step in result.Steps)
        {
            var mark = step.Status switch { StepStatus.Passed => "✓", StepStatus.Skipped => "-", StepStatus.Failed => "✗", _ => "?" };
            text.AppendLine($"  {mark} {step.Step.Keyword.Trim()} {step.Step.Text}  (line {step.Step.Line}, {step.Duration.TotalMilliseconds:0} ms)");
            if (step.Status is not (StepStatus.Passed or StepStatus.Skipped) && step.ErrorMessage is not null)
                foreach (var line in step.ErrorMessage.Split('\n')) text.AppendLine($"      {line}");
        }
        return text.ToString();
    }
}
