using System.CommandLine;
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
        var messages = args.Get("messages");
        var html = args.Get("html");
        bool color = !args.Has("no-color") && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;
        if (args.Positional.Count == 0) throw new UsageException("give at least one .feature file or directory, e.g. ./harness run features/");
        if ((target is null) != (pki is null)) throw new UsageException("--target and --pki go together");

        try { Harness.Scenarios.Expressions.TagExpression.Parse(tags ?? ""); }
        catch (Harness.Scenarios.Expressions.TagExpressionException ex) { throw new UsageException($"--tags: {ex.Message}"); }
        IReadOnlyList<FeatureFile> features;
        try { features = FeatureLoader.LoadAll(args.Positional); }
        catch (FileNotFoundException ex) { throw new UsageException(ex.Message); }

        KmsTarget? kms = null;
        if (target is not null)
        {
            var endpoint = Args.Endpoint(target, "--target");
            var paths = new Harness.Pki.PkiPaths(pki!);
            if (!File.Exists(paths.ClientCert)) throw new UsageException($"{paths.ClientCert} does not exist");
            kms = new KmsTarget(endpoint.Address.ToString(), endpoint.Port, paths,
                admin is null ? null : new Uri(admin), adminToken);
        }

        StepCatalog catalog;
        try { catalog = StepCatalog.FromAssemblies(typeof(KmsTarget).Assembly); }
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
        var result = await engine.RunAsync(features, new RunOptions(tags, HtmlReport: html, MessagesReport: messages), printer);

        if (junit is not null) JUnitReport.Write(result, junit);
        foreach (var (label, file) in new[] { ("JUnit XML", junit), ("Cucumber Messages", messages), ("HTML report", html) })
            if (file is not null) Console.WriteLine($"{label}: {Path.GetFullPath(file)}");

        var skipped = result.Skipped > 0 ? $" ({result.Skipped} skipped)" : "";
        Console.WriteLine($"{result.Passed} passed, {result.Failed} failed{skipped}");
        return result.Failed == 0 ? 0 : 1;
    }
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
