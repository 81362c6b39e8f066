using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Cucumber.Messages;
using Io.Cucumber.Messages.Types;
using Location = Io.Cucumber.Messages.Types.Location;

namespace Harness.Scenarios.Reports;

/// <summary>
/// Cucumber Messages as NDJSON (one envelope a line), the format Cucumber's own tools read (the HTML formatter,
/// the JUnit/TeamCity converters, reports.cucumber.io), in the order the compatibility kit emits it:
/// meta; per feature file source, then gherkinDocument and pickles (or parseError); stepDefinitions; hooks;
/// testRunStarted; every testCase; then per scenario testCaseStarted, testStepStarted/testStepFinished (with a
/// suggestion for each undefined step), testCaseFinished; testRunFinished.
/// BeforeFeature/AfterFeature hooks, which the protocol has no kind for, are reported as test-run hooks
/// (testRunHookStarted/testRunHookFinished) around the feature's scenarios.
/// </summary>
public static class MessagesReport
{
    /// <summary>Writes the NDJSON to a file, creating its directory.</summary>
    public static void Write(RunResult run, string path)
    {
        ArgumentNullException.ThrowIfNull(run);
        ReportText.CreateDirectoryOf(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        Write(run, stream);
    }

    /// <summary>Writes the NDJSON (UTF-8) to <paramref name="output"/>, which stays open.</summary>
    public static void Write(RunResult run, Stream output)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(output);
        // MessageToNdjsonWriter disposes its StreamWriter (and so the stream) when disposed: keep the caller's open.
        var writer = new MessageToNdjsonWriter(new KeepOpenStream(output), (w, envelope) => w.Write(MessagesJson.Serialize(envelope)));
        try
        {
            foreach (var envelope in Envelopes(run)) writer.Write(envelope);
        }
        finally
        {
            writer.Dispose();
        }
        output.Flush();
    }

