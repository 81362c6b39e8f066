using System.Diagnostics;
using Harness.Kmip.Client;
using Harness.Kmip.Vectors;

namespace Harness.Certification;

/// <summary>
/// <c>--vectors DIR</c>: the OASIS KMIP XML test vectors replayed against the KMS, one requirement per file (V1, V2, ...).
/// A vector that does not match is a warning, not a failure: it measures KMIP conformance, while vCenter's own needs
/// are the transport, conversation and scenario requirements (a gap there fails those rows).
/// </summary>
public static class OasisVectors
{
    public const string Area = "OASIS test vectors";

    /// <param name="options">how the other checks connect (vCenter's way: the server certificate accepted as presented, no
    /// name check). The vectors' messages carry their own headers, so a KMS that wants a username/password refuses them.</param>
    /// <param name="onResponse">sees every response (the certifier notes the objects made, to destroy them afterwards).</param>
    public static async Task RunAsync(CertificationReport report, IReadOnlyList<string> files, KmipClientOptions options,
        Action<KmipResponse> onResponse, CancellationToken ct)
    {
        int n = 0;
        foreach (var file in files)
        {
            ct.ThrowIfCancellationRequested();
            var r = new RequirementResult($"V{++n}", Area, Path.GetFileName(file));
            var clock = Stopwatch.StartNew();
            VectorFile vectors;
            try { vectors = VectorFile.Load(file); }
            catch (FormatException ex)
            {
                r.Outcome = Outcome.Skipped;
                r.Detail = $"the vector file cannot be read: {ex.Message}";
                report.Requirements.Add(r);
                continue;
            }
            var outcome = await VectorReplay.RunFileAsync(vectors, options, ct, response =>
            {
                try { onResponse(KmipResponse.Parse(response)); }
                catch (Exception e) when (e is Harness.Kmip.KmipException or Harness.Kmip.TtlvFormatException) { /* an odd answer: the comparison reports it */ }
            }).ConfigureAwait(false);
            r.DurationMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
            if (outcome.Passed)
            {
                r.Detail = $"every response matched the vector ({outcome.Steps} steps)";
            }
            else
            {
                r.Outcome = Outcome.Warning;
                r.Detail = $"the KMS differs from the OASIS vector at {outcome.Reason}; a KMIP conformance gap, which vCenter only feels if the " +
                           "transport, conversation or scenario rows fail too";
                if (outcome.Request is not null)
                    r.Evidence.Add(new Evidence("The first exchange that differs") { Request = outcome.Request, Response = outcome.Response ?? "(no response)" });
            }
            report.Requirements.Add(r);
        }
    }

    /// <summary>Rows for vector files that could not run, skipped with the reason.</summary>
    public static void Skip(CertificationReport report, IReadOnlyList<string> files, string why)
    {
        for (int i = 0; i < files.Count; i++)
            report.Requirements.Add(new RequirementResult($"V{i + 1}", Area, Path.GetFileName(files[i])) { Outcome = Outcome.Skipped, Detail = why });
    }
}
