using System.Diagnostics;
using Harness.Kmip;
using Harness.Kmip.Client;

namespace Harness.Cli.Fuzzing;

/// <summary>What a fuzz run saw: how the server answered, closed or hung, and how a well-behaved client fared meanwhile.</summary>
public sealed class FuzzReport
{
    public long Sent;
    public long Answered;
    public long AnsweredSuccess;
    public long Closed;
    public long Hung;
    public long Incomplete;
    public long LargestResponse;
    public double SlowestAnswerMs;
    public long CanaryProbes;
    public long CanaryFailures;
    public double CanarySlowestMs;
    public readonly Dictionary<string, long> Reasons = new(StringComparer.Ordinal);

    /// <summary>The files the messages that hung were written to (with --save).</summary>
    public readonly List<string> SavedHangs = new();
    public TimeSpan Duration;

    /// <summary>Passed: nothing hung, the canary never failed and never waited a second.</summary>
    public bool Passed => Hung == 0 && CanaryFailures == 0 && CanarySlowestMs < 1000;

    public IEnumerable<string> Lines(int seed)
    {
        yield return $"fuzz: {Sent:N0} messages (seed {seed}) in {Duration.TotalSeconds:0.0} s: {Answered:N0} answered " +
                     $"({AnsweredSuccess:N0} with every item successful), {Closed:N0} connections closed by the server, {Hung:N0} hangs" +
                     $" ({Incomplete:N0} messages shorter than their header says were sent and the connection dropped: the server waits for the rest until its read timeout)";
        if (Reasons.Count > 0)
            yield return "  result reasons: " + string.Join(", ", Reasons.OrderByDescending(r => r.Value).Take(8).Select(r => $"{r.Key} {r.Value:N0}"));
        yield return $"  largest response {LargestResponse:N0} bytes; slowest answer {SlowestAnswerMs:0} ms";
        yield return $"  another client's Get meanwhile: {CanaryProbes:N0} probes, slowest {CanarySlowestMs:0} ms, {CanaryFailures:N0} failed";
        if (SavedHangs.Count > 0) yield return "  messages that hung: " + string.Join(", ", SavedHangs);
        else if (Hung > 0) yield return "  rerun with --save DIR to keep the messages that hung";
        yield return Passed ? "fuzz: PASSED (no hang; the other client was never refused nor kept waiting a second)"
                            : "fuzz: FAILED (a hang, or the other client was refused or waited a second or more)";
    }
}

/// <summary>
/// Sends mutated messages (<see cref="MessageMutator"/>) over a few connections, reconnecting when the server closes
/// one, while a separate client Gets a key every 100 ms; bounded by a message count and a time.
/// </summary>
/// <param name="hang">how long a message may go unanswered before it counts as a hang (default 5 s); the other client
/// waits twice that for its answers</param>
public sealed class FuzzRun(KmipClientOptions options, int seed, long messages, TimeSpan limit, int connections, TimeSpan? hang = null)
{
    private readonly TimeSpan _hang = hang ?? TimeSpan.FromSeconds(5);

