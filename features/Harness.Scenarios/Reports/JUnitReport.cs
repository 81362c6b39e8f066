using System.Globalization;
using System.Text;
using System.Xml;

namespace Harness.Scenarios.Reports;

/// <summary>
/// JUnit XML, as CI servers (Jenkins, GitLab, GitHub actions, Azure DevOps) read it: one &lt;testsuite&gt; per feature
/// file, one &lt;testcase&gt; per scenario (outline rows each their own). A failing, undefined, ambiguous or pending
/// step is a &lt;failure&gt; naming the step, its file:line and the error; a scenario that did not run (@ignore) is
/// &lt;skipped&gt;; a feature file that does not parse is a suite with one &lt;error&gt; testcase giving
/// file:line:column; a failing feature hook is an &lt;error&gt; testcase of its own.
/// </summary>
public static class JUnitReport
{
    /// <summary>Writes the report to a file (UTF-8, no BOM), creating its directory.</summary>
    public static void Write(RunResult run, string path)
    {
        ArgumentNullException.ThrowIfNull(run);
        ReportText.CreateDirectoryOf(path);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        Write(run, writer);
    }

    /// <summary>Writes the report to <paramref name="output"/>, which stays open.</summary>
    public static void Write(RunResult run, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(output);
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", CloseOutput = false, CheckCharacters = true, NewLineHandling = NewLineHandling.Entitize };
        using (var xml = XmlWriter.Create(output, settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("testsuites");
            xml.WriteAttributeString("name", "Harness scenarios");
            var suites = run.Features.Select(Summarize).ToList();
            xml.WriteAttributeString("tests", Count(suites.Sum(s => s.Tests)));
            xml.WriteAttributeString("failures", Count(suites.Sum(s => s.Failures)));
            xml.WriteAttributeString("errors", Count(suites.Sum(s => s.Errors)));
            xml.WriteAttributeString("skipped", Count(suites.Sum(s => s.Skipped)));
            xml.WriteAttributeString("time", ReportText.Seconds(run.Duration));
            if (run.StartedAt != default) xml.WriteAttributeString("timestamp", Timestamp(run.StartedAt));

            foreach (var (feature, counts) in run.Features.Zip(suites))
                WriteSuite(xml, run, feature, counts);

            xml.WriteEndElement();
            xml.WriteEndDocument();
        }
        output.WriteLine();
        output.Flush();
    }

    private sealed record SuiteCounts(int Tests, int Failures, int Errors, int Skipped);

    private static SuiteCounts Summarize(FeatureResult feature)
    {
        if (feature.Feature.Error is not null) return new SuiteCounts(1, 0, 1, 0);
        int hookErrors = feature.Hooks.Count(h => ReportText.IsProblem(h.Status));
        return new SuiteCounts(
            feature.Scenarios.Count + hookErrors,
            feature.Scenarios.Count(s => s.Status is not (StepStatus.Passed or StepStatus.Skipped)),
            hookErrors,
            feature.Scenarios.Count(s => s.Status == StepStatus.Skipped));
    }

    private static void WriteSuite(XmlWriter xml, RunResult run, FeatureResult result, SuiteCounts counts)
    {
        var feature = result.Feature;
        var className = Clean(feature.Name);
        xml.WriteStartElement("testsuite");
        xml.WriteAttributeString("name", className);
        xml.WriteAttributeString("tests", Count(counts.Tests));
        xml.WriteAttributeString("failures", Count(counts.Failures));
        xml.WriteAttributeString("errors", Count(counts.Errors));
        xml.WriteAttributeString("skipped", Count(counts.Skipped));
        var duration = result.Duration > TimeSpan.Zero ? result.Duration : result.Scenarios.Aggregate(TimeSpan.Zero, (t, s) => t + s.Duration);
        xml.WriteAttributeString("time", ReportText.Seconds(duration));
        var started = result.Scenarios.Select(s => s.StartedAt).Where(t => t != default).DefaultIfEmpty(run.StartedAt).Min();
        if (started != default) xml.WriteAttributeString("timestamp", Timestamp(started));
        xml.WriteAttributeString("file", Clean(feature.Uri));

        if (feature.Error is { } error)
        {
            xml.WriteStartElement("testcase");
            xml.WriteAttributeString("name", Clean($"{feature.Uri}: syntax error"));
            xml.WriteAttributeString("classname", className);
            xml.WriteAttributeString("time", "0.000");
            xml.WriteAttributeString("file", Clean(feature.Uri));
            xml.WriteAttributeString("line", Count(error.Line));
            xml.WriteStartElement("error");
            xml.WriteAttributeString("message", Clean($"{error.Uri}:{error.Line}:{error.Column}: {error.Message}"));
            xml.WriteAttributeString("type", "GherkinSyntaxError");
            xml.WriteString(Clean(SyntaxErrorDetail(feature, error)));
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        foreach (var hook in result.Hooks.Where(h => ReportText.IsProblem(h.Status)))
        {
            xml.WriteStartElement("testcase");
            xml.WriteAttributeString("name", Clean($"{hook.Kind} hook {hook.Binding.Method}"));
            xml.WriteAttributeString("classname", className);
            xml.WriteAttributeString("time", ReportText.Seconds(hook.Duration));
            xml.WriteStartElement("error");
            xml.WriteAttributeString("message", Clean($"{hook.Kind} hook {hook.Binding} {ReportText.Word(hook.Status)}: {hook.ErrorMessage}"));
            xml.WriteAttributeString("type", hook.Kind + "Hook");
            xml.WriteString(Clean(string.Join("\n\n", new[] { hook.ErrorMessage, hook.ErrorDetail }.Where(s => !string.IsNullOrEmpty(s)))));
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        foreach (var scenario in result.Scenarios) WriteCase(xml, className, scenario);
        xml.WriteEndElement();
    }

    private static void WriteCase(XmlWriter xml, string className, ScenarioResult scenario)
    {
        var definition = scenario.Scenario;
        xml.WriteStartElement("testcase");
        xml.WriteAttributeString("name", Clean(definition.DisplayName));
        xml.WriteAttributeString("classname", className);
        xml.WriteAttributeString("time", ReportText.Seconds(scenario.Duration));
        xml.WriteAttributeString("file", Clean(definition.Feature.Uri));
        xml.WriteAttributeString("line", Count(definition.Line));

        if (scenario.SkippedBecause is { } reason)
        {
            xml.WriteStartElement("skipped");
            xml.WriteAttributeString("message", Clean(reason));
            xml.WriteEndElement();
        }
        else if (ReportText.FirstProblem(scenario) is { } problem)
        {
            xml.WriteStartElement("failure");
            var prefix = problem.Status switch
            {
                StepStatus.Undefined => "Undefined step: ",
                StepStatus.Ambiguous => "Ambiguous step: ",
                StepStatus.Pending => "Pending step: ",
                _ => "",
            };
            xml.WriteAttributeString("message", Clean(prefix + problem.Summary));
            xml.WriteAttributeString("type", ReportText.Word(problem.Status));
            xml.WriteString(Clean(problem.Detail));
            xml.WriteEndElement();
        }

        if (scenario.SkippedBecause is null && (scenario.Steps.Count > 0 || scenario.BeforeHooks.Count > 0))
        {
            xml.WriteStartElement("system-out");
            xml.WriteString(Clean(StepLog(scenario)));
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
    }

    /// <summary>The scenario's steps and hooks, one a line, as Cucumber's JUnit formatter lists them.</summary>
    private static string StepLog(ScenarioResult scenario)
    {
        var sb = new StringBuilder();
        foreach (var h in scenario.BeforeHooks) sb.Append(Line($"{h.Kind} hook {h.Binding.Method}", h.Status, h.Duration));
        foreach (var s in scenario.Steps) sb.Append(Line(s.Step.ToString(), s.Status, s.Duration));
        foreach (var h in scenario.AfterHooks) sb.Append(Line($"{h.Kind} hook {h.Binding.Method}", h.Status, h.Duration));
        return sb.ToString();

        static string Line(string what, StepStatus status, TimeSpan duration)
        {
            var dots = new string('.', Math.Max(3, 70 - what.Length));
            return $"{what}{dots}{ReportText.Word(status)} ({ReportText.Human(duration)})\n";
        }
    }

    private static string SyntaxErrorDetail(FeatureFile feature, FeatureParseError error) =>
        ReportText.Excerpt(feature.Source, error) is { } excerpt ? $"{error}\n\n{excerpt}" : error.ToString();

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);

    private static string Clean(string? s) => ReportText.Clean(s);
}
