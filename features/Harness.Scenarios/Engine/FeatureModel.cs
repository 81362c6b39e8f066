using Io.Cucumber.Messages.Types;

namespace Harness.Scenarios;

/// <summary>A .feature file: its Gherkin document (Cucumber Messages form), the scenarios compiled from it, or its syntax error.</summary>
public sealed class FeatureFile
{
    internal FeatureFile(string path, string uri, string source, GherkinDocument? document, IReadOnlyList<ScenarioDefinition> scenarios,
        FeatureParseError? error)
    {
        Path = path;
        Uri = uri;
        Source = source;
        Document = document;
        Scenarios = scenarios;
        Error = error;
    }

    /// <summary>Full path on disk.</summary>
    public string Path { get; }

    /// <summary>The path as reports show it (relative to the directory the run started from, with '/').</summary>
    public string Uri { get; }

    public string Source { get; }
    public GherkinDocument? Document { get; }
    public IReadOnlyList<ScenarioDefinition> Scenarios { get; }

    /// <summary>Set when the file does not parse; then there are no scenarios.</summary>
    public FeatureParseError? Error { get; }

    public string Name => Document?.Feature?.Name ?? System.IO.Path.GetFileNameWithoutExtension(Path);
    public string Description => Document?.Feature?.Description?.Trim() ?? "";
    public IReadOnlyList<string> Tags => Document?.Feature?.Tags?.Select(t => t.Name).ToList() ?? [];
    public string Language => Document?.Feature?.Language ?? "en";
    public int Line => (int)(Document?.Feature?.Location?.Line ?? 1);

    public override string ToString() => Uri;
}

/// <summary>A Gherkin syntax error: the parser's message and where (file:line:column).</summary>
public sealed record FeatureParseError(string Uri, int Line, int Column, string Message)
{
    public override string ToString() => $"{Uri}:{Line}:{Column}: {Message}";
}

/// <summary>
/// One runnable scenario (a pickle): a Scenario, or one Examples row of a Scenario Outline, with the Background (and
/// Rule Background) steps merged in front.
/// </summary>
public sealed class ScenarioDefinition
{
    internal ScenarioDefinition(FeatureFile feature, Pickle pickle, string displayName, int line, string? rule, string? exampleRow,
        IReadOnlyList<ScenarioStep> steps)
    {
        Feature = feature;
        Pickle = pickle;
        DisplayName = displayName;
        Line = line;
        Rule = rule;
        ExampleRow = exampleRow;
        Steps = steps;
    }

    public FeatureFile Feature { get; }
    public Pickle Pickle { get; }
    public string Id => Pickle.Id;
    public string Name => Pickle.Name;

    /// <summary>The name with, for an outline row, the row's values: "Add keys (bits: 128, count: 2)".</summary>
    public string DisplayName { get; }

    /// <summary>The line of the Scenario (or of the Examples row, for an outline).</summary>
    public int Line { get; }

    /// <summary>The line of the Scenario (or Scenario Outline) keyword; equal to <see cref="Line"/> except for outline rows.</summary>
    public int ScenarioLine { get; internal init; }

    /// <summary>
    /// Whether FILE:LINE names this scenario: the file (as given, or its end: "locked-vms.feature:72" names
    /// "features/vsphere/locked-vms.feature") and the line of the Scenario keyword, or of the Examples row for an outline row.
    /// The Scenario Outline's line names every row.
    /// </summary>
    public bool IsAt(string file, int line)
    {
        if (line != Line && line != ScenarioLine) return false;
        var uri = Feature.Uri.Replace('\\', '/');
        var wanted = file.Replace('\\', '/');
        if (wanted.StartsWith("./", StringComparison.Ordinal)) wanted = wanted[2..];
        return uri == wanted || uri.EndsWith("/" + wanted, StringComparison.Ordinal)
            || string.Equals(System.IO.Path.GetFullPath(file), Feature.Path, StringComparison.Ordinal);
    }

    /// <summary>The Rule the scenario belongs to, if any.</summary>
    public string? Rule { get; }

    /// <summary>"bits: 128, count: 2" for an outline row; null otherwise.</summary>
    public string? ExampleRow { get; }

    /// <summary>Tags of the feature, rule, scenario and examples, as Cucumber merges them ("@smoke").</summary>
    public IReadOnlyList<string> Tags => Pickle.Tags.Select(t => t.Name).ToList();

    public IReadOnlyList<ScenarioStep> Steps { get; }

    /// <summary>"features/kms.feature:12".</summary>
    public string Location => $"{Feature.Uri}:{Line}";

    public override string ToString() => $"{Location} {DisplayName}";
}

/// <summary>A step as it will run: keyword, text after outline substitution, and its argument (table or doc string).</summary>
public sealed class ScenarioStep
{
    internal ScenarioStep(int index, string keyword, StepKeyword effectiveKeyword, string text, int line, string pickleStepId,
        IReadOnlyList<string> astNodeIds, StepTable? table, DocString? docString, bool fromBackground)
    {
        Index = index;
        Keyword = keyword;
        EffectiveKeyword = effectiveKeyword;
        Text = text;
        Line = line;
        PickleStepId = pickleStepId;
        AstNodeIds = astNodeIds;
        Table = table;
        DocString = docString;
        FromBackground = fromBackground;
    }

    public int Index { get; }

    /// <summary>The keyword as written, e.g. "And ".</summary>
    public string Keyword { get; }

    /// <summary>Given, When or Then (And/But take the one before).</summary>
    public StepKeyword EffectiveKeyword { get; }

    public string Text { get; }
    public int Line { get; }
    public string PickleStepId { get; }
    public IReadOnlyList<string> AstNodeIds { get; }
    public StepTable? Table { get; }
    public DocString? DocString { get; }
    public bool FromBackground { get; }

    public override string ToString() => $"{Keyword.Trim()} {Text}";
}

/// <summary>A step's Gherkin data table, as rows of cells (the first is the header); bindings receive Reqnroll's DataTable.</summary>
public sealed class StepTable(IReadOnlyList<IReadOnlyList<string>> rows)
{
    public IReadOnlyList<IReadOnlyList<string>> Rows { get; } = rows;
    public IReadOnlyList<string> Header => Rows.Count > 0 ? Rows[0] : [];

    /// <summary>The rows after the header, each as header → cell.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> ToDictionaries() =>
        Rows.Skip(1).Select(r => (IReadOnlyDictionary<string, string>)Header.Select((h, i) => (h, v: i < r.Count ? r[i] : ""))
            .ToDictionary(x => x.h, x => x.v)).ToList();

    public override string ToString() => string.Join("\n", Rows.Select(r => "| " + string.Join(" | ", r) + " |"));
}

/// <summary>A Gherkin doc string, passed to a step method as a <see cref="DocString"/> or string parameter.</summary>
public sealed record DocString(string Content, string? MediaType);

/// <summary>Given, When or Then: the keyword a step counts as (And and But take the one before).</summary>
public enum StepKeyword { Given, When, Then }
