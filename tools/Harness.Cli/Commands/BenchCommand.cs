using System.CommandLine;
using System.Diagnostics;
using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Kmip.Payloads;
using Harness.Cli.Bench;
using Harness.Pki;

namespace Harness.Cli.Commands;

/// <summary>
/// `harness bench --target HOST:PORT --pki DIR --op OP --connections N --seconds S [--version 1.4]`: a load generator
/// against any KMIP server. Each connection sends one request at a time; the line printed is
/// "get: 31,250 ops/s, p50 0.4 ms, p99 1.9 ms, 0 errors". The operations (<see cref="Operations"/>): Get of an AES key,
/// Create of one, Encrypt of 1 KiB with AES-256-GCM (the server makes each IV), Sign of 1 KiB with ECDSA P-256 and
/// SHA-256, MAC of 1 KiB with HMAC-SHA256, Hash of 1 KiB with SHA-256, RNG Retrieve of 32 bytes, Create Key Pair of
/// EC P-256. `--target A:P,B:P,C:P` spreads the connections over several KMS nodes (connection i to target i mod n) that
/// share one store: the key Get reads is made on the first. `harness bench site ...` is <see cref="BenchSiteCommand"/>.
/// </summary>
public static class BenchCommand
{
    public static Command Definition() => Define.Command("bench",
        "load generator against any KMIP server; prints ops/s, p50, p99, errors; destroys the keys op create made", RunAsync,
        Define.Value("target", "HOST:PORT[,HOST:PORT...]", "the KMIP server, or several nodes sharing one store (the connections spread over them)", required: true),
        Define.Value("pki", "DIR", "client.crt, client.key and ca.crt for mutual TLS", required: true),
        Define.Value("op", string.Join('|', Operations), "the operation each connection repeats", "get"),
        Define.Value("connections", "N", "connections, each with one request at a time", "1"),
        Define.Value("seconds", "S", "how long to run", "10"),
        Define.Value("version", "VERSION", "the KMIP protocol version of the requests", "1.4"),
        Define.Switch("keep", "leave the keys op create made on the server"),
        Define.Switch("ceiling", "also run the load against a canned-reply TLS server process on this machine: the stack's limit"),
        BenchSiteCommand.Definition(),
        BenchFailoverCommand.Definition(),
        CeilingServerDefinition());

    /// <summary>`harness bench ceiling-server --folder DIR`, hidden: the child process of --ceiling.</summary>
    private static Command CeilingServerDefinition()
    {
        var command = Define.Command(CannedReplyProcess.CommandName, "the canned-reply server of --ceiling, run by bench itself",
            a => CannedReplyProcess.ServeAsync(a.Get("folder")!), Define.Value("folder", "DIR", "server.p12 and reply.ttlv", required: true));
        command.Hidden = true;
        return command;
    }

