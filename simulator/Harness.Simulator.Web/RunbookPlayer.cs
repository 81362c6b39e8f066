using System.Text.Json;
using Harness.Scenarios;
using Harness.Steps;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Harness.Simulator.Web;

/// <summary>
/// The runbook player: runs a scenario of a repository feature (the recovery runbooks) one step at a time on a live
/// site that the dashboard shows. Starting (or resetting) a scenario builds a fresh site: the scenario's set-up steps
/// (its Background and leading Given steps) run at once, so the player stops at the starting state, before the first
/// When; each "Next" runs one step through the scenario engine's step API (<see cref="ScenarioSession"/>). While a
/// scenario plays, the API and the dashboard show its site (and the dashboard's action buttons act on it); "Stop"
/// goes back to the home site.
/// </summary>
/// <remarks>
/// The runbooks are the feature files tagged @vsphere under the features folder (their steps drive the simulated site).
/// Every method takes the host's gate, like the API's actions.
/// </remarks>
public sealed class RunbookPlayer : IAsyncDisposable
{
    /// <summary>The feature tag that makes a feature a runbook.</summary>
    public const string RunbookTag = "@vsphere";

    private static readonly Lazy<StepCatalog> Catalog = new(() => StepCatalog.FromAssemblies(typeof(SiteSetupSteps).Assembly));

    private readonly SimulatorHost _host;
    private ScenarioSession? _session;
    private SimulatedSite? _site;
    private ScenarioDefinition? _scenario;
    private readonly List<PlayedStep> _played = [];
    private int _setupSteps;
    private bool _disposed;

    internal RunbookPlayer(SimulatorHost host, string? folder)
    {
        _host = host;
        Folder = folder is null ? null : Path.GetFullPath(folder);
    }

    /// <summary>The features folder the runbooks come from (null: none was given or found).</summary>
    public string? Folder { get; }

    /// <summary>
    /// The repository's features/ folder: $HARNESS_FEATURES, else the first "features" folder holding a "vsphere" folder
    /// found walking up from the current directory, then from this program's directory.
    /// </summary>
    public static string? FindFeaturesFolder() => Harness.Steps.FeaturesFolder.Find();

    // ---- the runbooks ------------------------------------------------------------------------------------------

    /// <summary>The runbook features, read afresh (an edited feature file shows at once).</summary>
    public RunbookList Runbooks()
    {
        if (Folder is null)
            return new RunbookList(null, [], ["no features folder: start the dashboard from the repository, or set HARNESS_FEATURES"]);
        if (!Directory.Exists(Folder))
            return new RunbookList(Folder, [], [$"the features folder {Folder} does not exist"]);
        var features = FeatureLoader.LoadAll([Folder], Folder);
        var errors = features.Where(f => f.Error is not null).Select(f => f.Error!.ToString()).ToList();
        var runbooks = features.Where(f => f.Error is null && f.Tags.Contains(RunbookTag))
            .Select(f => new RunbookView(f.Uri, f.Name, f.Description,
                f.Scenarios.Select(s => new RunbookScenarioView(s.DisplayName, s.Line, s.Location, s.Tags,
                    s.Steps.Select(st => new RunbookStepView(st.Keyword.Trim(), st.Text, st.Line, st.FromBackground)).ToList())).ToList()))
            .ToList();
        return new RunbookList(Folder, runbooks, errors);
    }

