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

    /// <summary>How many of the keys the conversation checks made were destroyed afterwards (null: none were made).</summary>
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

    /// <summary>The first failed requirement's detail: the reason a KMS is not compatible.</summary>
    public string? Reason => Requirements.FirstOrDefault(r => r.Outcome == Outcome.Failed) is { } f ? $"{f.Id} {f.Title}: {f.Detail}" : null;
}
