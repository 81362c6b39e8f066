using System.CommandLine;
using System.Text.RegularExpressions;
using Harness.Scenarios;
using Harness.Scenarios.Reports;
using Harness.Simulator;
using Harness.Simulator.KmsAdministration;
using Harness.Steps;

namespace Harness.Cli.Commands;

/// <summary>
/// `harness run [--tags EXPR] [--target HOST:PORT --pki DIR [--admin URL --admin-token TOKEN]] [--junit F] [--messages F]
/// [--html F] FEATURE|DIR...`: runs feature files (default: each scenario against its own embedded Harness KMS; with
/// --target, the kms features and the vSphere features' KMS clusters are that KMS), prints
/// each step as it runs, and ends with "N passed, N failed". Feature files that do not parse are reported with
/// file:line:column and count as failures; the others still run.
/// </summary>
public static class RunCommand
{
    public static Command Definition() => Define.Command("run",
        "runs feature files (default: against embedded KMSs), prints each step (coloured on a terminal), ends with \"N passed, N failed\" and, after failures, the command that reruns them", RunAsync,
        Define.Value("tags", "EXPR", "a tag expression selecting scenarios, e.g. \"@kms and not @slow\""),
        Define.Value("name", "REGEX", "only scenarios whose name matches this regular expression"),
        Define.Switch("dry-run", "match every step to its binding, run nothing"),
        Define.Value("target", "HOST:PORT", "a KMS the scenarios use instead of embedded ones (with --pki)"),
        Define.Value("pki", "DIR", "client.crt, client.key and ca.crt for --target"),
        Define.Value("admin", "URL", "a Harness KMS admin interface for the KMS administrator's steps (with --target)"),
        Define.Value("admin-token", "TOKEN", "the admin interface's bearer token"),
        BindingsOption(),
        Define.Value("junit", "FILE", "write a JUnit XML report"),
        Define.Value("messages", "FILE", "write Cucumber Messages (NDJSON)"),
        Define.Value("html", "FILE", "write the Cucumber HTML report"),
        Define.Switch("no-color", "no colours, also on a terminal"),
        Define.Words("FEATURE|DIR", "feature files (FILE.feature:LINE[:LINE...] picks scenarios by line) and folders of them"));

    /// <summary>--bindings PATH.dll: a team's Reqnroll binding assemblies, loaded beside Harness's steps.</summary>
    internal static Option<string[]> BindingsOption() =>
        Define.Repeatable("bindings", "PATH.dll", "a Reqnroll binding assembly whose steps run beside Harness's");

