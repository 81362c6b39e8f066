using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;

namespace Harness.Certification;

/// <summary>Writes a certification report as report.json, report.xml (JUnit) and report.html (self-contained).</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Why the reports could not be written to <paramref name="folder"/>, or null when they can: checked before a run, so
    /// that a run never ends by losing its report. The check leaves nothing behind (a folder it had to create is removed).
    /// <paramref name="contents"/> names what goes there, for the message about a file given instead of a folder.
    /// </summary>
    public static string? CannotWriteTo(string folder, string contents = "report.html, report.json and report.xml")
    {
        var full = Path.GetFullPath(folder);
        if (File.Exists(full)) return $"{folder} is a file; give a folder for {contents}";
        var created = new List<string>();
        for (var d = full; !Directory.Exists(d); d = Path.GetDirectoryName(d)!)
        {
            if (File.Exists(d)) return $"{folder} cannot be created: {d} is a file";
            created.Insert(0, d);
        }
        try
        {
            foreach (var d in created) Directory.CreateDirectory(d);
            var probe = Path.Combine(full, $".harness-write-check-{Environment.ProcessId}");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{folder} cannot be written ({ex.Message})";
        }
        finally
        {
            foreach (var d in Enumerable.Reverse(created))
                try { if (Directory.Exists(d) && !Directory.EnumerateFileSystemEntries(d).Any()) Directory.Delete(d); }
                catch (IOException) { }
        }
    }

    public static (string Html, string Json, string JUnit) WriteAll(CertificationReport report, string folder)
    {
        Directory.CreateDirectory(folder);
        var html = Path.Combine(folder, "report.html");
        var json = Path.Combine(folder, "report.json");
        var junit = Path.Combine(folder, "report.xml");
        File.WriteAllText(json, ToJson(report));
        File.WriteAllText(junit, ToJUnit(report));
        File.WriteAllText(html, ToHtml(report));
        return (html, json, junit);
    }

    public static string ToJson(CertificationReport r) => JsonSerializer.Serialize(new
    {
        verdict = r.Verdict,
        verdictText = CertificationReport.Describe(r.Verdict),
        summary = r.Summary,
        warnings = r.Warnings.Select(w => w.Id).ToList(),
        reason = r.Reason,
        target = r.Target,
        image = r.Image is null ? null : new { tag = r.Image.Tag, id = r.Image.Id, command = r.Image.Command, mount = r.Image.Mount },
        serverVendor = r.ServerVendor,
        serverThumbprintSha1 = r.ServerThumbprintSha1,
        startedAt = r.StartedAt,
        durationSeconds = r.DurationSeconds,
        keysCleanedUp = r.KeysCleanedUp,
        harnessVersion = r.HarnessVersion,
        requirements = r.Requirements,
        latencies = r.Latencies,
    }, Json);

    /// <summary>JUnit XML; text from the KMS (details, evidence, a container's output) may hold control characters XML
    /// cannot carry, which go through <see cref="Harness.Scenarios.Reports.ReportText.Clean"/> as visible escapes.</summary>
    public static string ToJUnit(CertificationReport r)
    {
        static string X(string? text) => Harness.Scenarios.Reports.ReportText.Clean(text);
        var suites = r.Requirements.GroupBy(q => q.Area).Select(g => new XElement("testsuite",
            new XAttribute("name", g.Key),
            new XAttribute("tests", g.Count()),
            new XAttribute("failures", g.Count(q => q.Outcome == Outcome.Failed)),
            new XAttribute("skipped", g.Count(q => q.Outcome is Outcome.Skipped or Outcome.NeedsAdministrator)),
            new XAttribute("time", (g.Sum(q => q.DurationMs) / 1000).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)),
            g.Select(q => new XElement("testcase",
                new XAttribute("classname", $"certify.{g.Key}"),
                new XAttribute("name", X($"{q.Id} {q.Title}")),
                new XAttribute("time", (q.DurationMs / 1000).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)),
                q.Outcome switch
                {
                    Outcome.Failed => new XElement("failure", new XAttribute("message", X(q.Detail)), X(Evidence(q))),
                    Outcome.Skipped => new XElement("skipped", new XAttribute("message", X(q.Detail))),
                    Outcome.NeedsAdministrator => new XElement("skipped", new XAttribute("message", X("needs a KMS administrator: " + q.Detail))),
                    Outcome.Warning => new XElement("system-out", X("WARNING: " + q.Detail)),
                    _ => new XElement("system-out", X(q.Detail)),
                }))));
        var suiteList = suites.ToList();
        if (r.Image is { } image)
            foreach (var suite in suiteList)
                suite.AddFirst(new XElement("properties",
                    new XElement("property", new XAttribute("name", "image"), new XAttribute("value", image.Tag)),
                    new XElement("property", new XAttribute("name", "image.id"), new XAttribute("value", image.Id))));
        var doc = new XDocument(new XElement("testsuites",
            new XAttribute("name", $"harness certify {r.Target}{(r.Image is { } i ? $" (image {i.Tag} {i.Id})" : "")}: {CertificationReport.Describe(r.Verdict)}"),
            new XAttribute("tests", r.Requirements.Count),
            new XAttribute("failures", r.Requirements.Count(q => q.Outcome == Outcome.Failed)),
            suiteList));
        return doc.ToString();
    }

    private static string Evidence(RequirementResult q) => string.Join("\n\n", q.Evidence.Select(e =>
        $"{e.Title}\n{(e.Steps is null ? "" : string.Join("\n", e.Steps) + "\n")}{e.Text}{(e.Request is null ? "" : "\nrequest:\n" + e.Request)}{(e.Response is null ? "" : "\nresponse:\n" + e.Response)}".TrimEnd()));

    public static string ToHtml(CertificationReport r)
    {
        static string H(string? s) => WebUtility.HtmlEncode(s ?? "");
        var verdictClass = r.Verdict switch { Verdict.Compatible => "ok", Verdict.CompatibleWithWarnings => "warn", _ => "bad" };
        var sb = new StringBuilder();
        sb.Append($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>KMS certification: {{H(r.Target)}}: {{H(CertificationReport.Describe(r.Verdict))}}</title>
            <style>
            body { font:14px/1.45 system-ui, sans-serif; margin:24px auto; max-width:1100px; color:#1f2933; padding:0 16px; }
            h1 { font-size:22px; margin:0 0 4px; } .meta { color:#5b6472; }
            .verdict { display:inline-block; font-size:20px; font-weight:700; padding:6px 14px; border-radius:6px; margin:12px 0; }
            .verdict.ok { background:#eaf6ee; color:#1d7a3a; } .verdict.warn { background:#fff4e5; color:#b54708; } .verdict.bad { background:#fdecea; color:#b42318; }
            table { border-collapse:collapse; width:100%; margin:8px 0 20px; } th, td { text-align:left; padding:5px 8px; border-bottom:1px solid #e4e7eb; vertical-align:top; }
            th { background:#f3f5f7; font-size:12px; color:#5b6472; }
            .outcome { font-weight:600; white-space:nowrap; } .Passed { color:#1d7a3a; } .Warning, .NeedsAdministrator { color:#b54708; } .Failed { color:#b42318; } .Skipped { color:#6b7280; }
            details { margin:2px 0; } summary { cursor:pointer; color:#1f5fbf; }
            pre { background:#f6f7f9; border:1px solid #e4e7eb; padding:6px; overflow:auto; font-size:12px; max-height:360px; }
            </style></head><body>
            <h1>KMS certification for vSphere VM Encryption</h1>
            <div class="meta">KMS {{H(r.Target)}}{{(r.ServerVendor is null ? "" : $" ({H(r.ServerVendor)})")}} · server certificate SHA-1 {{H(r.ServerThumbprintSha1 ?? "unknown")}} · {{r.StartedAt:u}} · {{r.DurationSeconds}} s{{(r.KeysCleanedUp is { } k ? $" · {CertificationReport.CleanUpText(k)}" : "")}} · Harness {{H(r.HarnessVersion)}}</div>
            {{(r.Image is null ? "" : $"<div class=\"meta\" id=\"image\">Container image <b>{H(r.Image.Tag)}</b> · image id {H(r.Image.Id)}{(r.Image.Command is { Count: > 0 } c ? $" · command {H(string.Join(' ', c))}" : "")}{(r.Image.Mount is { } m ? $" · mount {H(m)}" : "")}</div>")}}
            <div class="verdict {{verdictClass}}" id="verdict" data-verdict="{{r.Verdict}}">{{H(CertificationReport.Describe(r.Verdict))}}</div>
            <p id="summary">{{H(r.Summary)}}</p>
            {{(r.Reason is null ? "" : $"<p id=\"reason\"><b>Why:</b> {H(r.Reason)}</p>")}}
            <table id="requirements"><thead><tr><th>#</th><th>Requirement</th><th>Outcome</th><th>What happened, and the evidence</th></tr></thead><tbody>
            """);
        foreach (var q in r.Requirements)
        {
            sb.Append($"<tr class=\"requirement\" data-id=\"{H(q.Id)}\" data-outcome=\"{q.Outcome}\"><td>{H(q.Id)}</td><td>{H(q.Title)}<div class=\"meta\">{H(q.Area)}</div></td>");
            sb.Append($"<td class=\"outcome {q.Outcome}\">{H(q.Outcome == Outcome.NeedsAdministrator ? "Needs a KMS administrator" : q.Outcome.ToString())}</td><td><div class=\"detail\">{H(q.Detail)}</div>");
            foreach (var e in q.Evidence)
            {
                sb.Append($"<details class=\"evidence\"><summary>{H(e.Title)}</summary>");
                if (e.Steps is not null) sb.Append($"<pre class=\"steps\">{H(string.Join("\n", e.Steps))}</pre>");
                if (e.Text is not null) sb.Append($"<pre>{H(e.Text)}</pre>");
                if (e.Request is not null) sb.Append($"<div>request</div><pre class=\"request\">{H(e.Request)}</pre>");
                if (e.Response is not null) sb.Append($"<div>response</div><pre class=\"response\">{H(e.Response)}</pre>");
                sb.Append("</details>");
            }
            sb.Append("</td></tr>\n");
        }
        sb.Append("</tbody></table>");
        if (r.Latencies.Count > 0)
        {
            sb.Append("<h2>Latency of each operation</h2><table id=\"latency\"><thead><tr><th>Operation</th><th>Samples</th><th>p50 (ms)</th><th>p99 (ms)</th></tr></thead><tbody>");
            foreach (var l in r.Latencies) sb.Append($"<tr><td>{H(l.Operation)}</td><td>{l.Samples}</td><td>{l.P50Ms}</td><td>{l.P99Ms}</td></tr>");
            sb.Append("</tbody></table>");
        }
        sb.Append("<p class=\"meta\">Passed: the KMS does what vCenter needs. Warning: vCenter still works, with the limitation stated. Needs a KMS administrator: the step could not be run without one. Failed: vCenter would not work as expected.</p></body></html>\n");
        return sb.ToString();
    }
}
