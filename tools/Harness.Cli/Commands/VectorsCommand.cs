using System.CommandLine;
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
    public static Command Definition() => Define.Command("vectors",
        "replays OASIS KMIP XML test vectors against a KMIP server, one PASS/FAIL line per file, then \"N passed, N failed\"; destroys the objects they made", RunAsync,
        Define.Value("target", "HOST:PORT", "the KMIP server", required: true),
        Define.Value("pki", "DIR", "client.crt, client.key and ca.crt for mutual TLS", required: true),
        Define.Switch("verbose", "print the whole difference of a failed vector"),
        Define.Switch("keep", "leave the objects the vectors made on the server"),
        Define.Words("PATH", "vector files or folders of them"));

    public static async Task<int> RunAsync(Args args)
    {
        bool verbose = args.Has("verbose");
        if (args.Positional.Count == 0) throw new UsageException("give at least one vector file or folder");
        IReadOnlyList<string> files;
        try { files = VectorReplay.Expand(args.Positional); }
        catch (FileNotFoundException ex) { throw new UsageException(ex.Message); }
        var (target, pki, options) = args.KmsClient();
        var made = new TestObjects(target.Address.ToString(), target.Port, pki);
        bool keep = args.Has("keep");

        int passed = 0, failed = 0;
        using var progress = ProgressLine.ForStderr();
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            progress.Show("vectors", passed + failed, files.Count, failed > 0 ? $"{failed} failed" : null, name);
            VectorFile vectors;
            try { vectors = VectorFile.Load(file); }
            catch (FormatException ex)
            {
                Console.WriteLine($"FAIL {name}: cannot read the vector file: {ex.Message}");
                failed++;
                continue;
            }
            TtlvNode? last = null;
            var outcome = await VectorReplay.RunFileAsync(vectors, options, onResponse: response =>
            {
                last = response;
                made.Note(response);
            });
            progress.Clear();
            if (outcome.Passed)
            {
                passed++;
                Console.WriteLine($"PASS {name} ({outcome.Steps} steps)");
            }
            else
            {
                failed++;
                Console.WriteLine($"FAIL {name}: {outcome.Reason}{ServerError(last)}");
                if (verbose && outcome.Detail is not null) Console.WriteLine(outcome.Detail);
            }
        }
        progress.Clear();
        Console.WriteLine(await made.FinishAsync(keep, "object"));
        Console.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>" (the server answered Result Reason Permission Denied: \"…\")" when the last response carried an error.</summary>
    private static string ServerError(TtlvNode? response)
    {
        if (response is null) return "";
        ResponseBatchItem? error;
        try { error = KmipResponse.Parse(response).FirstError; }
        catch (KmipException) { return ""; }
        if (error is null) return "";
        var message = string.IsNullOrEmpty(error.ResultMessage) ? "" : $", Result Message \"{error.ResultMessage}\"";
        return $" (the server answered {error.Operation?.ToString() ?? "the request"} with Result Reason {error.ResultReason?.ToString() ?? "none"}{message})";
    }
}
