using Harness.Certification;
using Harness.Kmip.Client;
using Harness.Steps;

namespace Harness.Cli.Commands;

/// <summary>
/// `harness certify --target HOST:PORT --pki DIR --out DIR [--user NAME:PASSWORD] [--connections N] [--features DIR]
/// [--no-scenarios] [--admin-command SCRIPT] [--no-prompt] [--vectors DIR]`: checks a KMIP server against vCenter's behaviour (transport,
/// vCenter's conversation, the @certification recovery scenarios) and writes report.html, report.json and report.xml
/// (JUnit) to DIR. Exit code 0 for Compatible (with or without warnings), 1 for Not compatible. The KMS administrator's
/// steps KMIP cannot express go to --admin-command (called as SCRIPT ACTION KEY_ID), else to the operator when stdin is
/// a terminal, else the scenario "needs a KMS administrator".
/// </summary>
public static class CertifyCommand
{
    public static async Task<int> RunAsync(string[] argv)
    {
        var args = new Args(argv, new HashSet<string> { "no-scenarios", "no-prompt" });
        var target = Args.Endpoint(args.Required("target"), "--target");
        var pki = Path.GetFullPath(args.Required("pki"));
        var output = Path.GetFullPath(args.Required("out"));
        var user = args.Get("user");
        int connections = args.Int("connections", 16);
        var featuresOption = args.Get("features");
        bool noScenarios = args.Has("no-scenarios");
        var adminCommand = args.Get("admin-command");
        bool noPrompt = args.Has("no-prompt");
        var vectorsOption = args.Get("vectors");
        args.RejectUnknown();
        if (!Directory.Exists(pki)) throw new UsageException($"--pki {pki} is not a folder (it must hold client.crt, client.key and ca.crt)");
        foreach (var file in new[] { "client.crt", "client.key", "ca.crt" })
            if (!File.Exists(Path.Combine(pki, file))) throw new UsageException($"--pki {pki} has no {file} (it must hold client.crt, client.key and ca.crt)");
        if (connections is < 1 or > 256) throw new UsageException($"--connections must be 1 to 256, not {connections}");
        UsernamePasswordCredential? credential = null;
        if (user is not null)
        {
            int colon = user.IndexOf(':');
            if (colon <= 0) throw new UsageException("--user must be NAME:PASSWORD");
            credential = new UsernamePasswordCredential(user[..colon], user[(colon + 1)..]);
        }

        IReadOnlyList<Harness.Scenarios.ScenarioDefinition> scenarios = [];
        if (!noScenarios)
        {
            var folder = featuresOption ?? FeaturesFolder.Find()
                ?? throw new UsageException("no features folder found for the recovery scenarios: give --features DIR (the repository's features/), or --no-scenarios");
            if (!Directory.Exists(folder)) throw new UsageException($"--features {folder} is not a folder");
            try { scenarios = RecoveryScenarios.Load(folder); }
            catch (InvalidOperationException ex) { throw new UsageException($"--features {folder}: {ex.Message}"); }
            if (scenarios.Count == 0) throw new UsageException($"--features {folder} has no scenario tagged {RecoveryScenarios.Tag}");
        }
        IReadOnlyList<string> vectors = [];
        if (vectorsOption is not null)
        {
            try { vectors = VectorReplay.Expand([vectorsOption]); }
            catch (FileNotFoundException) { throw new UsageException($"--vectors {vectorsOption} is neither a folder nor a file"); }
            if (vectors.Count == 0) throw new UsageException($"--vectors {vectorsOption} holds no .xml vector file");
        }
        IManualKmsAdministrator? administrator = null;
        if (adminCommand is not null)
        {
            var script = Path.GetFullPath(adminCommand);
            if (!File.Exists(script)) throw new UsageException($"--admin-command {script} does not exist");
            administrator = new AdminCommand(script, target.Address.ToString(), target.Port);
        }
        else if (!noPrompt && !Console.IsInputRedirected && !Console.IsOutputRedirected)
            administrator = new OperatorPrompt(Console.In, Console.Out, target.ToString());

        Console.WriteLine($"Certifying the KMS at {target} (client identity from {pki}{(scenarios.Count > 0 ? $", {scenarios.Count} recovery scenarios" : "")}{(vectors.Count > 0 ? $", {vectors.Count} OASIS vectors" : "")})…");
        var report = await new Certifier(new CertifyOptions
        {
            Host = target.Address.ToString(), Port = target.Port, Pki = pki, Credential = credential, Connections = connections,
            Scenarios = scenarios, Administrator = administrator, Vectors = vectors,
            Log = scenarios.Count > 0 ? line => Console.WriteLine($"  … {line}") : null,
        }).RunAsync();
        foreach (var r in report.Requirements)
            Console.WriteLine($"  {Mark(r.Outcome)} {r.Id,-4} {r.Title}: {r.Detail}");
        var (html, json, junit) = ReportWriter.WriteAll(report, output);
        Console.WriteLine($"Report: {html}\n        {json}\n        {junit}");
        Console.WriteLine($"Verdict: {CertificationReport.Describe(report.Verdict)}{(report.Reason is { } why ? $" ({why})" : "")}");
        return report.Verdict == Verdict.NotCompatible ? 1 : 0;
    }

    private static string Mark(Outcome o) => o switch
    {
        Outcome.Passed => "PASS",
        Outcome.Warning => "WARN",
        Outcome.Failed => "FAIL",
        Outcome.NeedsAdministrator => "ADMN",
        _ => "SKIP",
    };
}
