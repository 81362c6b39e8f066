using System.Diagnostics;
using Harness.Scenarios;

namespace Harness.Cli;

/// <summary>
/// One line on stderr that a long run (run, certify, vectors, bench) keeps updated with '\r' while it works, when stderr
/// is a terminal; nothing at all when it is not (a log or a pipe gets no '\r'). Output on stdout clears it first.
/// </summary>
public sealed class ProgressLine : IDisposable
{
    private readonly TextWriter? _terminal;
    private readonly Func<int> _width;
    private readonly Func<TimeSpan> _elapsed;
    private readonly Lock _gate = new();
    private bool _shown;

    /// <param name="terminal">stderr of a terminal, or null for no progress line.</param>
    /// <param name="width">the terminal's columns now.</param>
    /// <param name="elapsed">time since the start (default: a stopwatch started here).</param>
    public ProgressLine(TextWriter? terminal, Func<int>? width = null, Func<TimeSpan>? elapsed = null)
    {
        _terminal = terminal;
        _width = width ?? (() => 80);
        var clock = Stopwatch.StartNew();
        _elapsed = elapsed ?? (() => clock.Elapsed);
    }

    /// <summary>The progress line of this process: on stderr when stderr is a terminal, else one that writes nothing.</summary>
    public static ProgressLine ForStderr() =>
        Console.IsErrorRedirected ? new ProgressLine(null) : new ProgressLine(Console.Error, () => Console.WindowWidth > 0 ? Console.WindowWidth : 80);

    public bool Enabled => _terminal is not null;

    /// <summary>Replaces the line with "what: 3/12 ... · 0:42 · now".</summary>
    public void Show(string what, int done, int total, string? detail = null, string? now = null)
    {
        if (_terminal is null) return;
        lock (_gate)
        {
            _terminal.Write("\r" + Format(what, done, total, _elapsed(), detail, now, _width()) + "\u001b[K");
            _terminal.Flush();
            _shown = true;
        }
    }

    /// <summary>Erases the line (before other output, and at the end).</summary>
    public void Clear()
    {
        if (_terminal is null) return;
        lock (_gate)
        {
            if (!_shown) return;
            _terminal.Write("\r\u001b[K");
            _terminal.Flush();
            _shown = false;
        }
    }

    public void Dispose() => Clear();

    /// <summary>
    /// "run: 3/12 scenarios · 1 failed · 0:42 · features/kms.feature:12 A key can be fetched", cut to fit in
    /// <paramref name="width"/> columns (one fewer, so that the terminal never wraps it).
    /// </summary>
    public static string Format(string what, int done, int total, TimeSpan elapsed, string? detail, string? now, int width)
    {
        var parts = new List<string> { total > 0 ? $"{what}: {done}/{total}" : $"{what}: {done}" };
        if (!string.IsNullOrEmpty(detail)) parts.Add(detail);
        parts.Add(elapsed.TotalHours >= 1 ? elapsed.ToString(@"h\:mm\:ss") : elapsed.ToString(@"m\:ss"));
        if (!string.IsNullOrEmpty(now)) parts.Add(now);
        var text = string.Join(" · ", parts).ReplaceLineEndings(" ");
        int room = Math.Max(10, width - 1);
        return text.Length <= room ? text : text[..(room - 1)] + "…";
    }
}

/// <summary>A run's listener that keeps the progress line beside the printed run: cleared before each print, then redrawn.</summary>
internal sealed class RunProgress(IRunListener printer, ProgressLine progress, int total) : IRunListener
{
    private int _done, _failed;
    private string? _current;

    private void Around(Action print)
    {
        progress.Clear();
        print();
        progress.Show("run", _done, total, $"{(total == 1 ? "scenario" : "scenarios")}{(_failed > 0 ? $", {_failed} failed" : "")}", _current);
    }

    public void FeatureStarted(FeatureFile feature) => Around(() => printer.FeatureStarted(feature));

    public void ScenarioStarted(ScenarioDefinition scenario)
    {
        _current = $"{scenario.Location} {scenario.DisplayName}";
        Around(() => printer.ScenarioStarted(scenario));
    }

    public void StepFinished(ScenarioDefinition scenario, StepResult step) => Around(() => printer.StepFinished(scenario, step));

    public void HookFinished(ScenarioDefinition? scenario, HookResult hook) => Around(() => printer.HookFinished(scenario, hook));

    public void ScenarioFinished(ScenarioResult result)
    {
        _done++;
        if (result.Status is not (StepStatus.Passed or StepStatus.Skipped)) _failed++;
        Around(() => printer.ScenarioFinished(result));
    }

    public void FeatureFinished(FeatureResult result) => Around(() => printer.FeatureFinished(result));
}
