using Harness.Pki;

namespace Harness.Cli.Commands;

/// <summary>
/// `harness demo`: until the simulator exists, starts the KMS with a PKI and data under .harness/demo and prints how
/// to reach it.
/// </summary>
public static class DemoCommand
{
    public static async Task<int> RunAsync(string[] argv)
    {
        var args = new Args(argv, new HashSet<string> { "verbose" });
        var root = Path.GetFullPath(args.Get("dir") ?? Path.Combine(".harness", "demo"));
        var pki = Path.Combine(root, "pki");
        if (!File.Exists(Path.Combine(pki, "ca.crt"))) TestPki.Init(pki);
        var options = ServeCommand.Options(args, defaultData: Path.Combine(root, "data"), defaultPki: pki);
        bool verbose = args.Has("verbose");
        args.RejectUnknown();
        using var logs = ServeCommand.Logging(verbose);
        await using var server = await ServeCommand.Start(options, logs);
        Console.WriteLine("Harness demo: the KMS is running (the simulated vCenter and dashboard arrive in later releases).");
        ServeCommand.PrintWhereToReach(server, pki);
        Console.WriteLine($"Try it: ./harness bench --target {server.Endpoint} --pki {pki} --op create --connections 4 --seconds 5");
        Console.WriteLine("Ctrl-C stops the demo.");
        await ServeCommand.WaitForStopAsync();
        return 0;
    }
}