    public static async Task<int> RunAsync(Args args)
    {
        var tags = args.Get("tags");
        var target = args.Get("target");
        var pki = args.Get("pki");
        var admin = args.Get("admin");
        var adminToken = args.Get("admin-token");
        var junit = args.Get("junit");
        var bindings = args.All("bindings");
        bool color = !args.Has("no-color") && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;
        if (args.Positional.Count == 0) throw new UsageException("give at least one .feature file or directory, e.g. ./harness run features/");
        if ((target is null) != (pki is null)) throw new UsageException("--target and --pki go together");

        try { Harness.Scenarios.Expressions.TagExpression.Parse(tags ?? ""); }
        catch (Harness.Scenarios.Expressions.TagExpressionException ex) { throw new UsageException($"--tags: {ex.Message}"); }
        Regex? name = null;
        if (args.Get("name") is { } pattern)
        {
            try { name = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
            catch (ArgumentException ex) { throw new UsageException($"--name \"{pattern}\" is not a regular expression: {ex.Message}"); }
        }
        var (paths, lines, onlyLines) = ScenarioLines.Parse(args.Positional);
        IReadOnlyList<FeatureFile> features;
        try { features = FeatureLoader.LoadAll(paths); }
        catch (FileNotFoundException ex) { throw new UsageException(ex.Message); }
        var options = new RunOptions(tags, ScenarioLines.Selection(features, lines, onlyLines), name, args.Has("dry-run"), args.Get("html"), args.Get("messages"));
        // Every report is checked before the run, so that a run never ends by losing its results to a bad path.
        options.CheckReportPaths();
        if (junit is not null) ReportPath.Check("--junit", junit);

        KmsTarget? kms = null;
        if (target is not null)
        {
            var endpoint = Args.Endpoint(target, "--target");
            var pkiPaths = new Harness.Pki.PkiPaths(pki!);
            if (!File.Exists(pkiPaths.ClientCert)) throw new UsageException($"{pkiPaths.ClientCert} does not exist");
            kms = new KmsTarget(endpoint.Address.ToString(), endpoint.Port, pkiPaths,
                admin is null ? null : new Uri(admin), adminToken);
        }

        StepCatalog catalog;
        try { catalog = StepCatalog.FromAssemblies([typeof(KmsTarget).Assembly], bindings); }
        catch (ScenarioSetupException ex)
        {
            Console.Error.WriteLine($"harness run: {ex.Message}");
            return 2;
        }
        // The vSphere features use the same KMS: every KMS cluster of a scenario is the target, its administrator's
        // steps going to the admin interface when one is given (else they "need a KMS administrator").
        using var adminInterface = kms?.AdminUrl is { } adminUrl ? new HarnessAdminInterface(adminUrl, kms.AdminToken) : null;
        var external = kms is null ? null : new ExternalKms(kms.Host, kms.Port, kms.Pki, Administrator: adminInterface);
        await using var engine = new ScenarioEngine(catalog, run =>
        {
            if (kms is null) return;
            run.RegisterInstanceAs(kms);
            run.RegisterInstanceAs(external!);
        });
        var printer = new ConsoleRunPrinter(Console.Out, color);
        using var progress = ProgressLine.ForStderr();
        var selectedTags = Harness.Scenarios.Expressions.TagExpression.Parse(tags ?? "");
        int total = features.Sum(f => f.Scenarios.Count(s => options.Selects(s, selectedTags)));
        var result = await engine.RunAsync(features, options, new RunProgress(printer, progress, total));
        progress.Clear();

        if (junit is not null) JUnitReport.Write(result, junit);
        foreach (var (label, file) in new[] { ("JUnit XML", junit), ("Cucumber Messages", options.MessagesReport), ("HTML report", options.HtmlReport) })
            if (file is not null) Console.WriteLine($"{label}: {Path.GetFullPath(file)}");

        var failed = result.Scenarios.Where(s => s.Status is not (StepStatus.Passed or StepStatus.Skipped)).ToList();
        var broken = result.Features.Select(f => f.Feature).Where(f => f.Error is not null).ToList();
        if (failed.Count + broken.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("Failed scenarios:");
            foreach (var f in broken) Console.WriteLine($"  {f.Error!.Uri}:{f.Error.Line}  syntax error: {f.Error.Message}");
            foreach (var s in failed) Console.WriteLine($"  {s.Scenario.Location}  {s.Scenario.DisplayName}");
            Console.WriteLine("Rerun them with:");
            Console.WriteLine("  " + RerunCommand(broken, failed.Select(s => s.Scenario), args));
        }
        var skipped = result.Skipped > 0 ? $" ({result.Skipped} skipped)" : "";
        var dry = options.DryRun ? " (dry run: steps matched, none run)" : "";
        Console.WriteLine($"{result.Passed} passed, {result.Failed} failed{skipped}{dry}");
        return result.Failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// "./harness run f.feature:27:40 g.feature:12 --tags '@kms'": the scenarios at their lines (a file that did not
    /// parse, whole), with the options that chose the KMS, the bindings and the tags of this run.
    /// </summary>
    internal static string RerunCommand(IEnumerable<FeatureFile> broken, IEnumerable<ScenarioDefinition> scenarios, Args args)
    {
        var words = new List<string> { "./harness", "run" };
        words.AddRange(broken.Select(f => f.Uri));
        words.AddRange(scenarios.GroupBy(s => s.Feature.Uri).Select(g => g.Key + string.Concat(g.Select(s => $":{s.Line}").Distinct())));
        foreach (var option in new[] { "target", "pki", "admin", "admin-token", "tags" })
            if (args.Get(option) is { } value) words.AddRange(["--" + option, value]);
        foreach (var binding in args.All("bindings")) words.AddRange(["--bindings", binding]);
        return string.Join(' ', words.Select(ShellWord));
    }

    private static string ShellWord(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '/' or ':' or '-' or '_' or '@' or '=' or ',')
            ? word : "'" + word.Replace("'", "'\\''") + "'";
}

/// <summary>
/// FILE.feature:LINE (or FILE.feature:12:40) among run's paths: the files to load and the (file, line) pairs that pick
/// their scenarios. A file is named by its full path, which <see cref="ScenarioDefinition.IsAt"/> matches whatever the
/// working folder.
/// </summary>
public static partial class ScenarioLines
{
    /// <summary>The paths to load, the lines asked for, and the files given only with lines (the others run whole).</summary>
    public static (IReadOnlyList<string> Paths, List<(string File, int Line)> Lines, IReadOnlySet<string> OnlyLines) Parse(IEnumerable<string> words)
    {
        var paths = new List<string>();
        var lines = new List<(string File, int Line)>();
        var whole = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in words)
        {
            var m = FileAndLines().Match(word);
            if (!m.Success || File.Exists(word))
            {
                paths.Add(word);
                whole.Add(Path.GetFullPath(word));
                continue;
            }
            var file = m.Groups["file"].Value;
            if (!File.Exists(file)) throw new UsageException($"{file} is not a .feature file (in {word})");
            paths.Add(file);
            foreach (Capture line in m.Groups["line"].Captures)
            {
                if (!int.TryParse(line.Value, out var n) || n < 1) throw new UsageException($"{word}: {line.Value} is not a line number");
                lines.Add((Path.GetFullPath(file), n));
            }
        }
        var onlyLines = lines.Select(l => l.File).Where(f => !whole.Contains(f)).ToHashSet(StringComparer.Ordinal);
        return (paths.Distinct().ToList(), lines, onlyLines);
    }

    /// <summary>
    /// The lines that select a run's scenarios, or null for all: the lines asked for, and every scenario of the files
    /// and folders given whole (a line narrows only its own file).
    /// </summary>
    public static IReadOnlyList<(string File, int Line)>? Selection(IReadOnlyList<FeatureFile> features, List<(string File, int Line)> lines, IReadOnlySet<string> onlyLines)
    {
        if (lines.Count == 0) return null;
        var selection = new List<(string File, int Line)>(lines);
        foreach (var feature in features.Where(f => !onlyLines.Contains(f.Path)))
            selection.AddRange(feature.Scenarios.Select(s => (feature.Path, s.Line)));
        return selection;
    }

    [GeneratedRegex(@"^(?<file>.+\.feature)(?::(?<line>\d+))+$")]
    private static partial Regex FileAndLines();
}

/// <summary>Prints a run as it goes: features, scenarios, each step with its status (coloured on a terminal).</summary>
public sealed class ConsoleRunPrinter(TextWriter output, bool color) : IRunListener
{
    private const string Green = "\u001b[32m", Red = "\u001b[31m", Yellow = "\u001b[33m", Cyan = "\u001b[36m", Grey = "\u001b[90m", Reset = "\u001b[0m";

