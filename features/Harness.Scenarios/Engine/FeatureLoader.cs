using Gherkin;
using Gherkin.CucumberMessages;
using Gherkin.CucumberMessages.Pickles;
using Io.Cucumber.Messages.Types;

namespace Harness.Scenarios;

/// <summary>
/// Reads .feature files with the official Cucumber parser: Gherkin AST → Cucumber Messages document → pickles (outlines
/// expanded, backgrounds merged), with one id generator for both. A syntax error is kept with the file (file:line:column),
/// so that the other files still run.
/// </summary>
public static class FeatureLoader
{
    /// <summary>Feature files under the given files and directories (recursively), in a stable order.</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var p in paths)
        {
            if (Directory.Exists(p))
                // Build outputs below the folder (copies of the features) are skipped; the folder itself may be one.
                files.AddRange(Directory.EnumerateFiles(p, "*.feature", SearchOption.AllDirectories)
                    .Where(f => !System.IO.Path.GetRelativePath(p, f).Split(System.IO.Path.DirectorySeparatorChar).SkipLast(1)
                        .Any(segment => segment is "bin" or "obj"))
                    .Order(StringComparer.Ordinal));
            else if (File.Exists(p)) files.Add(p);
            else throw new FileNotFoundException($"{p} is neither a .feature file nor a directory", p);
        }
        return files.Select(System.IO.Path.GetFullPath).Distinct().ToList();
    }

    /// <summary>Loads files with one id generator, so that ids (pickles, steps, AST nodes) are unique across the run.</summary>
    public static IReadOnlyList<FeatureFile> LoadAll(IEnumerable<string> paths, string? baseDirectory = null)
    {
        var ids = new IncrementingIdGenerator();
        return Expand(paths).Select(p => Load(p, baseDirectory, ids)).ToList();
    }

    public static FeatureFile Load(string path, string? baseDirectory = null, IIdGenerator? ids = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        var uri = System.IO.Path.GetRelativePath(baseDirectory ?? Directory.GetCurrentDirectory(), full).Replace('\\', '/');
        return Parse(File.ReadAllText(full), uri, full, ids);
    }

    /// <summary>Parses feature text; <paramref name="uri"/> names it in results and errors.</summary>
    /// <param name="ids">Ids for the document and its pickles; by default UUIDs, unique across files.</param>
    public static FeatureFile Parse(string source, string uri, string? path = null, IIdGenerator? ids = null)
    {
        path ??= uri;
        Gherkin.Ast.GherkinDocument ast;
        try
        {
            ast = new Parser().Parse(new StringReader(source));
        }
        catch (CompositeParserException ex)
        {
            var first = ex.Errors.First();
            return Broken(first);
        }
        catch (ParserException ex)
        {
            return Broken(ex);
        }
        FeatureFile Broken(ParserException ex)
        {
            var line = (int)(ex.Location?.Line ?? 0);
            var column = (int)(ex.Location?.Column ?? 0);
            var message = StripLocation(ex.Message);
            return new FeatureFile(path, uri, source, null, [], new FeatureParseError(uri, line, column, message));
        }

        ids ??= new GuidIdGenerator();
        var document = new AstMessagesConverter(ids).ConvertGherkinDocumentToEventArgs(ast, uri);
        var pickles = document.Feature is null ? [] : new PickleCompiler(ids).Compile(document);
        var scenarios = new List<ScenarioDefinition>();
        var feature = new FeatureFile(path, uri, source, document, scenarios, null);
        var index = new AstIndex(document);
        foreach (var pickle in pickles) scenarios.Add(ToScenario(feature, pickle, index));
        return feature;
    }

    /// <summary>"(3:5): expected: ..." → "expected: ..." (the location is reported separately).</summary>
    private static string StripLocation(string message)
    {
        if (message.StartsWith('(') && message.IndexOf("): ", StringComparison.Ordinal) is var end and > 0) return message[(end + 3)..];
        return message;
    }

    private static ScenarioDefinition ToScenario(FeatureFile feature, Pickle pickle, AstIndex index)
    {
        var scenarioNode = index.Scenarios[pickle.AstNodeIds[0]];
        int line = (int)scenarioNode.Scenario.Location.Line;
        string? exampleRow = null;
        string displayName = pickle.Name;
        if (pickle.AstNodeIds.Count > 1 && index.Rows.TryGetValue(pickle.AstNodeIds[1], out var row))
        {
            line = (int)row.Row.Location.Line;
            exampleRow = string.Join(", ", row.Header.Cells.Zip(row.Row.Cells, (h, c) => $"{h.Value}: {c.Value}"));
            // Rows are told apart: by the values the name takes from <placeholders>, else by the row's values.
            displayName = scenarioNode.Scenario.Name.Contains('<') ? pickle.Name : $"{pickle.Name} ({exampleRow})";
        }
        var steps = new List<ScenarioStep>();
        StepKeyword current = StepKeyword.Given;
        for (int i = 0; i < pickle.Steps.Count; i++)
        {
            var ps = pickle.Steps[i];
            var astStep = index.Steps[ps.AstNodeIds[0]];
            current = ps.Type switch
            {
                PickleStepType.CONTEXT => StepKeyword.Given,
                PickleStepType.ACTION => StepKeyword.When,
                PickleStepType.OUTCOME => StepKeyword.Then,
                _ => current,
            };
            StepTable? table = ps.Argument?.DataTable is { } dt
                ? new StepTable(dt.Rows.Select(r => (IReadOnlyList<string>)r.Cells.Select(c => c.Value).ToList()).ToList())
                : null;
            DocString? doc = ps.Argument?.DocString is { } ds ? new DocString(ds.Content, string.IsNullOrEmpty(ds.MediaType) ? null : ds.MediaType) : null;
            steps.Add(new ScenarioStep(i, astStep.Step.Keyword, current, ps.Text, (int)astStep.Step.Location.Line, ps.Id, ps.AstNodeIds,
                table, doc, astStep.FromBackground));
        }
        return new ScenarioDefinition(feature, pickle, displayName, line, scenarioNode.Rule, exampleRow, steps)
        {
            ScenarioLine = (int)scenarioNode.Scenario.Location.Line,
        };
    }

    /// <summary>The document's scenarios, steps and example rows by AST node id.</summary>
    private sealed class AstIndex
    {
        public readonly Dictionary<string, (Scenario Scenario, string? Rule)> Scenarios = new();
        public readonly Dictionary<string, (Step Step, bool FromBackground)> Steps = new();
        public readonly Dictionary<string, (TableRow Header, TableRow Row)> Rows = new();

        public AstIndex(GherkinDocument document)
        {
            if (document.Feature is null) return;
            foreach (var child in document.Feature.Children) Add(child.Background, child.Scenario, null, child.Rule);
        }

        private void Add(Background? background, Scenario? scenario, string? rule, Rule? ruleNode)
        {
            if (background is not null) foreach (var s in background.Steps) Steps[s.Id] = (s, true);
            if (scenario is not null)
            {
                Scenarios[scenario.Id] = (scenario, rule);
                foreach (var s in scenario.Steps) Steps[s.Id] = (s, false);
                foreach (var examples in scenario.Examples)
                    if (examples.TableHeader is not null)
                        foreach (var row in examples.TableBody) Rows[row.Id] = (examples.TableHeader, row);
            }
            if (ruleNode is not null)
                foreach (var child in ruleNode.Children) Add(child.Background, child.Scenario, ruleNode.Name, null);
        }
    }
}
