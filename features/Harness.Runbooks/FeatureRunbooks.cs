using Harness.Scenarios;
using Harness.Simulator;
using Harness.Simulator.Web;
using Harness.Steps;

namespace Harness.Runbooks;

/// <summary>
/// The runbooks of a features folder: its feature files tagged @vsphere (their steps drive the simulated site), played
/// step by step by the scenario engine with Harness's step catalog, each scenario on a fresh <see cref="SimulatedSite"/>.
/// </summary>
public sealed class FeatureRunbooks : IRunbookLibrary
{
    /// <summary>The feature tag that makes a feature a runbook.</summary>
    public const string RunbookTag = "@vsphere";

    /// <summary>One Reqnroll test run for every runbook played in this process (each start gets a fresh FeatureInfo).</summary>
    private static readonly Lazy<ScenarioEngine> Engine = new(() => new ScenarioEngine(StepCatalog.FromAssemblies(typeof(SiteSetupSteps).Assembly)));

    /// <param name="folder">The features folder (null: none; the list says so).</param>
    public FeatureRunbooks(string? folder) => Folder = folder is null ? null : Path.GetFullPath(folder);

    /// <summary>The runbooks of the repository's features/ folder (<see cref="FindFeaturesFolder"/>).</summary>
    public static FeatureRunbooks OfRepository() => new(FindFeaturesFolder());

    /// <summary>
    /// The repository's features/ folder: $HARNESS_FEATURES, else the first "features" folder holding a "vsphere" folder
    /// found walking up from the current directory, then from this program's directory.
    /// </summary>
    public static string? FindFeaturesFolder() => FeaturesFolder.Find();

    public string? Folder { get; }

    public RunbookList List()
    {
        if (Folder is null)
            return new RunbookList(null, [], ["no features folder: start the dashboard from the repository, or set HARNESS_FEATURES"]);
        if (!Directory.Exists(Folder))
            return new RunbookList(Folder, [], [$"the features folder {Folder} does not exist"]);
        var features = FeatureLoader.LoadAll([Folder], Folder);
        var errors = features.Where(f => f.Error is not null).Select(f => f.Error!.ToString()).ToList();
        var runbooks = features.Where(f => f.Error is null && f.Tags.Contains(RunbookTag))
            .Select(f => new RunbookView(f.Uri, f.Name, f.Description, f.Scenarios.Select(View).ToList()))
            .ToList();
        return new RunbookList(Folder, runbooks, errors);
    }

    internal static RunbookScenarioView View(ScenarioDefinition s) => new(s.DisplayName, s.Line, s.Location, s.Tags,
        s.Steps.Select(st => new RunbookStepView(st.Keyword.Trim(), st.Text, st.Line, st.FromBackground)).ToList());

    public async Task<IRunbookSession> StartAsync(string feature, string scenario, CancellationToken ct = default)
    {
        var found = Find(feature, scenario);
        var site = new SimulatedSite();
        try { return new RunbookSession(site, found, await Engine.Value.StartAsync(found, configureScenario: c => c.RegisterInstanceAs(site))); }
        catch
        {
            await site.DisposeAsync();
            throw;
        }
    }

    private ScenarioDefinition Find(string feature, string scenario)
    {
        if (Folder is null || !Directory.Exists(Folder))
            throw ApiProblem.NotFound("the player has no features folder: start the dashboard from the repository, or set HARNESS_FEATURES");
        var wanted = feature.Trim().Replace('\\', '/');
        var files = FeatureLoader.LoadAll([Folder], Folder).Where(f => f.Tags.Contains(RunbookTag) || f.Error is not null).ToList();
        var file = files.FirstOrDefault(f => f.Uri == wanted || f.Uri == wanted.TrimStart('/') || ("features/" + f.Uri) == wanted
                                             || Path.GetFileName(f.Path) == wanted)
                   ?? throw ApiProblem.NotFound($"there is no runbook \"{wanted}\" (runbooks: {string.Join(", ", files.Select(f => f.Uri))})");
        if (file.Error is { } error) throw ApiProblem.Conflict("the feature file does not parse", error.ToString());
        var s = scenario.Trim();
        var found = int.TryParse(s, out var line)
            ? file.Scenarios.FirstOrDefault(x => x.Line == line)
            : file.Scenarios.FirstOrDefault(x => x.DisplayName == s) ?? file.Scenarios.FirstOrDefault(x => x.Name == s);
        return found ?? throw ApiProblem.NotFound(
            $"runbook {file.Uri} has no scenario {(int.TryParse(s, out _) ? "at line " + s : $"\"{s}\"")}; its scenarios: " +
            string.Join("; ", file.Scenarios.Select(x => $"{x.Line} {x.DisplayName}")));
    }
}

/// <summary>A runbook scenario playing on its own site through the scenario engine's step API (<see cref="ScenarioSession"/>).</summary>
internal sealed class RunbookSession(SimulatedSite site, ScenarioDefinition scenario, ScenarioSession session) : IRunbookSession
{
    public SimulatedSite Site => site;
    public string FeatureUri => scenario.Feature.Uri;
    public string FeatureName => scenario.Feature.Name;
    public RunbookScenarioView Scenario { get; } = FeatureRunbooks.View(scenario);
    public int SetupSteps { get; } = scenario.Steps.TakeWhile(s => s.EffectiveKeyword == StepKeyword.Given).Count();
    public int StepsDone => session.NextStepIndex;
    public int? NextStep => session.NextStep?.Index;

    public async Task<PlayedStepOutcome> NextAsync(CancellationToken ct = default)
    {
        var result = await session.NextAsync(ct);
        // A When step whose action vSphere refused passes and keeps the fault for "the operation fails with": show it.
        var refused = result.Step.EffectiveKeyword == StepKeyword.When && site.PendingFailure is { } f ? f.Message : null;
        if (session.NextStep is null) await session.FinishAsync();
        return new PlayedStepOutcome(result.Status.ToString().ToLowerInvariant(), result.ErrorMessage, result.Duration, refused);
    }

    public async ValueTask DisposeAsync()
    {
        try { await session.DisposeAsync(); }
        catch (Exception) { /* an After hook failed: the session is over either way */ }
        await site.DisposeAsync();
    }
}