    private string Paint(string text, string code) => color ? code + text + Reset : text;

    public void FeatureStarted(FeatureFile feature)
    {
        if (feature.Error is { } error)
        {
            output.WriteLine(Paint($"{error.Uri}:{error.Line}:{error.Column}: syntax error: {error.Message}", Red));
            return;
        }
        output.WriteLine();
        output.WriteLine($"Feature: {feature.Name}  {Paint(feature.Uri, Grey)}");
    }

    public void ScenarioStarted(ScenarioDefinition scenario) =>
        output.WriteLine($"  Scenario: {scenario.DisplayName}  {Paint(scenario.Location, Grey)}");

    public void StepFinished(ScenarioDefinition scenario, StepResult step)
    {
        var (mark, code) = step.Status switch
        {
            StepStatus.Passed => ("✓", Green),
            StepStatus.Failed => ("✗", Red),
            StepStatus.Skipped => ("-", Cyan),
            _ => ("?", Yellow),
        };
        output.WriteLine(Paint($"    {mark} {step.Step.Keyword.Trim()} {step.Step.Text}", code) +
                         (step.Status == StepStatus.Skipped ? "" : Paint($"  ({step.Duration.TotalMilliseconds:0} ms)", Grey)));
        if (step.Status is not (StepStatus.Passed or StepStatus.Skipped) && step.ErrorMessage is not null)
            foreach (var line in step.ErrorMessage.Split('\n'))
                output.WriteLine(Paint("        " + line, step.Status == StepStatus.Failed ? Red : Yellow));
    }

    public void HookFinished(ScenarioDefinition? scenario, HookResult hook)
    {
        if (hook.Status == StepStatus.Failed)
            output.WriteLine(Paint($"    ✗ {hook.Kind} hook {hook.Binding}: {hook.ErrorMessage}", Red));
    }

    public void ScenarioFinished(ScenarioResult result)
    {
        if (result.SkippedBecause is not null) output.WriteLine(Paint($"    - skipped: {result.SkippedBecause}", Cyan));
    }
}
