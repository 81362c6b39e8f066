using Harness.Kmip.Vectors;

namespace Harness.Kmip.Client;

/// <summary>How one vector file went against a server: passed, or the first difference (with the exchange as TTLV dumps).</summary>
public sealed record VectorReplayOutcome(bool Passed, int Steps, string? Reason, string? Request = null, string? Response = null)
{
    /// <summary>The failing exchange, request then response, as TTLV dumps (null when it passed or nothing was exchanged).</summary>
    public string? Detail => Request is null ? null : $"--- request\n{Request}--- response\n{Response ?? "(none)"}";
}

/// <summary>
/// Replays an OASIS KMIP XML test vector file against a server on a fresh connection, on the options' transport and
/// in their encoding (TTLV over TLS; TTLV, XML or JSON over HTTPS): the vectors' requests go out in that encoding, and
/// the responses are decoded back to TTLV nodes for comparison.
/// </summary>
public static class VectorReplay
{
    /// <param name="onResponse">sees every response as it arrives (e.g. to note the objects the vectors made).</param>
    public static async Task<VectorReplayOutcome> RunFileAsync(VectorFile vectors, KmipClientOptions options, CancellationToken ct = default,
        Action<TtlvNode>? onResponse = null)
    {
        IKmipMessageClient client;
        try { client = await KmipTransports.ConnectAsync(options, ct).ConfigureAwait(false); }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or TimeoutException or KmipException
                                       or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return new VectorReplayOutcome(false, 0, $"cannot connect to {options.Endpoint}: {ex.Message}");
        }
        await using (client)
        {
            try
            {
                // The runner is synchronous by design (no I/O in Harness.Kmip); the exchange blocks on the client.
                var result = await Task.Run(() => VectorRunner.Run(vectors, request =>
                {
                    var response = client.SendAsync(request, ct).GetAwaiter().GetResult();
                    onResponse?.Invoke(response);
                    return response;
                }), ct).ConfigureAwait(false);
                if (result.Passed) return new VectorReplayOutcome(true, result.StepCount, null);
                var f = result.Failure!;
                var step = result.Steps.FirstOrDefault(s => s.StepIndex == f.StepIndex);
                return new VectorReplayOutcome(false, result.StepCount, f.ToString(),
                    step is null ? null : TtlvDump.Format(step.Request), step?.Response is null ? null : TtlvDump.Format(step.Response));
            }
            catch (Exception ex) when (ex is IOException or KmipException or TimeoutException or FormatException or InvalidOperationException or OperationCanceledException)
            {
                return new VectorReplayOutcome(false, 0, $"{ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    /// <summary>The .xml files of the given files and folders (folders recursively, in ordinal order).</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var p in paths)
        {
            if (Directory.Exists(p)) files.AddRange(Directory.EnumerateFiles(p, "*.xml", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
            else if (File.Exists(p)) files.Add(p);
            else throw new FileNotFoundException($"{p} is neither a file nor a folder", p);
        }
        return files;
    }
}