    /// <summary>The envelopes of a run, in order.</summary>
    public static IEnumerable<Envelope> Envelopes(RunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var ids = new Ids();

        yield return Envelope.Create(Meta());

        foreach (var feature in run.Features.Select(f => f.Feature))
        {
            yield return Envelope.Create(new Source(feature.Uri, feature.Source,
                feature.Uri.EndsWith(".md", StringComparison.OrdinalIgnoreCase) ? SourceMediaType.TEXT_X_CUCUMBER_GHERKIN_MARKDOWN : SourceMediaType.TEXT_X_CUCUMBER_GHERKIN_PLAIN));
            if (feature.Error is { } error)
            {
                yield return Envelope.Create(new ParseError(
                    new SourceReference(feature.Uri, null, null, new Location(error.Line, error.Column > 0 ? error.Column : null)),
                    $"({error.Line}:{error.Column}): {error.Message}"));
                continue;
            }
            if (feature.Document is not null) yield return Envelope.Create(feature.Document);
            foreach (var scenario in feature.Scenarios) yield return Envelope.Create(scenario.Pickle);
        }

        // Step definitions and hooks: every binding the results mention, once each, in the order first met.
        var stepDefinitions = new Dictionary<BindingInfo, string>();
        var hooks = new Dictionary<(HookType, BindingInfo), string>();
        var definitionEnvelopes = new List<Envelope>();
        var hookEnvelopes = new List<Envelope>();
        void Define(BindingInfo b)
        {
            if (stepDefinitions.ContainsKey(b)) return;
            var id = ids.Next("stepdef");
            stepDefinitions[b] = id;
            var type = b.Expression.StartsWith('^') || b.Expression.EndsWith('$') ? StepDefinitionPatternType.REGULAR_EXPRESSION : StepDefinitionPatternType.CUCUMBER_EXPRESSION;
            definitionEnvelopes.Add(Envelope.Create(new StepDefinition(id, new StepDefinitionPattern(b.Expression, type), Reference(b))));
        }
        void DefineHook(HookResult h)
        {
            var key = (HookTypeOf(h.Kind), h.Binding);
            if (hooks.ContainsKey(key)) return;
            var id = ids.Next("hook");
            hooks[key] = id;
            hookEnvelopes.Add(Envelope.Create(new Hook(id, $"{h.Kind} {h.Binding.Method}", Reference(h.Binding),
                string.IsNullOrWhiteSpace(h.Binding.Expression) ? null : h.Binding.Expression, key.Item1)));
        }
        foreach (var feature in run.Features)
        {
            foreach (var h in feature.Hooks) DefineHook(h);
            foreach (var scenario in feature.Scenarios)
            {
                foreach (var h in scenario.BeforeHooks.Concat(scenario.AfterHooks)) DefineHook(h);
                foreach (var s in scenario.Steps)
                {
                    if (s.Binding is not null) Define(s.Binding);
                    foreach (var b in s.AmbiguousWith ?? []) Define(b);
                }
            }
        }
        foreach (var e in definitionEnvelopes) yield return e;
        foreach (var e in hookEnvelopes) yield return e;

        var runId = ids.Next("run");
        var runStart = run.StartedAt != default
            ? run.StartedAt
            : run.Scenarios.Select(s => s.StartedAt).Where(t => t != default).DefaultIfEmpty(DateTimeOffset.UtcNow).Min();
        yield return Envelope.Create(new TestRunStarted(Time(runStart), runId));

        // Test cases: all of them first, as Cucumber does.
        var plans = new List<(ScenarioResult Result, TestCase Case, List<PlannedStep> Steps)>();
        foreach (var scenario in run.Scenarios)
        {
            var caseId = ids.Next("case");
            var planned = Plan(scenario, stepDefinitions, hooks, ids);
            var testCase = new TestCase(caseId, scenario.Scenario.Pickle.Id, planned.Select(p => p.Step).ToList(), runId);
            plans.Add((scenario, testCase, planned));
            yield return Envelope.Create(testCase);
        }

        var clock = runStart;
        int planIndex = 0;
        foreach (var feature in run.Features)
        {
            var featurePlans = plans.Skip(planIndex).Take(feature.Scenarios.Count).ToList();
            planIndex += feature.Scenarios.Count;
            var firstStart = featurePlans.Select(p => p.Result.StartedAt).Where(t => t != default).DefaultIfEmpty(clock).Min();
            var beforeFeature = feature.Hooks.Where(h => HookTypeOf(h.Kind) == HookType.BEFORE_TEST_RUN).ToList();
            clock = Later(clock, firstStart - beforeFeature.Aggregate(TimeSpan.Zero, (t, h) => t + h.Duration));
            foreach (var h in beforeFeature)
                foreach (var e in RunHook(h, hooks, runId, ids, ref clock)) yield return e;

            foreach (var (result, testCase, steps) in featurePlans)
            {
                var startedId = ids.Next("started");
                clock = Later(clock, result.StartedAt);
                var caseStart = clock;
                yield return Envelope.Create(new TestCaseStarted(0, startedId, testCase.Id, null, Time(clock)));
                foreach (var step in steps)
                {
                    yield return Envelope.Create(new TestStepStarted(startedId, step.Step.Id, Time(clock)));
                    if (step.Suggestion is { } snippet)
                        yield return Envelope.Create(new Suggestion(ids.Next("suggestion"), step.Step.PickleStepId, [new Snippet("csharp", snippet)]));
                    clock += step.Duration;
                    yield return Envelope.Create(new TestStepFinished(startedId, step.Step.Id,
                        new TestStepResult(Span(step.Duration), step.Message, step.Status, null), Time(clock)));
                }
                clock = Later(clock, caseStart + result.Duration);
                yield return Envelope.Create(new TestCaseFinished(startedId, Time(clock), false));
            }

            foreach (var h in feature.Hooks.Where(h => HookTypeOf(h.Kind) == HookType.AFTER_TEST_RUN))
                foreach (var e in RunHook(h, hooks, runId, ids, ref clock)) yield return e;
        }

        var end = Later(clock, runStart + run.Duration);
        var success = run.Failed == 0 && run.Features.All(f => f.Hooks.All(h => !ReportText.IsProblem(h.Status)));
        yield return Envelope.Create(new TestRunFinished(null, success, Time(end), null, runId));
    }

    /// <summary>A test step as planned, with what happened to it.</summary>
    private sealed record PlannedStep(TestStep Step, TestStepResultStatus Status, TimeSpan Duration, string? Message, string? Suggestion);

    private static List<PlannedStep> Plan(ScenarioResult scenario, Dictionary<BindingInfo, string> stepDefinitions,
        Dictionary<(HookType, BindingInfo), string> hooks, Ids ids)
    {
        var planned = new List<PlannedStep>();
        foreach (var h in scenario.BeforeHooks) planned.Add(HookStep(h));

        // Every pickle step, in order: its result if it has one, else SKIPPED (an @ignore'd scenario, or steps the
        // runner did not get to).
        var byPickleStep = new Dictionary<string, StepResult>();
        foreach (var r in scenario.Steps) byPickleStep.TryAdd(r.Step.PickleStepId, r);
        foreach (var step in scenario.Scenario.Steps)
        {
            var id = ids.Next("step");
            if (!byPickleStep.TryGetValue(step.PickleStepId, out var r))
            {
                planned.Add(new PlannedStep(new TestStep(null, id, step.PickleStepId, [], []), TestStepResultStatus.SKIPPED, TimeSpan.Zero,
                    scenario.SkippedBecause, null));
                continue;
            }
            var definitionIds = r.Status == StepStatus.Ambiguous && r.AmbiguousWith is { Count: > 0 } amb
                ? amb.Select(b => stepDefinitions[b]).Distinct().ToList()
                : r.Binding is not null ? [stepDefinitions[r.Binding]] : [];
            var arguments = definitionIds.Count == 1 ? new List<StepMatchArgumentsList> { new([]) } : [];
            planned.Add(new PlannedStep(new TestStep(null, id, step.PickleStepId, definitionIds, arguments), StatusOf(r.Status), r.Duration,
                StepMessage(r), r.Status == StepStatus.Undefined ? r.Undefined?.Snippet : null));
        }
        foreach (var h in scenario.AfterHooks) planned.Add(HookStep(h));
        return planned;

        PlannedStep HookStep(HookResult h) =>
            new(new TestStep(hooks[(HookTypeOf(h.Kind), h.Binding)], ids.Next("step"), null, null, null), StatusOf(h.Status), h.Duration,
                Join(h.ErrorMessage, h.ErrorDetail), null);
    }

