using System.Diagnostics;
using Harness.Kmip.Client;
using Harness.Kmip.Vectors;
using Harness.Pki;

namespace Harness.Certification;

/// <summary>
/// <c>--vectors DIR</c>: the OASIS KMIP XML test vectors replayed against the KMS, one requirement per file (V1, V2, ...).
/// A vector that does not match is a warning, not a failure: it measures KMIP conformance, while vCenter's own needs
/// are the transport, conversation and scenario requirements (a gap there fails those rows).
/// </summary>
public static class OasisVectors
{
    public const string Area = "OASIS test vectors";

    public static async Task RunAsync(CertificationReport report, IReadOnlyList<string> files, CertifyOptions o, CancellationToken ct)
    {
        var options = KmipClientOptions.FromPki(o.Host, o.Port, new PkiPaths(o.Pki)) with
        {
            ConnectTimeout = o.ConnectTimeout,
            ReceiveTimeout = o.ReceiveTimeout,
        };
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
            var outcome = await VectorReplay.RunFileAsync(vectors, options, ct).ConfigureAwait(false);
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
}
