using System.Text.Json.Serialization;

namespace Harness.Certification;

/// <summary>How one requirement went. Warning: vCenter still works (it tolerates the gap); NeedsAdministrator: a KMS
/// administrator step could not be run, so the requirement is not proven either way.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Outcome>))]
public enum Outcome { Passed, Warning, Failed, NeedsAdministrator, Skipped }

[JsonConverter(typeof(JsonStringEnumConverter<Verdict>))]
public enum Verdict { Compatible, CompatibleWithWarnings, NotCompatible }

/// <summary>What backs a requirement's outcome: a KMIP exchange as TTLV dumps, a TLS observation, or scenario steps.</summary>
public sealed record Evidence(string Title)
{
    public string? Request { get; init; }
    public string? Response { get; init; }
    public string? Text { get; init; }
    public IReadOnlyList<string>? Steps { get; init; }
}

/// <summary>One row of the report.</summary>
public sealed class RequirementResult(string id, string area, string title)
{
    public string Id { get; } = id;
    public string Area { get; } = area;
    public string Title { get; } = title;
    public Outcome Outcome { get; set; } = Outcome.Passed;
    /// <summary>What happened, in a sentence a customer understands; for a warning or failure, what is missing and what it means for vCenter.</summary>
    public string Detail { get; set; } = "";
    public double DurationMs { get; set; }
    public List<Evidence> Evidence { get; } = [];
}

public sealed record LatencyFigure(string Operation, int Samples, double P50Ms, double P99Ms);

/// <summary>The whole run: target, verdict and one row per requirement.</summary>
public sealed class CertificationReport
{
    public required string Target { get; init; }
    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;
    public double DurationSeconds { get; set; }

    /// <summary>
    /// How many objects the run made on the KMS and destroyed again (the conversation checks', the vectors' and the
    /// recovery scenarios'), as the KMS under test counted them in one place (<c>ExternalKms.KeysCleanedUp</c>); null
    /// when the KMS was never reached. The console, report.json and report.html all show this number.
    /// </summary>
    public int? KeysCleanedUp { get; set; }
    public string? ServerVendor { get; set; }
    public string? ServerThumbprintSha1 { get; set; }
    /// <summary>With `--image`: the container image that was certified (tag and local image id).</summary>
    public ContainerImage? Image { get; set; }
    public List<RequirementResult> Requirements { get; } = [];
    public List<LatencyFigure> Latencies { get; } = [];
    public string HarnessVersion { get; init; } = typeof(CertificationReport).Assembly.GetName().Version?.ToString() ?? "?";

    public Verdict Verdict =>
        Requirements.Any(r => r.Outcome == Outcome.Failed) ? Verdict.NotCompatible
        : Requirements.Any(r => r.Outcome is Outcome.Warning or Outcome.NeedsAdministrator) ? Verdict.CompatibleWithWarnings
        : Verdict.Compatible;

    public static string Describe(Verdict v) => v switch
    {
        Verdict.Compatible => "Compatible",
        Verdict.CompatibleWithWarnings => "Compatible with warnings",
        _ => "Not compatible",
    };

    /// <summary>The requirements that hold a warning: vCenter works, but something is missing or could not be proven.</summary>
    public IReadOnlyList<RequirementResult> Warnings => Requirements.Where(r => r.Outcome is Outcome.Warning or Outcome.NeedsAdministrator).ToList();

    /// <summary>
    /// The verdict with its warnings summed up, as the console and every report show it: "Compatible",
    /// "Compatible with 2 warnings: C9 Add Attribute; R3 A deactivated key … (needs a KMS administrator)",
    /// "Not compatible (T1 …: refused) with 1 warning: …".
    /// </summary>
    public string Summary
    {
        get
        {
            var verdict = Verdict == Verdict.NotCompatible ? $"Not compatible ({Reason})" : "Compatible";
            var warnings = Warnings;
            if (warnings.Count == 0) return verdict;
            var list = string.Join("; ", warnings.Select(w => $"{w.Id} {w.Title}{(w.Outcome == Outcome.NeedsAdministrator ? " (needs a KMS administrator)" : "")}"));
            return $"{verdict} with {warnings.Count} warning{(warnings.Count == 1 ? "" : "s")}: {list}";
        }
    }

    /// <summary>"41 test objects destroyed afterwards": the one wording of <see cref="KeysCleanedUp"/>.</summary>
    public static string CleanUpText(int cleaned) => $"{cleaned} test object{(cleaned == 1 ? "" : "s")} destroyed afterwards";

    /// <summary>The first failed requirement's detail: the reason a KMS is not compatible.</summary>
    public string? Reason => Requirements.FirstOrDefault(r => r.Outcome == Outcome.Failed) is { } f ? $"{f.Id} {f.Title}: {f.Detail}" : null;
}