    private (FeatureFile Feature, ScenarioDefinition Scenario) Find(string? feature, string? scenario)
    {
        if (string.IsNullOrWhiteSpace(feature)) throw ApiProblem.BadRequest("feature is required, e.g. {\"feature\": \"vsphere/locked-vms.feature\", \"scenario\": \"72\"}");
        if (string.IsNullOrWhiteSpace(scenario)) throw ApiProblem.BadRequest("scenario is required: its line number or its name");
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
        return (file, found ?? throw ApiProblem.NotFound(
            $"runbook {file.Uri} has no scenario {(int.TryParse(s, out _) ? "at line " + s : $"\"{s}\"")}; its scenarios: " +
            string.Join("; ", file.Scenarios.Select(x => $"{x.Line} {x.DisplayName}"))));
    }

    // ---- playing -------------------------------------------------------------------------------------------------

    /// <summary>Starts a scenario on a fresh site and runs its set-up steps (Background and leading Given steps).</summary>
    public Task<PlayerView> StartAsync(string? feature, string? scenario, CancellationToken ct = default) => InTurnAsync(async () =>
    {
        var (_, found) = Find(feature, scenario);
        await BeginLockedAsync(found);
    }, ct);

    /// <summary>Rebuilds the playing scenario's starting state: a fresh site, its set-up steps run again.</summary>
    public Task<PlayerView> ResetAsync(CancellationToken ct = default) => InTurnAsync(async () =>
    {
        var scenario = _scenario ?? throw NothingPlaying();
        // Read the feature file again: a trainer may have edited it.
        var (_, found) = Find(scenario.Feature.Uri, scenario.Line.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await BeginLockedAsync(found);
    }, ct);

    /// <summary>Runs the next step.</summary>
    public Task<PlayerView> NextAsync(CancellationToken ct = default) => InTurnAsync(async () =>
    {
        var session = _session ?? throw NothingPlaying();
        if (session.NextStep is null)
            throw ApiProblem.Conflict("the runbook has ended", $"every step of \"{session.Scenario.DisplayName}\" has run: reset it or pick another");
        await StepLockedAsync(session);
        if (session.NextStep is null) await session.FinishAsync();
    }, ct);

    /// <summary>Ends the playing scenario and shows the home site again.</summary>
    public Task<PlayerView> StopAsync(CancellationToken ct = default) => InTurnAsync(async () =>
    {
        await EndLockedAsync();
        _scenario = null;
        _played.Clear();
        Publish();
    }, ct);

    public Task<PlayerView> ViewAsync(CancellationToken ct = default) => InTurnAsync(() => Task.CompletedTask, ct);

    /// <summary>Runs a player action in turn with the API's requests (the host's gate) and answers the player's state after it.</summary>
    private async Task<PlayerView> InTurnAsync(Func<Task> act, CancellationToken ct)
    {
        await _host.Gate.WaitAsync(ct);
        try
        {
            await act();
            return ViewLocked();
        }
        finally { _host.Gate.Release(); }
    }

    private static ApiProblem NothingPlaying() => ApiProblem.Conflict("no runbook is playing", "start a runbook first (POST /api/player/start)");

    private async Task BeginLockedAsync(ScenarioDefinition scenario)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var site = new SimulatedSite();
        var engine = new ScenarioEngine(Catalog.Value, run => run.Register(site));
        ScenarioSession session;
        try { session = await engine.StartAsync(scenario); }
        catch
        {
            // The playing scenario (if any) goes on untouched.
            await site.DisposeAsync();
            throw;
        }
        // Show the new site first, then take the old one down: the page goes from one runbook site to the next.
        var (oldSession, oldSite) = (_session, _site);
        _host.ShowLocked(site, $"the runbook player started \"{scenario.DisplayName}\"");
        await EndAsync(oldSession, oldSite);
        _site = site;
        _session = session;
        _scenario = scenario;
        _played.Clear();
        _setupSteps = scenario.Steps.TakeWhile(s => s.EffectiveKeyword == StepKeyword.Given).Count();
        for (int i = 0; i < _setupSteps && session.NextStep is not null; i++)
            if (await StepLockedAsync(session) != StepStatus.Passed) break;
        if (session.NextStep is null) await session.FinishAsync();
    }

    private async Task<StepStatus> StepLockedAsync(ScenarioSession session)
    {
        var before = SimulatorApi.Changes.Since(_host.Simulation);
        var result = await session.NextAsync();
        _host.Hub.Sync();
        var (events, alarms) = before.Now(_host.Simulation);
        // A When step whose action vSphere refused passes and keeps the fault for "the operation fails with": show it.
        var refused = result.Step.EffectiveKeyword == StepKeyword.When && _site?.PendingFailure is { } f ? f.Message : null;
        _played.Add(new PlayedStep(result, events, alarms, refused));
        Publish();
        return result.Status;
    }

    private async Task EndLockedAsync()
    {
        var (session, site) = (_session, _site);
        _session = null;
        _site = null;
        // Show the home site before the scenario's site goes away (the stream unsubscribes from its vCenters).
        if (site is not null) _host.ShowLocked(_host.HomeSite, "the runbook's site was taken down");
        await EndAsync(session, site);
    }

    private static async Task EndAsync(ScenarioSession? session, SimulatedSite? site)
    {
        if (session is not null)
        {
            try { await session.DisposeAsync(); }
            catch (Exception) { /* an After hook failed: the session is over either way */ }
        }
        if (site is not null) await site.DisposeAsync();
    }

    private void Publish() => _host.Hub.Publish("player", null, ViewLocked());

    private PlayerView ViewLocked()
    {
        var scenario = _scenario;
        if (scenario is null) return new PlayerView(false, Folder, null, null, null, [], null, false, "idle");
        var steps = scenario.Steps.Select((s, i) =>
        {
            var played = i < _played.Count ? _played[i] : null;
            var r = played?.Result;
            return new PlayerStepView(i, s.Keyword.Trim(), s.Text, s.Line, s.FromBackground, i < _setupSteps,
                r is null ? (i < (_session?.NextStepIndex ?? 0) ? "skipped" : null) : Status(r.Status),
                r?.ErrorMessage, played?.Refused, r is null ? null : Math.Round(r.Duration.TotalMilliseconds, 1),
                played?.Events ?? [], played?.Alarms ?? []);
        }).ToList();
        int? next = _session?.NextStep is { } n ? n.Index : null;
        bool failed = _played.Any(p => p.Result.Status != StepStatus.Passed);
        bool finished = _session is null || _session.NextStep is null;
        string verdict = failed ? "failed" : finished ? "passed" : "playing";
        return new PlayerView(true, Folder, scenario.Feature.Uri, scenario.Feature.Name,
            new RunbookScenarioView(scenario.DisplayName, scenario.Line, scenario.Location, scenario.Tags, []),
            steps, next, finished, verdict);
    }

    private static string Status(StepStatus s) => s.ToString().ToLowerInvariant();

    private sealed record PlayedStep(StepResult Result, IReadOnlyList<EventView> Events, IReadOnlyList<AlarmView> Alarms, string? Refused);

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        var (session, site) = (_session, _site);
        _session = null;
        _site = null;
        await EndAsync(session, site);
    }

    // ---- routes --------------------------------------------------------------------------------------------------

    private sealed record StartBody(string? Feature, JsonElement? Scenario);

    internal static void Map(WebApplication app, SimulatorHost host)
    {
        var player = app.MapGroup("/api");
        player.MapGet("/runbooks", () => Results.Json(host.Player.Runbooks(), SimulatorHost.Json));
        player.MapGet("/player", () => Answer(() => host.Player.ViewAsync(host.Stopping)));
        player.MapPost("/player/start", (HttpRequest request) => Answer(async () =>
        {
            var body = await SimulatorApi.BodyAsync<StartBody>(request, "{\"feature\": \"vsphere/locked-vms.feature\", \"scenario\": 72}");
            var scenario = body.Scenario is { } s
                ? s.ValueKind switch
                {
                    JsonValueKind.Number => s.GetRawText(),
                    JsonValueKind.String => s.GetString(),
                    _ => throw ApiProblem.BadRequest($"scenario must be a line number or a name, not {s.ValueKind.ToString().ToLowerInvariant()}"),
                }
                : null;
            return await host.Player.StartAsync(body.Feature, scenario, host.Stopping);
        }));
        player.MapPost("/player/next", () => Answer(() => host.Player.NextAsync(host.Stopping)));
        player.MapPost("/player/reset", () => Answer(() => host.Player.ResetAsync(host.Stopping)));
        player.MapPost("/player/stop", () => Answer(() => host.Player.StopAsync(host.Stopping)));
    }

    private static async Task<IResult> Answer(Func<Task<PlayerView>> act)
    {
        try { return Results.Json(await act(), SimulatorHost.Json); }
        catch (Exception ex) when (ex is not OperationCanceledException) { return Problems.From(ex); }
    }
}

public sealed record RunbookStepView(string Keyword, string Text, int Line, bool FromBackground);

public sealed record RunbookScenarioView(string Name, int Line, string Location, IReadOnlyList<string> Tags, IReadOnlyList<RunbookStepView> Steps);

public sealed record RunbookView(string Uri, string Name, string Description, IReadOnlyList<RunbookScenarioView> Scenarios);

public sealed record RunbookList(string? Folder, IReadOnlyList<RunbookView> Runbooks, IReadOnlyList<string> Errors);

/// <summary>One step of the playing scenario: its result once run, and the events and alarm changes it caused.</summary>
public sealed record PlayerStepView(int Index, string Keyword, string Text, int Line, bool FromBackground, bool Setup,
    string? Status, string? Error, string? Refused, double? DurationMs, IReadOnlyList<EventView> Events, IReadOnlyList<AlarmView> Alarms);

/// <summary>The player: the scenario playing, its steps, the index of the next one, and how it went so far.</summary>
public sealed record PlayerView(bool Active, string? Folder, string? Feature, string? FeatureName, RunbookScenarioView? Scenario,
    IReadOnlyList<PlayerStepView> Steps, int? Next, bool Finished, string Verdict);