    public static async Task<int> RunAsync(Args args)
    {
        var (target, paths, options) = args.KmsClient(firstOfList: true);
        var nodes = args.Get("target")!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(t => Args.Endpoint(t, "--target")).Select(e => KmipClientOptions.FromPki(e.Address.ToString(), e.Port, paths)).ToArray();
        var op = args.Get("op") ?? "get";
        if (!Operations.Contains(op)) throw new UsageException($"--op must be one of {string.Join(", ", Operations)}, not '{op}'");
        int connections = Math.Max(1, args.Int("connections", 1));
        int seconds = Math.Max(1, args.Int("seconds", 10));
        ProtocolVersion version;
        try { version = ProtocolVersion.Parse(args.Get("version") ?? "1.4"); }
        catch (FormatException ex) { throw new UsageException(ex.Message); }
        var made = new TestObjects(target.Address.ToString(), target.Port, paths);
        bool keep = args.Has("keep");

        var clients = new List<KmipClient>();
        try
        {
            for (int i = 0; i < connections; i++) { options = nodes[i % nodes.Length]; clients.Add(await KmipClient.ConnectAsync(options)); }
            options = nodes[0];
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or KmipException or TimeoutException)
        {
            Console.Error.WriteLine($"bench: cannot connect to {options.Endpoint}: {ex.Message}");
            return 1;
        }

        // The request is encoded once; each response is decoded and its result checked.
        BatchItemRequest item;
        try { item = await PrepareAsync(op, new KmipOperations(clients[0], version), made); }
        catch (KmipException ex)
        {
            Console.Error.WriteLine($"bench: cannot prepare --op {op} on {options.Endpoint}: {ex.Message}");
            foreach (var c in clients) await c.DisposeAsync();
            Console.WriteLine(await made.FinishAsync(keep, "key"));
            return 1;
        }
        var request = TtlvWriter.Encode(KmipRequests.Message(version, item));
        bool creates = op is "create" or "create-key-pair";

        var result = await LoadAsync(clients, request, seconds, op, answer => made.Note(answer));
        // The canned reply is a real answer of the KMS under test, taken before the connections close.
        byte[]? canned = args.Has("ceiling") && !creates ? await clients[0].SendRawAsync(request) : null;
        foreach (var c in clients) await c.DisposeAsync();
        var spread = nodes.Length > 1 ? $" over {nodes.Length} nodes" : "";
        Console.WriteLine($"{op}: {result.Describe()} ({connections} connections{spread}, {seconds} s, KMIP {version}, {result.Operations:N0} operations)");
        if (result.FirstError is not null) Console.WriteLine($"first error: {result.FirstError}");

        if (args.Has("ceiling"))
        {
            canned ??= await CreateReplyOfAsync(options, request, made);
            var ceiling = await CeilingAsync(canned, request, connections, seconds, op);
            Console.WriteLine($"ceiling: {ceiling.Describe()} (a TLS server process on this machine answering canned bytes); " +
                              $"the KMS reached {100 * result.OpsPerSecond / Math.Max(1, ceiling.OpsPerSecond):0}% of it");
        }
        Console.WriteLine(await made.FinishAsync(keep, "key"));
        return result.Errors == 0 ? 0 : 1;
    }

    /// <summary>The operations --op repeats.</summary>
    public static readonly string[] Operations = ["get", "create", "encrypt", "sign", "mac", "hash", "rng", "create-key-pair"];

    private static readonly byte[] Kibibyte = Enumerable.Range(0, 1024).Select(i => (byte)i).ToArray();

