using System.Globalization;
using System.Text;

namespace Harness.Scenarios.Reports;

/// <summary>Text helpers shared by the reports: status words, durations, failures, and characters XML cannot carry.</summary>
public static class ReportText
{
    /// <summary>Creates the folder a report file goes into (the reports write wherever they are told).</summary>
    public static void CreateDirectoryOf(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
    }

    /// <summary>The line a syntax error is on, "12 | text", with a caret under its column; null when the line is not in the source.</summary>
    public static string? Excerpt(string source, FeatureParseError error)
    {
        var lines = source.Split('\n');
        if (error.Line < 1 || error.Line > lines.Length) return null;
        var prefix = $"{error.Line.ToString(CultureInfo.InvariantCulture)} | ";
        var text = prefix + lines[error.Line - 1].TrimEnd('\r');
        return error.Column >= 1 ? text + "\n" + new string(' ', prefix.Length + error.Column - 1) + "^" : text;
    }

    /// <summary>"passed", "failed", "undefined", … as the reports show them.</summary>
    public static string Word(StepStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Seconds with millisecond precision, invariant culture: "0.125".</summary>
    public static string Seconds(TimeSpan duration) => Math.Max(0, duration.TotalSeconds).ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>"1.234 s", "15 ms", "0 ms".</summary>
    public static string Human(TimeSpan duration) =>
        duration.TotalSeconds >= 1
            ? duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s"
            : Math.Round(Math.Max(0, duration.TotalMilliseconds)).ToString("0", CultureInfo.InvariantCulture) + " ms";

    public static bool IsProblem(StepStatus status) => status is StepStatus.Failed or StepStatus.Undefined or StepStatus.Ambiguous or StepStatus.Pending;

    /// <summary>
    /// Characters XML 1.0 cannot hold (control characters other than tab, line feed and carriage return; lone
    /// surrogates; U+FFFE and U+FFFF) written as visible "\u001B" escapes, so that the document stays well-formed.
    /// </summary>
    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        int i = 0;
        while (i < text.Length && IsXmlChar(text, i, out int width)) i += width;
        if (i == text.Length) return text;

        var sb = new StringBuilder(text.Length + 16);
        sb.Append(text, 0, i);
        while (i < text.Length)
        {
            if (IsXmlChar(text, i, out int width))
            {
                sb.Append(text, i, width);
                i += width;
            }
            else
            {
                sb.Append("\\u").Append(((int)text[i]).ToString("X4", CultureInfo.InvariantCulture));
                i++;
            }
        }
        return sb.ToString();
    }

    private static bool IsXmlChar(string text, int i, out int width)
    {
        char c = text[i];
        width = 1;
        if (c is '\t' or '\n' or '\r') return true;
        if (c < 0x20) return false;
        if (c is '\uFFFE' or '\uFFFF') return false;
        if (char.IsHighSurrogate(c))
        {
            if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                width = 2;
                return true;
            }
            return false;
        }
        return !char.IsLowSurrogate(c);
    }

    /// <summary>The first problem of a scenario: the failing (undefined, ambiguous, pending) step or hook.</summary>
    public static Problem? FirstProblem(ScenarioResult scenario)
    {
        foreach (var h in scenario.BeforeHooks)
            if (IsProblem(h.Status)) return Problem.Of(scenario, h);
        foreach (var s in scenario.Steps)
            if (IsProblem(s.Status)) return Problem.Of(scenario, s);
        foreach (var h in scenario.AfterHooks)
            if (IsProblem(h.Status)) return Problem.Of(scenario, h);
        return null;
    }

    /// <summary>The message a report gives for a step that did not pass.</summary>
    public static string StepMessage(StepResult step) => step.Status switch
    {
        StepStatus.Undefined => string.IsNullOrWhiteSpace(step.ErrorMessage) ? "undefined step: no binding matches this phrase" : step.ErrorMessage!,
        StepStatus.Ambiguous => string.IsNullOrWhiteSpace(step.ErrorMessage)
            ? $"ambiguous step: {step.AmbiguousWith?.Count ?? 0} bindings match this phrase"
            : step.ErrorMessage!,
        StepStatus.Pending => string.IsNullOrWhiteSpace(step.ErrorMessage) ? "pending: this step is not implemented yet" : step.ErrorMessage!,
        StepStatus.Skipped => step.ErrorMessage ?? "skipped",
        _ => step.ErrorMessage ?? "",
    };

    /// <summary>A step or hook that did not pass, described for a report.</summary>
    public sealed record Problem(StepStatus Status, string What, string Where, string Message, string Detail)
    {
        /// <summary>One line: "Then the key has 256 bits (features/kms.feature:14): expected 256 but found 128".</summary>
        public string Summary => $"{What} ({Where}): {Message}";

        public static Problem Of(ScenarioResult scenario, StepResult step)
        {
            var where = $"{scenario.Scenario.Feature.Uri}:{step.Step.Line}";
            var detail = new StringBuilder();
            detail.Append("Step: ").Append(step.Step.Keyword.Trim()).Append(' ').Append(step.Step.Text).Append('\n');
            detail.Append("At: ").Append(where).Append('\n');
            detail.Append("Scenario: ").Append(scenario.Scenario.DisplayName).Append(" (").Append(scenario.Scenario.Location).Append(")\n");
            if (step.Binding is not null) detail.Append("Binding: ").Append(step.Binding).Append('\n');
            detail.Append("Status: ").Append(Word(step.Status)).Append('\n');
            var message = StepMessage(step);
            if (!string.IsNullOrEmpty(message)) detail.Append('\n').Append(message).Append('\n');
            if (!string.IsNullOrEmpty(step.ErrorDetail)) detail.Append('\n').Append(step.ErrorDetail).Append('\n');
            if (step.AmbiguousWith is { Count: > 0 } ambiguous)
            {
                detail.Append("\nMatching bindings:\n");
                foreach (var b in ambiguous) detail.Append("  ").Append(b.Expression).Append("  ").Append(b).Append('\n');
            }
            if (step.Undefined is { } help)
            {
                if (help.Closest.Count > 0)
                {
                    detail.Append("\nClosest phrases:\n");
                    foreach (var b in help.Closest) detail.Append("  ").Append(b.Expression).Append("  ").Append(b).Append('\n');
                }
                if (!string.IsNullOrEmpty(help.Snippet)) detail.Append("\nAdd a binding:\n").Append(help.Snippet).Append('\n');
            }
            return new Problem(step.Status, step.Step.ToString(), where, message, detail.ToString().TrimEnd());
        }

        public static Problem Of(ScenarioResult scenario, HookResult hook)
        {
            var message = hook.ErrorMessage ?? Word(hook.Status);
            var detail = new StringBuilder();
            detail.Append("Hook: ").Append(hook.Kind).Append(' ').Append(hook.Binding.Method).Append('\n');
            detail.Append("At: ").Append(hook.Binding.Location).Append('\n');
            detail.Append("Scenario: ").Append(scenario.Scenario.DisplayName).Append(" (").Append(scenario.Scenario.Location).Append(")\n");
            detail.Append("Status: ").Append(Word(hook.Status)).Append("\n\n").Append(message).Append('\n');
            if (!string.IsNullOrEmpty(hook.ErrorDetail)) detail.Append('\n').Append(hook.ErrorDetail).Append('\n');
            return new Problem(hook.Status, $"{hook.Kind} hook {hook.Binding.Method}", hook.Binding.Location, message, detail.ToString().TrimEnd());
        }
    }
}
