using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Harness.Simulator.Web;

/// <summary>
/// The runbook player: plays a runbook's scenario (the recovery runbooks) one step at a time on a live site that the
/// dashboard shows. Starting (or resetting) a scenario builds a fresh site: the scenario's set-up steps (its Background
/// and leading Given steps) run at once, so the player stops at the starting state, before the first When; each "Next"
/// runs one step. While a scenario plays, the API and the dashboard show its site (and the dashboard's action buttons
/// act on it); "Stop" goes back to the home site.
/// </summary>
/// <remarks>
/// The runbooks and the playing of their steps come from the <see cref="IRunbookLibrary"/> the host was given (the
/// scenario engine, in features/); without one the player offers none. Every method takes the host's gate, like the
/// API's actions.
/// </remarks>
public sealed class RunbookPlayer : IAsyncDisposable
{
    private readonly SimulatorHost _host;
    private readonly IRunbookLibrary? _library;
    private IRunbookSession? _session;
    private readonly List<PlayedStep> _played = [];
    private bool _disposed;

    internal RunbookPlayer(SimulatorHost host, IRunbookLibrary? library)
    {
        _host = host;
        _library = library;
    }

    /// <summary>The folder the runbooks come from (null: none was given or found).</summary>
    public string? Folder => _library?.Folder;

    // ---- the runbooks ------------------------------------------------------------------------------------------

    /// <summary>The runbooks, read afresh (an edited feature file shows at once).</summary>
    public RunbookList Runbooks() => _library?.List() ?? NoRunbooks;

    private static readonly RunbookList NoRunbooks =
        new(null, [], ["no features folder: start the dashboard from the repository, or set HARNESS_FEATURES"]);

    private async Task<IRunbookSession> OpenAsync(string? feature, string? scenario, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(feature)) throw ApiProblem.BadRequest("feature is required, e.g. {\"feature\": \"vsphere/locked-vms.feature\", \"scenario\": \"72\"}");
        if (string.IsNullOrWhiteSpace(scenario)) throw ApiProblem.BadRequest("scenario is required: its line number or its name");
        if (_library is null)
            throw ApiProblem.NotFound("the player has no features folder: start the dashboard from the repository, or set HARNESS_FEATURES");
        return await _library.StartAsync(feature, scenario, ct);
    }

    // ---- playing -------------------------------------------------------------------------------------------------

    /// <summary>Starts a scenario on a fresh site and runs its set-up steps (Background and leading Given steps).</summary>
    public Task<PlayerView> StartAsync(string? feature, string? scenario, CancellationToken ct = default) => InTurnAsync(async () =>
    {
        await BeginLockedAsync(await OpenAsync(feature, scenario, ct));
    }, ct);

    /// <summary>Rebuilds the playing scenario's starting state: a fresh site, its set-up steps run again.</summary>
    public Task<PlayerView> ResetAsync(CancellationToken ct = default) => InTurnAsync(async () =>
    {
        var playing = _session ?? throw NothingPlaying();
        // Read the feature file again: a trainer may have edited it.
        await BeginLockedAsync(await OpenAsync(playing.FeatureUri, playing.Scenario.Line.ToString(CultureInfo.InvariantCulture), ct));
    }, ct);

    /// <summary>Runs the next step.</summary>
    public Task<PlayerView> NextAsync(CancellationToken ct = default) => InTurnAsync(async () =>
    {
        var session = _session ?? throw NothingPlaying();
        if (session.NextStep is null)
            throw ApiProblem.Conflict("the runbook has ended", $"every step of \"{session.Scenario.Name}\" has run: reset it or pick another");
        await StepLockedAsync(session);
    }, ct);

    /// <summary>Ends the playing scenario and shows the home site again.</summary>
    public Task<PlayerView> StopAsync(CancellationToken ct = default) => InTurnAsync(async () =>
    {
        await EndLockedAsync();
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

    private async Task BeginLockedAsync(IRunbookSession session)
    {
        if (_disposed)
        {
            await session.DisposeAsync();
            throw new ObjectDisposedException(nameof(RunbookPlayer));
        }
        // Show the new site first, then take the old one down: the page goes from one runbook site to the next.
        var old = _session;
        _host.ShowLocked(session.Site, $"the runbook player started \"{session.Scenario.Name}\"");
        await EndAsync(old);
        _session = session;
        _played.Clear();
        for (int i = 0; i < session.SetupSteps && session.NextStep is not null; i++)
            if (!(await StepLockedAsync(session)).Passed) break;
    }

    private async Task<PlayedStepOutcome> StepLockedAsync(IRunbookSession session)
    {
        var before = SimulatorApi.Changes.Since(_host.Simulation);
        var outcome = await session.NextAsync();
        _host.Hub.Sync();
        var (events, alarms) = before.Now(_host.Simulation);
        _played.Add(new PlayedStep(outcome, events, alarms));
        Publish();
        return outcome;
    }

    private async Task EndLockedAsync()
    {
        var session = _session;
        _session = null;
        // Show the home site before the scenario's site goes away (the stream unsubscribes from its vCenters).
        if (session is not null) _host.ShowLocked(_host.HomeSite, "the runbook's site was taken down");
        await EndAsync(session);
    }

    private static async Task EndAsync(IRunbookSession? session)
    {
        if (session is not null) await session.DisposeAsync();
    }

    private void Publish() => _host.Hub.Publish("player", null, ViewLocked());

    private PlayerView ViewLocked()
    {
        var session = _session;
        if (session is null) return new PlayerView(false, Folder, null, null, null, [], null, false, "idle");
        var scenario = session.Scenario;
        var steps = scenario.Steps.Select((s, i) =>
        {
            var played = i < _played.Count ? _played[i] : null;
            var r = played?.Outcome;
            return new PlayerStepView(i, s.Keyword, s.Text, s.Line, s.FromBackground, i < session.SetupSteps,
                r is null ? (i < session.StepsDone ? "skipped" : null) : r.Status,
                r?.Error, r?.Refused, r is null ? null : Math.Round(r.Duration.TotalMilliseconds, 1),
                played?.Events ?? [], played?.Alarms ?? []);
        }).ToList();
        bool failed = _played.Any(p => !p.Outcome.Passed);
        bool finished = session.NextStep is null;
        string verdict = failed ? "failed" : finished ? "passed" : "playing";
        return new PlayerView(true, Folder, session.FeatureUri, session.FeatureName, scenario with { Steps = [] },
            steps, session.NextStep, finished, verdict);
    }

    private sealed record PlayedStep(PlayedStepOutcome Outcome, IReadOnlyList<EventView> Events, IReadOnlyList<AlarmView> Alarms);

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        var session = _session;
        _session = null;
        await EndAsync(session);
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
