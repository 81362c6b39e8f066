using Harness.Cli;
using Harness.Cli.Commands;

// The `harness` command. Exit codes: 0 all good, 1 a check failed, 2 bad usage or bad input.
var commands = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.Ordinal)
{
    ["pki"] = PkiCommand.RunAsync,
    ["serve"] = ServeCommand.RunAsync,
    ["demo"] = DemoCommand.RunAsync,
    ["ttlv"] = TtlvCommand.RunAsync,
    ["vectors"] = VectorsCommand.RunAsync,
    ["bench"] = BenchCommand.RunAsync,
    ["run"] = RunCommand.RunAsync,
    ["steps"] = StepsCommand.RunAsync,
    ["play"] = PlayCommand.RunAsync,
    ["certify"] = CertifyCommand.RunAsync,
};

if (args.Length == 0)
{
    Console.Error.WriteLine(Usage.Text);
    Console.Error.WriteLine("harness: no command given");
    return 2;
}
if (args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(Usage.Text);
    return 0;
}
if (!commands.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"harness: unknown command '{args[0]}'. Commands: {string.Join(", ", commands.Keys)}, test.");
    return 2;
}
try
{
    return await run(args[1..]);
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"harness {args[0]}: {ex.Message}");
    return 2;
}

namespace Harness.Cli
{
    internal static class Usage
    {
        public const string Text = """
            harness: a test harness and simulator for vSphere VM Encryption with an external KMS.

              ./harness demo [--features DIR]                    start the KMS, vCenter with a preset inventory, the REST API
                                                                 and the dashboard with its runbook player
              ./harness test                                     install what tests need, run every test
              ./harness pki init --out DIR [--force]             write a test PKI (ca, server, client PEM files)
              ./harness serve --kmip HOST:PORT --data DIR --pki DIR [--admin HOST:PORT] [--max-message BYTES]
                                                                 run the KMIP server in the foreground
              ./harness ttlv dump HEX|FILE                       pretty-print a TTLV message
              ./harness run [--tags EXPR] [--target HOST:PORT --pki DIR] [--junit F] [--messages F] [--html F] FEATURE|DIR...
                                                                 run feature files, print each step, "N passed, N failed"
              ./harness steps                                    list every step phrase and where it is bound
              ./harness play --dashboard URL FEATURE:LINE [--steps N]
                                                                 play a runbook on a running dashboard's player
              ./harness vectors --target HOST:PORT --pki DIR PATH...
                                                                 replay OASIS KMIP XML test vectors
              ./harness certify --target HOST:PORT --pki DIR --out DIR [--user NAME:PASSWORD] [--connections N]
                      [--admin-command SCRIPT] [--vectors DIR] [--features DIR] [--no-scenarios] [--no-prompt]
                                                                 check a KMS against vCenter's behaviour and the recovery
                                                                 scenarios; report.html/json/xml
              ./harness certify --image IMAGE --port N --pki DIR --out DIR [--image-command "ARGS..."]
                                [--mount HOSTDIR:CONTAINERDIR[:ro]] [--image-timeout SECONDS]
                                                                 the same for a KMS shipped as a local container image:
                                                                 started on the host network, 127.0.0.1:N, then removed
              ./harness bench --target HOST:PORT --pki DIR --op get|create --connections N --seconds S
                                                                 load a KMIP server and report ops/s, p50, p99
              ./harness bench site --hosts N --vms M [--clusters C]
                                                                 build a simulated site with an embedded KMS, reboot every
                                                                 host at once, report build and unlock times, KMIP messages
            Exit codes: 0 good, 1 a check failed, 2 bad usage or input.
            """;
    }
}
