using Harness.Certification;
using Harness.Kmip.Client;

namespace Harness.Cli.Commands;

/// <summary>
/// `harness certify --target HOST:PORT --pki DIR --out DIR [--user NAME:PASSWORD] [--connections N]`: checks a KMIP
/// server against vCenter's behaviour (transport, vCenter's conversation) and writes report.html, report.json and
/// report.xml (JUnit) to DIR. Exit code 0 for Compatible (with or without warnings), 1 for Not compatible.
/// </summary>
public static class CertifyCommand
{
    public static async Task<int> RunAsync(string[] argv)
    {
        var args = new Args(argv, new HashSet<string>());
        var target = Args.Endpoint(args.Required("target"), "--target");
        var pki = Path.GetFullPath(args.Required("pki"));
        var output = Path.GetFullPath(args.Required("out"));
        var user = args.Get("user");
        int connections = args.Int("connections", 16);
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

        Console.WriteLine($"Certifying the KMS at {target} (client identity from {pki})…");
        var report = await new Certifier(new CertifyOptions
        {
            Host = target.Address.ToString(), Port = target.Port, Pki = pki, Credential = credential, Connections = connections,
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
