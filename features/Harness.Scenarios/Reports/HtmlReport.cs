using System.Globalization;
using System.Net;
using System.Text;

namespace Harness.Scenarios.Reports;

/// <summary>
/// One self-contained HTML page (CSS and script inline, nothing fetched): a summary with the verdict
/// ("3 passed, 1 failed"), the feature files that do not parse (file:line:column), links to the failures, then
/// feature → scenario → step, each step with its keyword, text, status (in words as well as colour), duration and
/// binding. Scenarios fold (details/summary); the ones that did not pass are open. A failing step is
/// <c>&lt;li class="step failed" data-status="failed"&gt;</c> with its error message and detail in &lt;pre&gt;; an
/// undefined step shows the closest phrases and a binding to paste. Everything from the feature files is escaped.
/// </summary>
public static class HtmlReport
{
    /// <summary>Writes the page to a file (UTF-8), creating its directory.</summary>
    public static void Write(RunResult run, string path)
    {
        ArgumentNullException.ThrowIfNull(run);
        ReportText.CreateDirectoryOf(path);
        File.WriteAllText(path, Render(run), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    /// <summary>Writes the page to <paramref name="output"/>, which stays open.</summary>
    public static void Write(RunResult run, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(Render(run));
        output.Flush();
    }

    /// <summary>The page as a string.</summary>
    public static string Render(RunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var page = new Page();
        page.Run(run);
        return page.ToString();
    }

    private static string E(string? text) => WebUtility.HtmlEncode(ReportText.Clean(text));

    private static string Word(StepStatus s) => ReportText.Word(s);

    private static string Symbol(StepStatus s) => s switch
    {
        StepStatus.Passed => "✓",
        StepStatus.Failed => "✗",
        StepStatus.Undefined => "?",
        StepStatus.Ambiguous => "⁇",
        StepStatus.Pending => "…",
        _ => "–",
    };

    private static string Badge(StepStatus s) =>
        $"<span class=\"badge {Word(s)}\"><span aria-hidden=\"true\">{Symbol(s)}</span> {Word(s)}</span>";

    private sealed class Page
    {
        private readonly StringBuilder _html = new();
        private readonly List<(string Anchor, string Scenario, string Summary, StepStatus Status)> _failures = [];

        public override string ToString() => _html.ToString();

        private Page Add(string s)
        {
            _html.Append(s);
            return this;
        }

        private Page Line(string s)
        {
            _html.Append(s).Append('\n');
            return this;
        }

        public void Run(RunResult run)
        {
            var scenarios = run.Scenarios.ToList();
            var parseErrors = run.Features.Where(f => f.Feature.Error is not null).Select(f => f.Feature).ToList();
            var verdict = $"{run.Passed} passed, {run.Failed} failed" + (run.Skipped > 0 ? $", {run.Skipped} skipped" : "");
            bool ok = run.Failed == 0;

            // The scenarios are rendered first (into a second buffer) so that the list of failures can go on top.
            var body = new Page();
            int featureIndex = 0;
            foreach (var feature in run.Features)
            {
                featureIndex++;
                if (feature.Feature.Error is null) body.Feature(feature, featureIndex);
            }
            _failures.AddRange(body._failures);

            Line("<!DOCTYPE html>");
            Line("<html lang=\"en\">");
            Line("<head>");
            Line("<meta charset=\"utf-8\">");
            Line("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
            Line("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">");
            Line($"<title>Scenarios: {E(verdict)}</title>");
            Line($"<style>{Css}</style>");
            Line("</head>");
            Line($"<body class=\"{(ok ? "run-passed" : "run-failed")}\">");
            Line("<header class=\"page-header\">");
            Line("<h1>Scenario report</h1>");
            var started = run.StartedAt != default ? run.StartedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'zzz", CultureInfo.InvariantCulture) : null;
            Line($"<p class=\"meta\">{(started is null ? "" : $"Started {E(started)} · ")}took {E(ReportText.Human(run.Duration))} · {run.Features.Count} feature file{(run.Features.Count == 1 ? "" : "s")}</p>");
            Line("</header>");
            Line("<main>");

            // Summary.
            Line("<section id=\"summary\" aria-labelledby=\"summary-title\">");
            Line("<h2 id=\"summary-title\">Summary</h2>");
            Line($"<p id=\"verdict\" class=\"verdict {(ok ? "passed" : "failed")}\" role=\"status\">{Badge(ok ? StepStatus.Passed : StepStatus.Failed)} <span class=\"verdict-text\">{E(verdict)}</span></p>");
            Line("<dl class=\"counts\">");
            Count("scenarios", "Scenarios", scenarios.Count);
            Count("passed", "Passed", run.Passed);
            Count("failed", "Failed", run.Failed);
            Count("skipped", "Skipped", run.Skipped);
            if (parseErrors.Count > 0) Count("parse-errors", "Syntax errors", parseErrors.Count);
            var steps = scenarios.SelectMany(s => s.Steps).ToList();
            Count("steps", "Steps", steps.Count);
            foreach (var status in new[] { StepStatus.Undefined, StepStatus.Ambiguous, StepStatus.Pending })
                if (steps.Count(s => s.Status == status) is var n and > 0) Count(Word(status), $"{char.ToUpperInvariant(Word(status)[0])}{Word(status)[1..]} steps", n);
            Count("duration", "Duration", ReportText.Human(run.Duration));
            Line("</dl>");
            Line("<div class=\"toolbar\" role=\"group\" aria-label=\"Scenario view\">");
            Line("<button type=\"button\" id=\"expand-all\">Expand all</button>");
            Line("<button type=\"button\" id=\"collapse-all\">Collapse all</button>");
            Line("<label><input type=\"checkbox\" id=\"only-problems\"> Show only scenarios that did not pass</label>");
            Line("</div>");
            Line("</section>");

            if (parseErrors.Count > 0)
            {
                Line("<section id=\"parse-errors\" class=\"problems\" aria-labelledby=\"parse-errors-title\">");
                Line($"<h2 id=\"parse-errors-title\">Feature files that do not parse ({parseErrors.Count})</h2>");
                Line("<ul>");
                foreach (var f in parseErrors)
                {
                    var error = f.Error!;
                    Line($"<li class=\"parse-error\" data-status=\"failed\"><code class=\"location\">{E($"{error.Uri}:{error.Line}:{error.Column}")}</code>: <span class=\"message\">{E(error.Message)}</span>");
                    if (ReportText.Excerpt(f.Source, error) is { } excerpt) Line($"<pre class=\"excerpt\">{E(excerpt)}</pre>");
                    Line("</li>");
                }
                Line("</ul>");
                Line("</section>");
            }

            if (_failures.Count > 0)
            {
                Line("<section id=\"failures\" class=\"problems\" aria-labelledby=\"failures-title\">");
                Line($"<h2 id=\"failures-title\">Scenarios that did not pass ({_failures.Count})</h2>");
                Line("<ol>");
                foreach (var (anchor, scenario, summary, status) in _failures)
                    Line($"<li data-status=\"{Word(status)}\">{Badge(status)} <a href=\"#{anchor}\">{E(scenario)}</a><br><span class=\"failure-summary\">{E(summary)}</span></li>");
                Line("</ol>");
                Line("</section>");
            }

            Add(body.ToString());
            Line("</main>");
            Line($"<script>{Script}</script>");
            Line("</body>");
            Line("</html>");
        }

        private void Count(string key, string label, object value) =>
            Line($"<div class=\"count {key}\"><dt>{E(label)}</dt><dd data-count=\"{key}\">{E(Convert.ToString(value, CultureInfo.InvariantCulture))}</dd></div>");

        private void Feature(FeatureResult result, int index)
        {
            var feature = result.Feature;
            var status = result.Scenarios.Select(s => s.Status).Concat(result.Hooks.Select(h => h.Status))
                .Where(s => s != StepStatus.Skipped).DefaultIfEmpty(result.Scenarios.Count > 0 ? StepStatus.Skipped : StepStatus.Passed).Max();
            var id = $"feature-{index}";
            Line($"<section class=\"feature {Word(status)}\" id=\"{id}\" data-status=\"{Word(status)}\" aria-labelledby=\"{id}-title\">");
            Line($"<h2 id=\"{id}-title\">{Badge(status)} <span class=\"keyword\">{E(feature.Document?.Feature?.Keyword ?? "Feature")}:</span> <span class=\"name\">{E(feature.Name)}</span></h2>");
            Line($"<p class=\"meta\"><code class=\"location\">{E(feature.Uri)}:{feature.Line}</code> · {result.Scenarios.Count} scenario{(result.Scenarios.Count == 1 ? "" : "s")} · {E(ReportText.Human(result.Duration))}</p>");
            if (feature.Tags.Count > 0) Tags(feature.Tags);
            if (feature.Description.Length > 0) Line($"<p class=\"description\">{E(feature.Description)}</p>");
            if (result.Hooks.Count > 0)
            {
                Line("<ol class=\"steps feature-hooks\">");
                int h = 0;
                foreach (var hook in result.Hooks) Hook(hook, $"{id}-hook-{++h}");
                Line("</ol>");
            }
            int s = 0;
            foreach (var scenario in result.Scenarios) Scenario(scenario, $"scenario-{index}-{++s}");
            Line("</section>");
        }

        private void Tags(IEnumerable<string> tags) =>
            Line($"<p class=\"tags\">{string.Join(" ", tags.Select(t => $"<span class=\"tag\">{E(t)}</span>"))}</p>");

        private void Scenario(ScenarioResult result, string id)
        {
            var definition = result.Scenario;
            var status = result.Status;
            bool open = status is not (StepStatus.Passed or StepStatus.Skipped);
            Line($"<details class=\"scenario {Word(status)}\" id=\"{id}\" data-status=\"{Word(status)}\"{(open ? " open" : "")}>");
            Line($"<summary>{Badge(status)} <span class=\"name\">{E(definition.DisplayName)}</span> <code class=\"location\">{E(definition.Location)}</code> <span class=\"duration\">{E(ReportText.Human(result.Duration))}</span></summary>");
            Line("<div class=\"scenario-body\">");
            if (definition.Rule is not null) Line($"<p class=\"rule\">Rule: {E(definition.Rule)}</p>");
            if (definition.ExampleRow is not null) Line($"<p class=\"example-row\">Example: {E(definition.ExampleRow)}</p>");
            if (definition.Tags.Count > 0) Tags(definition.Tags);
            if (result.SkippedBecause is not null) Line($"<p class=\"skip-reason\">Not run: {E(result.SkippedBecause)}</p>");

            Line("<ol class=\"steps\">");
            int n = 0;
            string? firstProblem = null;
            foreach (var hook in result.BeforeHooks)
            {
                var hid = $"{id}-hook-{++n}";
                if (ReportText.IsProblem(hook.Status)) firstProblem ??= hid;
                Hook(hook, hid);
            }
            var byPickleStep = new Dictionary<string, StepResult>();
            foreach (var r in result.Steps) byPickleStep.TryAdd(r.Step.PickleStepId, r);
            foreach (var step in definition.Steps)
            {
                var sid = $"{id}-step-{++n}";
                byPickleStep.TryGetValue(step.PickleStepId, out var r);
                if (r is not null && ReportText.IsProblem(r.Status)) firstProblem ??= sid;
                Step(step, r, sid);
            }
            foreach (var hook in result.AfterHooks)
            {
                var hid = $"{id}-hook-{++n}";
                if (ReportText.IsProblem(hook.Status)) firstProblem ??= hid;
                Hook(hook, hid);
            }
            Line("</ol>");
            Line("</div>");
            Line("</details>");

            if (open && ReportText.FirstProblem(result) is { } problem)
                _failures.Add((firstProblem ?? id, $"{definition.DisplayName} ({definition.Location})", problem.Summary, problem.Status));
        }

        private void Step(ScenarioStep step, StepResult? result, string id)
        {
            var status = result?.Status ?? StepStatus.Skipped;
            var word = Word(status);
            Line($"<li class=\"step {word}\" id=\"{id}\" data-status=\"{word}\" data-line=\"{step.Line}\">");
            Line($"<div class=\"step-line\">{Badge(status)} <span class=\"keyword\">{E(step.Keyword.Trim())}</span> <span class=\"text\">{E(step.Text)}</span>"
                 + $" <span class=\"duration\">{E(ReportText.Human(result?.Duration ?? TimeSpan.Zero))}</span></div>");
            var origin = step.FromBackground ? " (background)" : "";
            Line($"<div class=\"step-meta\"><code class=\"location\">line {step.Line}</code>{origin}"
                 + (result?.Binding is { } b ? $" · binding <code class=\"binding\" title=\"{E(b.Expression)}\">{E(b.Method)}</code> <code class=\"binding-location\">{E(b.Location)}</code>" : "")
                 + "</div>");
            if (step.Table is { } table) Table(table);
            if (step.DocString is { } doc)
                Line($"<pre class=\"docstring\"{(doc.MediaType is null ? "" : $" data-media-type=\"{E(doc.MediaType)}\"")}>{E(doc.Content)}</pre>");
            if (result is not null && ReportText.IsProblem(status))
            {
                Line($"<div class=\"error\" role=\"alert\">");
                Line($"<pre class=\"error-message\">{E(ReportText.StepMessage(result))}</pre>");
                if (!string.IsNullOrEmpty(result.ErrorDetail)) Line($"<pre class=\"error-detail\">{E(result.ErrorDetail)}</pre>");
                if (result.AmbiguousWith is { Count: > 0 } ambiguous)
                {
                    Line("<p>These bindings all match:</p><ul class=\"bindings\">");
                    foreach (var a in ambiguous) Line($"<li><code>{E(a.Expression)}</code> — {E(a.Method)} <code>{E(a.Location)}</code></li>");
                    Line("</ul>");
                }
                if (result.Undefined is { } help)
                {
                    if (help.Closest.Count > 0)
                    {
                        Line("<p>Closest phrases:</p><ul class=\"closest\">");
                        foreach (var c in help.Closest) Line($"<li><code>{E(c.Expression)}</code> — {E(c.Method)} <code>{E(c.Location)}</code></li>");
                        Line("</ul>");
                    }
                    if (!string.IsNullOrEmpty(help.Snippet))
                        Line($"<p>Add a binding:</p><pre class=\"snippet\"><code>{E(help.Snippet)}</code></pre>");
                }
                Line("</div>");
            }
            else if (result?.ErrorMessage is { Length: > 0 } note)
            {
                Line($"<pre class=\"note\">{E(note)}</pre>");
            }
            Line("</li>");
        }

        private void Hook(HookResult hook, string id)
        {
            var word = Word(hook.Status);
            Line($"<li class=\"hook {word}\" id=\"{id}\" data-status=\"{word}\">");
            Line($"<div class=\"step-line\">{Badge(hook.Status)} <span class=\"keyword\">{E(hook.Kind)}</span> <span class=\"text\">{E(hook.Binding.Method)}</span>"
                 + $" <span class=\"duration\">{E(ReportText.Human(hook.Duration))}</span></div>");
            Line($"<div class=\"step-meta\">hook <code class=\"binding-location\">{E(hook.Binding.Location)}</code>"
                 + (string.IsNullOrWhiteSpace(hook.Binding.Expression) ? "" : $" · tags <code>{E(hook.Binding.Expression)}</code>") + "</div>");
            if (ReportText.IsProblem(hook.Status))
            {
                Line("<div class=\"error\" role=\"alert\">");
                Line($"<pre class=\"error-message\">{E(hook.ErrorMessage ?? word)}</pre>");
                if (!string.IsNullOrEmpty(hook.ErrorDetail)) Line($"<pre class=\"error-detail\">{E(hook.ErrorDetail)}</pre>");
                Line("</div>");
            }
            Line("</li>");
        }

        private void Table(DataTable table)
        {
            Line("<table class=\"datatable\"><tbody>");
            foreach (var row in table.Rows) Line("<tr>" + string.Concat(row.Select(c => $"<td>{E(c)}</td>")) + "</tr>");
            Line("</tbody></table>");
        }
    }

    private const string Css = """

:root { --fg:#1b1f24; --muted:#57606a; --bg:#ffffff; --panel:#f6f8fa; --border:#d0d7de;
  --passed:#1a7f37; --passed-bg:#dafbe1; --failed:#b3261e; --failed-bg:#ffebe9; --skipped:#57606a; --skipped-bg:#eaeef2;
  --undefined:#8a4600; --undefined-bg:#fff1e5; --pending:#7d5b00; --pending-bg:#fff8c5; --ambiguous:#8250df; --ambiguous-bg:#fbefff; }
@media (prefers-color-scheme: dark) {
  :root { --fg:#e6edf3; --muted:#9da7b3; --bg:#0d1117; --panel:#161b22; --border:#30363d;
    --passed:#56d364; --passed-bg:#12261e; --failed:#ff7b72; --failed-bg:#2d1214; --skipped:#9da7b3; --skipped-bg:#1f242b;
    --undefined:#ffa657; --undefined-bg:#2b1d0e; --pending:#e3b341; --pending-bg:#2a230c; --ambiguous:#d2a8ff; --ambiguous-bg:#231a33; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
.page-header, main { max-width: 1100px; margin: 0 auto; padding: 0 1rem; }
h1 { margin: 1rem 0 .2rem; font-size: 1.6rem; }
h2 { font-size: 1.2rem; margin: .3rem 0; }
.meta { color: var(--muted); margin: .2rem 0; }
code, pre { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { white-space: pre-wrap; word-break: break-word; margin: .4rem 0; padding: .5rem .7rem; background: var(--panel); border: 1px solid var(--border); border-radius: 6px; }
#summary, .problems, .feature { border: 1px solid var(--border); border-radius: 8px; padding: .8rem 1rem; margin: 1rem 0; }
.verdict { font-size: 1.3rem; font-weight: 600; margin: .2rem 0 .6rem; }
.counts { display: flex; flex-wrap: wrap; gap: .5rem; margin: 0 0 .6rem; }
.count { background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: .3rem .7rem; min-width: 6.5rem; }
.count dt { color: var(--muted); font-size: .8rem; } .count dd { margin: 0; font-size: 1.15rem; font-weight: 600; }
.count.passed dd { color: var(--passed); } .count.failed dd, .count.parse-errors dd { color: var(--failed); }
.toolbar { display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; }
button { font: inherit; padding: .2rem .7rem; border: 1px solid var(--border); border-radius: 6px; background: var(--panel); color: var(--fg); cursor: pointer; }
button:focus-visible, summary:focus-visible, a:focus-visible, input:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
.problems { border-color: var(--failed); background: var(--failed-bg); }
.problems ul, .problems ol { margin: .3rem 0; padding-left: 1.4rem; } .problems li { margin: .3rem 0; }
.failure-summary { color: var(--fg); font-size: .9rem; }
a { color: inherit; }
.badge { display: inline-block; font-size: .78rem; font-weight: 700; padding: 0 .45rem; border-radius: 999px; border: 1px solid currentColor; white-space: nowrap; vertical-align: .1em; }
.badge.passed { color: var(--passed); background: var(--passed-bg); } .badge.failed { color: var(--failed); background: var(--failed-bg); }
.badge.skipped { color: var(--skipped); background: var(--skipped-bg); } .badge.undefined { color: var(--undefined); background: var(--undefined-bg); }
.badge.pending { color: var(--pending); background: var(--pending-bg); } .badge.ambiguous { color: var(--ambiguous); background: var(--ambiguous-bg); }
.feature { border-left: 6px solid var(--border); } .feature.passed { border-left-color: var(--passed); } .feature.failed { border-left-color: var(--failed); }
.feature.undefined { border-left-color: var(--undefined); } .feature.pending { border-left-color: var(--pending); } .feature.ambiguous { border-left-color: var(--ambiguous); }
.description { white-space: pre-wrap; color: var(--muted); }
.tag { display: inline-block; font-size: .8rem; padding: 0 .4rem; margin-right: .2rem; border-radius: 4px; background: var(--panel); border: 1px solid var(--border); }
details.scenario { border: 1px solid var(--border); border-radius: 6px; margin: .5rem 0; background: var(--bg); }
details.scenario > summary { cursor: pointer; padding: .4rem .6rem; list-style-position: inside; }
details.scenario[open] > summary { border-bottom: 1px solid var(--border); }
details.scenario.failed, details.scenario.undefined, details.scenario.ambiguous, details.scenario.pending { border-color: var(--failed); }
summary .name { font-weight: 600; } .location, .duration, .binding-location { color: var(--muted); } .duration { float: right; font-size: .85rem; }
.scenario-body { padding: .3rem .8rem .6rem; }
.skip-reason { color: var(--skipped); font-style: italic; }
ol.steps { list-style: none; padding: 0; margin: .3rem 0; }
.step, .hook { padding: .3rem .5rem; margin: .2rem 0; border-left: 4px solid transparent; border-radius: 4px; }
.step.passed, .hook.passed { border-left-color: var(--passed); } .step.skipped, .hook.skipped { border-left-color: var(--border); color: var(--muted); }
.step.failed, .hook.failed { border-left-color: var(--failed); background: var(--failed-bg); }
.step.undefined { border-left-color: var(--undefined); background: var(--undefined-bg); }
.step.pending { border-left-color: var(--pending); background: var(--pending-bg); }
.step.ambiguous { border-left-color: var(--ambiguous); background: var(--ambiguous-bg); }
.step .keyword, .hook .keyword { font-weight: 700; }
.step-meta { font-size: .82rem; color: var(--muted); margin-left: .2rem; }
.error pre { border-color: var(--failed); background: var(--bg); }
.error-message { font-weight: 600; }
table.datatable { border-collapse: collapse; margin: .3rem 0 .3rem 1.5rem; font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table.datatable td { border: 1px solid var(--border); padding: .1rem .5rem; }
.docstring { margin-left: 1.5rem; }
.hidden-by-filter { display: none; }
@media print { .toolbar { display: none; } details.scenario { break-inside: avoid; } }

""";

    private const string Script = """

(function () {
  var all = function () { return Array.prototype.slice.call(document.querySelectorAll('details.scenario')); };
  document.getElementById('expand-all').addEventListener('click', function () { all().forEach(function (d) { d.open = true; }); });
  document.getElementById('collapse-all').addEventListener('click', function () { all().forEach(function (d) { d.open = false; }); });
  document.getElementById('only-problems').addEventListener('change', function (e) {
    var only = e.target.checked;
    all().forEach(function (d) {
      var s = d.getAttribute('data-status');
      d.classList.toggle('hidden-by-filter', only && (s === 'passed' || s === 'skipped'));
    });
    Array.prototype.slice.call(document.querySelectorAll('section.feature')).forEach(function (f) {
      var s = f.getAttribute('data-status');
      f.classList.toggle('hidden-by-filter', only && (s === 'passed' || s === 'skipped'));
    });
  });
  function reveal() {
    if (!location.hash) return;
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    for (var n = target; n; n = n.parentElement) if (n.tagName === 'DETAILS') n.open = true;
    if (target) target.scrollIntoView();
  }
  window.addEventListener('hashchange', reveal);
  reveal();
})();

""";
}
