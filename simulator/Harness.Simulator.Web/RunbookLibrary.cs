namespace Harness.Simulator.Web;

/// <summary>
/// The runbooks the player offers and how to play one: the web host's own door onto a scenario engine it does not know.
/// The web host depends on the simulator only (ARCHITECTURE.md); features/Harness.Runbooks implements this with the
/// scenario engine and the step catalog, and whoever starts the host plugs it in (<c>./harness demo</c>, the tests).
/// </summary>
public interface IRunbookLibrary
{
    /// <summary>Where the runbooks come from (a features folder; null: none was given or found).</summary>
    string? Folder { get; }

    /// <summary>The runbooks, read afresh (an edited runbook shows at once), with what could not be read.</summary>
    RunbookList List();

    /// <summary>
    /// Starts a runbook's scenario on a fresh site of its own, running no step yet. <paramref name="feature"/> names the
    /// runbook (as listed, or its file name); <paramref name="scenario"/> is the scenario's line number or its name.
    /// Throws an <see cref="ApiProblem"/> (404 when there is no such runbook or scenario, 409 when it cannot be read);
    /// the caller owns the session.
    /// </summary>
    Task<IRunbookSession> StartAsync(string feature, string scenario, CancellationToken ct = default);
}

/// <summary>A runbook scenario being played on its own site, one step at a time.</summary>
public interface IRunbookSession : IAsyncDisposable
{
    /// <summary>The site the scenario plays on (the dashboard shows it while the scenario plays).</summary>
    SimulatedSite Site { get; }

    /// <summary>The runbook (its uri as listed) and its name.</summary>
    string FeatureUri { get; }

    string FeatureName { get; }

    /// <summary>The scenario, with its steps (Background first).</summary>
    RunbookScenarioView Scenario { get; }

    /// <summary>How many steps set the scenario up (its Background and leading Given steps): the player runs them at once.</summary>
    int SetupSteps { get; }

    /// <summary>How many steps have run or been skipped.</summary>
    int StepsDone { get; }

    /// <summary>The index of the step <see cref="NextAsync"/> runs; null when every step has run.</summary>
    int? NextStep { get; }

    /// <summary>Runs the next step and answers how it went; after the last one the scenario finishes (its After hooks run).</summary>
    Task<PlayedStepOutcome> NextAsync(CancellationToken ct = default);
}

/// <summary>
/// How a played step went: "passed", "failed", "undefined", "ambiguous", "pending" or "skipped"; the error when it did not
/// pass; and <paramref name="Refused"/>, the fault of a When step whose action the site refused (the step passes and
/// keeps the fault for "the operation fails with").
/// </summary>
public sealed record PlayedStepOutcome(string Status, string? Error, TimeSpan Duration, string? Refused)
{
    public bool Passed => Status == "passed";
}