    /// <summary>The request <paramref name="op"/> repeats, after making (and activating) the key it uses, noted for clean-up.</summary>
    private static async Task<BatchItemRequest> PrepareAsync(string op, KmipOperations kms, TestObjects made)
    {
        async Task<string> Key(CryptographicAlgorithm algorithm, CryptographicUsageMask usage)
        {
            var id = await kms.CreateSymmetricKeyAsync([KmipAttribute.CryptographicAlgorithm(algorithm), KmipAttribute.CryptographicLength(256), KmipAttribute.CryptographicUsageMask(usage)]);
            made.Note(id);
            await kms.ActivateAsync(id);
            return id;
        }
        List<KmipAttribute> p256 = [KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.EC), KmipAttribute.CryptographicLength(256),
            KmipAttribute.RecommendedCurve(RecommendedCurve.P_256)];
        var version = kms.Version;
        switch (op)
        {
            case "get":
                var id = await kms.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
                made.Note(id);
                return KmipBatchItems.Get(id);
            case "create":
                return KmipBatchItems.CreateSymmetricKey(version, KmipAttribute.Aes256EncryptDecrypt);
            case "encrypt":
                var aes = await Key(CryptographicAlgorithm.AES, CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt);
                return new(Operation.Encrypt, new EncryptRequest(aes, new CryptographicParameters(BlockCipherMode: BlockCipherMode.GCM), Kibibyte).ToNode());
            case "sign":
                var pair = await kms.CreateKeyPairAsync(p256, [KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Sign)],
                    [KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Verify)]);
                made.Note(pair.PrivateKeyUniqueIdentifier);
                made.Note(pair.PublicKeyUniqueIdentifier);
                await kms.ActivateAsync(pair.PrivateKeyUniqueIdentifier);
                return new(Operation.Sign, new SignRequest(pair.PrivateKeyUniqueIdentifier,
                    new CryptographicParameters(DigitalSignatureAlgorithm: DigitalSignatureAlgorithm.ECDSAWithSHA256), Kibibyte).ToNode());
            case "mac":
                var hmac = await Key(CryptographicAlgorithm.HMAC_SHA256, CryptographicUsageMask.MACGenerate);
                return new(Operation.MAC, new MacRequest(hmac, null, Kibibyte).ToNode());
            case "hash":
                return new(Operation.Hash, new HashRequest(new CryptographicParameters(HashingAlgorithm: HashingAlgorithm.SHA_256), Kibibyte).ToNode());
            case "rng":
                return new(Operation.RNGRetrieve, new RngRetrieveRequest(32).ToNode());
            default:
                return KmipBatchItems.CreateKeyPair(version, p256);
        }
    }

    /// <summary>One real Create answer of the KMS under test (noted for clean-up), the canned reply for --op create.</summary>
    private static async Task<byte[]> CreateReplyOfAsync(KmipClientOptions options, byte[] request, TestObjects made)
    {
        await using var client = await KmipClient.ConnectAsync(options);
        var reply = await client.SendRawAsync(request);
        made.Note(KmipResponse.Parse(TtlvReader.Decode(reply)).EnsureSuccess());
        return reply;
    }

    /// <summary>The same load against a <see cref="CannedReplyServer"/> with a PKI of its own, in a process of its own.</summary>
    private static async Task<LoadResult> CeilingAsync(byte[] reply, byte[] request, int connections, int seconds, string op)
    {
        using var pki = TestPki.CreateInMemory();
        await using var server = await CannedReplyProcess.StartAsync(pki.Server, reply);
        var options = new KmipClientOptions
        {
            Host = "127.0.0.1", Port = server.Endpoint.Port, ClientCertificate = pki.Client, TrustedCa = pki.Ca.PublicCertificate,
        };
        var clients = new List<KmipClient>();
        for (int i = 0; i < connections; i++) clients.Add(await KmipClient.ConnectAsync(options));
        try { return await LoadAsync(clients, request, seconds, op + " (ceiling)", _ => { }); }
        finally { foreach (var c in clients) await c.DisposeAsync(); }
    }

    internal sealed record LoadResult(double OpsPerSecond, double P50Ms, double P99Ms, int Errors, long Operations, string? FirstError)
    {
        public string Describe() => $"{OpsPerSecond:N0} ops/s, p50 {P50Ms:0.0##} ms, p99 {P99Ms:0.0##} ms, {Errors} errors";
    }

    /// <summary>Each connection sends the request, reads and checks the answer, again, until the time is up.</summary>
    private static async Task<LoadResult> LoadAsync(IReadOnlyList<KmipClient> clients, byte[] request, int seconds, string label, Action<KmipResponse> onAnswer)
    {
        int connections = clients.Count;
        var stopAt = Stopwatch.GetTimestamp() + (long)(seconds * (double)Stopwatch.Frequency);
        var latencies = new List<long>[connections];
        var errors = new int[connections];
        string? firstError = null;
        var clock = Stopwatch.StartNew();
        using var progress = ProgressLine.ForStderr();
        using var ticker = progress.Enabled ? new Timer(_ => progress.Show("bench", (int)Math.Min(clock.Elapsed.TotalSeconds, seconds), seconds,
            $"s, {latencies.Where(l => l is not null).Sum(l => l.Count):N0} {label} operations"), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(500)) : null;
        await Task.WhenAll(clients.Select((client, i) => Task.Run(async () =>
        {
            var mine = latencies[i] = new List<long>(1 << 16);
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                long start = Stopwatch.GetTimestamp();
                try
                {
                    onAnswer(KmipResponse.Parse(TtlvReader.Decode(await client.SendRawAsync(request))).EnsureSuccess());
                    mine.Add(Stopwatch.GetTimestamp() - start);
                }
                catch (Exception ex)
                {
                    errors[i]++;
                    firstError ??= ex.Message;
                    if (!client.IsConnected) return;
                }
            }
        })));
        clock.Stop();
        ticker?.Dispose();
        progress.Clear();
        var all = latencies.Where(l => l is not null).SelectMany(l => l).Order().ToArray();
        return new LoadResult(all.Length / clock.Elapsed.TotalSeconds, Ms(Percentile(all, 0.50)), Ms(Percentile(all, 0.99)), errors.Sum(), all.Length, firstError);
    }

    private static long Percentile(long[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
