using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Kmip.Vectors;
using Harness.Pki;

namespace Harness.Cli.Commands;

/// <summary>
/// `harness vectors --target HOST:PORT --pki DIR PATH...`: replays OASIS KMIP XML test vectors (files or folders)
/// against a server over mutual TLS; one PASS/FAIL line per file with the first difference, then "N passed, N failed".
/// Each file runs on a fresh connection.
/// </summary>
public static class VectorsCommand
{
    public static async Task<int> RunAsync(string[] argv)
    {
        var args = new Args(argv, new HashSet<string> { "verbose" });
        var target = Args.Endpoint(args.Required("target"), "--target");
        var pki = new PkiPaths(args.Required("pki"));
        bool verbose = args.Has("verbose");
        args.RejectUnknown();
        if (args.Positional.Count == 0) throw new UsageException("give at least one vector file or folder");
        var files = new List<string>();
        foreach (var p in args.Positional)
        {
            if (Directory.Exists(p)) files.AddRange(Directory.EnumerateFiles(p, "*.xml", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
            else if (File.Exists(p)) files.Add(p);
            else throw new UsageException($"{p} is neither a file nor a folder");
        }
        if (!File.Exists(pki.ClientCert)) throw new UsageException($"{pki.ClientCert} does not exist");
        var options = KmipClientOptions.FromPki(target.Address.ToString(), target.Port, pki);

        int passed = 0, failed = 0;
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            VectorFile vectors;
            try { vectors = VectorFile.Load(file); }
            catch (FormatException ex)
            {
                Console.WriteLine($"FAIL {name}: cannot read the vector file: {ex.Message}");
                failed++;
                continue;
            }
            var outcome = await RunFileAsync(vectors, options);
            if (outcome.Passed)
            {
                passed++;
                Console.WriteLine($"PASS {name} ({outcome.Steps} steps)");
            }
            else
            {
                failed++;
                Console.WriteLine($"FAIL {name}: {outcome.Reason}");
                if (verbose && outcome.Detail is not null) Console.WriteLine(outcome.Detail);
            }
        }
        Console.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private sealed record Outcome(bool Passed, int Steps, string? Reason, string? Detail);

    private static async Task<Outcome> RunFileAsync(VectorFile vectors, KmipClientOptions options)
    {
        KmipClient client;
        try { client = await KmipClient.ConnectAsync(options); }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or TimeoutException or KmipException)
        {
            return new Outcome(false, 0, $"cannot connect to {options.Endpoint}: {ex.Message}", null);
        }
        await using (client)
        {
            try
            {
                // The runner is synchronous by design (no I/O in Harness.Kmip); the exchange blocks on the TLS client.
                var result = await Task.Run(() => VectorRunner.Run(vectors, request => client.SendAsync(request).GetAwaiter().GetResult()));
                if (result.Passed) return new Outcome(true, result.StepCount, null, null);
                var f = result.Failure!;
                var step = result.Steps.FirstOrDefault(s => s.StepIndex == f.StepIndex);
                var detail = step is null ? null
                    : $"--- request (step {f.StepIndex})\n{TtlvDump.Format(step.Request)}--- response\n{(step.Response is null ? "(none)" : TtlvDump.Format(step.Response))}";
                return new Outcome(false, result.StepCount, $"step {f.StepIndex}: {f.Path}: {f.Message}", detail);
            }
            catch (Exception ex) when (ex is IOException or KmipException or TimeoutException or FormatException or InvalidOperationException)
            {
                return new Outcome(false, 0, $"{ex.GetType().Name}: {ex.Message}", null);
            }
        }
    }
}
