using System.Diagnostics;
using Harness.Scenarios;
using Harness.Scenarios.Expressions;
using Harness.Simulator;
using Harness.Simulator.KmsAdministration;
using Harness.Steps;

namespace Harness.Certification;

/// <summary>
/// The recovery runbooks against the KMS under certification: every scenario tagged <c>@certification</c> runs with the
/// simulated vCenter and hosts, its KMS clusters being the vendor's KMS (<see cref="ExternalKms"/>). One requirement per
/// scenario (R1, R2, ...), its evidence the steps as they ran. A scenario that stopped at a KMS administrator's step
/// nobody could do is "needs a KMS administrator", not a failure.
/// </summary>
public static class RecoveryScenarios
{
    public const string Area = "Recovery scenarios";
    public const string Tag = "@certification";

    /// <summary>The @certification scenarios of a folder of feature files (a file that does not parse is an error: the certification would be incomplete).</summary>
    public static IReadOnlyList<ScenarioDefinition> Load(string featuresFolder)
    {
        var filter = TagExpression.Parse(Tag);
        // Scenario locations read from the folder's parent ("features/vsphere/locked-vms.feature:27"), wherever certify runs.
        var full = Path.GetFullPath(featuresFolder);
        var features = FeatureLoader.LoadAll([full], Path.GetDirectoryName(full.TrimEnd(Path.DirectorySeparatorChar)));
        if (features.FirstOrDefault(f => f.Error is not null) is { Error: { } error })
            throw new InvalidOperationException($"a feature file does not parse: {error}");
        return features.SelectMany(f => f.Scenarios).Where(s => filter.Evaluate(s.Tags)).ToList();
    }

    public static async Task RunAsync(CertificationReport report, IReadOnlyList<ScenarioDefinition> scenarios, ExternalKms kms,
        Action<string>? log, CancellationToken ct)
    {
        await using var engine = new ScenarioEngine(StepCatalog.FromAssemblies(typeof(SiteSetupSteps).Assembly), run => run.RegisterInstanceAs(kms));
        int n = 0;
        foreach (var scenario in scenarios)
        {
            ct.ThrowIfCancellationRequested();
            var r = new RequirementResult($"R{++n}", Area, scenario.DisplayName);
            log?.Invoke($"{r.Id} {scenario.Location} {scenario.DisplayName}");
            int adminLogBefore = kms.Administrator?.Log.Count ?? 0;
            var clock = Stopwatch.StartNew();
            var result = await engine.RunScenarioAsync(scenario).ConfigureAwait(false);
            r.DurationMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
            Judge(r, result);
            var adminLog = kms.Administrator?.Log.Skip(adminLogBefore).ToList() ?? [];
            r.Evidence.Add(new Evidence($"Scenario {scenario.Location}")
            {
                Steps = result.Steps.Select(StepLine).ToList(),
                Text = adminLog.Count == 0 ? null : "KMS administrator:\n" + string.Join("\n", adminLog),
            });
            report.Requirements.Add(r);
        }
    }

    /// <summary>Rows for scenarios that could not run (the KMS is unreachable): skipped, with the reason.</summary>
    public static void Skip(CertificationReport report, IReadOnlyList<ScenarioDefinition> scenarios, string why)
    {
        int n = 0;
        foreach (var s in scenarios)
            report.Requirements.Add(new RequirementResult($"R{++n}", Area, s.DisplayName) { Outcome = Outcome.Skipped, Detail = why });
    }

    private static void Judge(RequirementResult r, ScenarioResult result)
    {
        var failed = result.Steps.FirstOrDefault(s => s.Status is not (StepStatus.Passed or StepStatus.Skipped));
        var hookFailed = result.BeforeHooks.Concat(result.AfterHooks).FirstOrDefault(h => h.Status == StepStatus.Failed);
        if (failed is null && hookFailed is null)
        {
            r.Outcome = Outcome.Passed;
            r.Detail = $"vCenter and the hosts recovered as the runbook says ({result.Steps.Count} steps)";
        }
        else if (failed?.ErrorType == typeof(NeedsKmsAdministratorException))
        {
            r.Outcome = Outcome.NeedsAdministrator;
            r.Detail = $"stopped at \"{failed.Step}\": {failed.ErrorMessage}; the steps before it passed";
        }
        else
        {
            r.Outcome = Outcome.Failed;
            r.Detail = failed is not null
                ? $"\"{failed.Step}\" ({result.Scenario.Feature.Uri}:{failed.Step.Line}) {failed.Status.ToString().ToLowerInvariant()}: {failed.ErrorMessage}"
                : $"{hookFailed!.Kind} hook failed: {hookFailed.ErrorMessage}";
        }
    }

    private static string StepLine(StepResult s)
    {
        var mark = s.Status switch
        {
            StepStatus.Passed => "✔",
            StepStatus.Skipped => "–",
            _ => "✘",
        };
        var error = s.ErrorMessage is { } e && s.Status != StepStatus.Passed ? $"  → {e}" : "";
        return $"{mark} {s.Step.Keyword.Trim()} {s.Step.Text}{error}";
    }
}