    private static IEnumerable<Envelope> RunHook(HookResult h, Dictionary<(HookType, BindingInfo), string> hooks, string runId, Ids ids, ref DateTimeOffset clock)
    {
        var startedId = ids.Next("hookrun");
        var started = Envelope.Create(new TestRunHookStarted(startedId, runId, hooks[(HookTypeOf(h.Kind), h.Binding)], null, Time(clock)));
        clock += h.Duration;
        var finished = Envelope.Create(new TestRunHookFinished(startedId,
            new TestStepResult(Span(h.Duration), Join(h.ErrorMessage, h.ErrorDetail), StatusOf(h.Status), null), Time(clock)));
        return [started, finished];
    }

    private static string? StepMessage(StepResult r) =>
        r.Status is StepStatus.Passed ? null
        : r.Status is StepStatus.Skipped ? r.ErrorMessage
        : Join(ReportText.StepMessage(r), r.ErrorDetail);

    private static string? Join(string? message, string? detail) =>
        string.IsNullOrEmpty(detail) ? message
        : string.IsNullOrEmpty(message) ? detail
        : detail.Contains(message, StringComparison.Ordinal) ? detail
        : message + "\n" + detail;

    private static TestStepResultStatus StatusOf(StepStatus s) => s switch
    {
        StepStatus.Passed => TestStepResultStatus.PASSED,
        StepStatus.Skipped => TestStepResultStatus.SKIPPED,
        StepStatus.Pending => TestStepResultStatus.PENDING,
        StepStatus.Undefined => TestStepResultStatus.UNDEFINED,
        StepStatus.Ambiguous => TestStepResultStatus.AMBIGUOUS,
        StepStatus.Failed => TestStepResultStatus.FAILED,
        _ => TestStepResultStatus.UNKNOWN,
    };

    /// <summary>BeforeScenario/AfterScenario are test-case hooks; BeforeFeature/AfterFeature become test-run hooks.</summary>
    private static HookType HookTypeOf(string kind) =>
        kind.Contains("Feature", StringComparison.OrdinalIgnoreCase) || kind.Contains("Run", StringComparison.OrdinalIgnoreCase)
            ? (kind.StartsWith("After", StringComparison.OrdinalIgnoreCase) ? HookType.AFTER_TEST_RUN : HookType.BEFORE_TEST_RUN)
            : kind.StartsWith("After", StringComparison.OrdinalIgnoreCase) ? HookType.AFTER_TEST_CASE : HookType.BEFORE_TEST_CASE;

    private static SourceReference Reference(BindingInfo b) => new(b.File, null, null, new Location(b.Line, null));

    private static Meta Meta()
    {
        var messages = typeof(Envelope).Assembly;
        var self = typeof(MessagesReport).Assembly;
        return new Meta(
            Version(messages),
            new Product("harness", Version(self)),
            new Product(".NET", Environment.Version.ToString()),
            new Product(OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "darwin" : RuntimeInformation.OSDescription,
                Environment.OSVersion.Version.ToString()),
            new Product(RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(), null),
            null);
    }

    private static string Version(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational)) return informational.Split('+')[0];
        var v = assembly.GetName().Version;
        return v is null ? "0.0.0" : $"{v.Major}.{v.Minor}.{Math.Max(0, v.Build)}";
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => b > a ? b : a;

    private static Timestamp Time(DateTimeOffset t)
    {
        long ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rest);
        if (rest < 0) { seconds--; rest += TimeSpan.TicksPerSecond; }
        return new Timestamp(seconds, rest * 100);
    }

    private static Duration Span(TimeSpan d)
    {
        long ticks = Math.Max(0, d.Ticks);
        return new Duration(ticks / TimeSpan.TicksPerSecond, ticks % TimeSpan.TicksPerSecond * 100);
    }

    /// <summary>Ids for the messages this report makes ("case-3"), distinct from the pickle and AST ids of the documents.</summary>
    private sealed class Ids
    {
        private int _next;
        public string Next(string kind) => $"{kind}-{++_next}";
    }

    /// <summary>Passes writes through and ignores Dispose, so the writer's StreamWriter does not close the caller's stream.</summary>
    private sealed class KeepOpenStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
        protected override void Dispose(bool disposing) => inner.Flush();
    }
}