    /// <param name="saveHangsTo">a folder for the messages that hung (hang-N.ttlv), or null</param>
    public async Task<FuzzReport> RunAsync(Action<long, long>? progress, Action<TtlvNode> onResponse, CancellationToken ct, string? saveHangsTo = null)
    {
        // The folder may not exist yet (the command's check leaves nothing behind): a hang hours in must not end the run.
        if (saveHangsTo is not null) Directory.CreateDirectory(saveHangsTo);
        var report = new FuzzReport();
        var fuzzOptions = options with { ReceiveTimeout = _hang, MaxResponseLength = 256 << 20 };
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(limit);
        long next = 0;
        var gate = new object();

        var canary = Task.Run(() => CanaryAsync(report, gate, stop.Token));
        await Task.WhenAll(Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            var mutator = new MessageMutator(seed + worker);
            KmipClient? client = null;
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    long n = Interlocked.Increment(ref next);
                    if (n > messages) break;
                    var bytes = mutator.Next();
                    client ??= await KmipClient.ConnectAsync(fuzzOptions, stop.Token).ConfigureAwait(false);
                    if (IsIncomplete(bytes))
                    {
                        // No answer can come before the rest arrives: send it, then leave (the read timeout is the server's to keep).
                        try { await client.WriteRawAsync(bytes, stop.Token).ConfigureAwait(false); }
                        catch (Exception ex) when (ex is KmipConnectionException or IOException) { }
                        await client.DisposeAsync().ConfigureAwait(false);
                        client = null;
                        lock (gate) { report.Incomplete++; report.Sent++; }
                        continue;
                    }
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        var reply = await client.SendRawAsync(bytes, stop.Token).ConfigureAwait(false);
                        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                        Record(report, gate, reply, ms, onResponse);
                    }
                    catch (KmipTimeoutException)
                    {
                        lock (gate)
                        {
                            report.Hung++;
                            if (saveHangsTo is not null)
                            {
                                var file = Path.Combine(saveHangsTo, $"hang-{report.Hung}.ttlv");
                                File.WriteAllBytes(file, bytes);
                                report.SavedHangs.Add(file);
                            }
                        }
                        await client.DisposeAsync().ConfigureAwait(false);
                        client = null;
                    }
                    catch (Exception ex) when (ex is KmipConnectionException or IOException)
                    {
                        lock (gate) report.Closed++;
                        await client.DisposeAsync().ConfigureAwait(false);
                        client = null;
                    }
                    lock (gate) report.Sent++;
                    if (n % 500 == 0) progress?.Invoke(n, messages);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            finally
            {
                if (client is not null) await client.DisposeAsync().ConfigureAwait(false);
            }
        }, CancellationToken.None))).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await canary.ConfigureAwait(false);
        report.Duration = clock.Elapsed;
        return report;
    }

    /// <summary>A message whose header announces more bytes than it has.</summary>
    private static bool IsIncomplete(byte[] bytes) =>
        bytes.Length < 8 || 8L + (uint)System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4)) > bytes.Length;

    private static void Record(FuzzReport report, object gate, byte[] reply, double ms, Action<TtlvNode> onResponse)
    {
        TtlvNode? node = null;
        try { node = TtlvReader.Decode(reply); }
        catch (KmipException) { }
        lock (gate)
        {
            report.Answered++;
            report.LargestResponse = Math.Max(report.LargestResponse, reply.Length);
            report.SlowestAnswerMs = Math.Max(report.SlowestAnswerMs, ms);
            if (node is null) { Count(report, "(undecodable response)"); return; }
            try
            {
                var response = KmipResponse.Parse(node);
                if (response.FirstError is { } error) Count(report, error.ResultReason?.ToString() ?? "(no reason)");
                else report.AnsweredSuccess++;
            }
            catch (KmipException) { Count(report, "(unparsable response)"); }
        }
        if (node is not null) onResponse(node);
    }

    private static void Count(FuzzReport report, string reason) =>
        report.Reasons[reason] = report.Reasons.GetValueOrDefault(reason) + 1;

    /// <summary>A well-behaved client: one key, a Get every 100 ms on its own connection.</summary>
    private async Task CanaryAsync(FuzzReport report, object gate, CancellationToken stop)
    {
        KmipClient? client = null;
        string? id = null;
        var version = ProtocolVersion.V1_4;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    client ??= await KmipClient.ConnectAsync(options with { ReceiveTimeout = 2 * _hang }, CancellationToken.None).ConfigureAwait(false);
                    var ops = new KmipOperations(client, version);
                    id ??= await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt).ConfigureAwait(false);
                    var started = Stopwatch.GetTimestamp();
                    await ops.GetAsync(id).ConfigureAwait(false);
                    lock (gate)
                    {
                        report.CanaryProbes++;
                        report.CanarySlowestMs = Math.Max(report.CanarySlowestMs, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }
                catch (Exception ex) when (ex is KmipConnectionException or IOException or KmipException)
                {
                    lock (gate) report.CanaryFailures++;
                    if (client is not null) await client.DisposeAsync().ConfigureAwait(false);
                    client = null;
                }
                try { await Task.Delay(100, stop).ConfigureAwait(false); }
                catch (OperationCanceledException) { }
            }
        }
        finally
        {
            if (client is not null)
            {
                if (id is not null)
                    try { await new KmipOperations(client, version).DestroyAsync(id).ConfigureAwait(false); }
                    catch (Exception ex) when (ex is KmipConnectionException or IOException or KmipException) { }
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
