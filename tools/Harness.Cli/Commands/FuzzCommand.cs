using System.CommandLine;
using System.Net;
using Harness.Cli.Fuzzing;
using Harness.Kmip.Client;
using Harness.Pki;

namespace Harness.Cli.Commands;

/// <summary>
/// `harness fuzz --target HOST:PORT --pki DIR [--messages N] [--seed S] [--seconds T] [--connections C] [--save DIR] [--keep]`:
/// sends mutated KMIP messages (<see cref="MessageMutator"/>) to a KMS on this machine and reports how it answered,
/// closed or hung, the largest response, and how a well-behaved client fared meanwhile. Loopback targets only. Exit 0
/// when nothing hung and the other client was never refused nor kept waiting a second; objects the fuzzing made are
/// destroyed at the end unless --keep.
/// </summary>
public static class FuzzCommand
{
    public static Command Definition() => Define.Command("fuzz",
        "sends mutated KMIP messages to a KMS on this machine; reports answers, closes, hangs and another client's waits", RunAsync,
        Define.Value("target", "HOST:PORT", "the KMIP server (a loopback address)", required: true),
        Define.Value("pki", "DIR", "client.crt, client.key and ca.crt for mutual TLS", required: true),
        Define.Value("messages", "N", "how many messages to send", "10000"),
        Define.Value("seed", "S", "the seed of the mutations (the same seed sends the same messages)", "1"),
        Define.Value("seconds", "T", "stop after this long even if messages remain", "600"),
        Define.Value("connections", "C", "connections sending at once", "4"),
        Define.Value("save", "DIR", "write each message that hung to DIR/hang-N.ttlv (read it with ./harness ttlv dump, replay it with any client)"),
        Define.Switch("keep", "leave the objects the fuzzing made on the server"));

    public static async Task<int> RunAsync(Args args)
    {
        var target = Args.Endpoint(args.Required("target"), "--target");
        if (!IPAddress.IsLoopback(target.Address))
            throw new UsageException($"fuzz sends only to this machine (127.0.0.0/8 or ::1), not to {target.Address}");
        var (_, paths, options) = args.KmsClient();
        long messages = args.Positive("messages", 10_000);
        int seed = args.Int("seed", 1);
        int seconds = args.Positive("seconds", 600);
        int connections = args.Positive("connections", 4);
        var save = args.Get("save") is { } saveText ? Path.GetFullPath(saveText) : null;
        if (save is not null && Harness.Certification.ReportWriter.CannotWriteTo(save, "hang-N.ttlv files") is { } why)
            throw new UsageException($"--save {why}");
        var made = new TestObjects(target.Address.ToString(), target.Port, paths);

        using var progress = ProgressLine.ForStderr();
        FuzzReport report;
        try
        {
            report = await new FuzzRun(options, seed, messages, TimeSpan.FromSeconds(seconds), connections)
                .RunAsync((done, total) => progress.Show("fuzz", (int)Math.Min(done, int.MaxValue), (int)Math.Min(total, int.MaxValue), " messages"),
                    made.Note, CancellationToken.None, save);
        }
        catch (Exception ex) when (ex is KmipConnectionException or IOException)
        {
            progress.Clear();
            Console.Error.WriteLine($"fuzz: cannot connect to {options.Endpoint}: {ex.Message}");
            return 1;
        }
        progress.Clear();
        foreach (var line in report.Lines(seed)) Console.WriteLine(line);
        await NoteUnansweredAsync(options, made);
        Console.WriteLine(await made.FinishAsync(args.Has("keep"), "object"));
        return report.Passed ? 0 : 1;
    }

    /// <summary>
    /// Objects the fuzzing made whose reply never arrived (a connection the server closed right after answering, when
    /// the message had bytes after its end) are still its own: they carry its marker, so a Locate finds them.
    /// </summary>
    private static async Task NoteUnansweredAsync(KmipClientOptions options, TestObjects made)
    {
        const int page = 1000;
        try
        {
            await using var client = await KmipClient.ConnectAsync(options);
            for (int offset = 0; ; offset += page)
            {
                var ids = await new KmipOperations(client, Harness.Kmip.ProtocolVersion.V1_4).LocateAsync([MessageMutator.Marker], page, offset);
                foreach (var id in ids) made.Note(id);
                if (ids.Count < page) break;
            }
        }
        catch (Exception ex) when (ex is Harness.Kmip.KmipException or IOException) { /* the reply-named objects are still cleaned up */ }
    }
}
