using System.Reflection;
using Harness.Scenarios.Expressions;

namespace Harness.Scenarios;

/// <summary>A step binding: a method and the expression it answers to.</summary>
public sealed class StepBinding
{
    internal StepBinding(StepKeyword? keyword, string expression, MethodInfo method, BindingInfo info, IStepExpression matcher)
    {
        Keyword = keyword;
        Expression = expression;
        Method = method;
        Info = info;
        Matcher = matcher;
    }

    /// <summary>Given, When or Then; null for [StepDefinition], which answers to every keyword.</summary>
    public StepKeyword? Keyword { get; }
    public string Expression { get; }
    public MethodInfo Method { get; }
    public BindingInfo Info { get; }
    internal IStepExpression Matcher { get; }

    public override string ToString() => $"[{Keyword?.ToString() ?? "StepDefinition"}(\"{Expression}\")] {Info}";
}

/// <summary>A hook method with its kind, tag filter and order.</summary>
public sealed class HookBinding
{
    internal HookBinding(string kind, TagExpression filter, int order, MethodInfo method, BindingInfo info)
    {
        Kind = kind;
        Filter = filter;
        Order = order;
        Method = method;
        Info = info;
    }

    /// <summary>BeforeScenario, AfterScenario, BeforeFeature or AfterFeature.</summary>
    public string Kind { get; }
    public TagExpression Filter { get; }
    public int Order { get; }
    public MethodInfo Method { get; }
    public BindingInfo Info { get; }

    public bool AppliesTo(IEnumerable<string> tags) => Filter.Evaluate(tags);
}

/// <summary>The outcome of matching a step's text against the catalog.</summary>
public abstract record StepMatch
{
    public sealed record Matched(StepBinding Binding, IReadOnlyList<StepArgument> Arguments) : StepMatch;
    public sealed record Undefined(UndefinedStepHelp Help) : StepMatch;
    public sealed record Ambiguous(IReadOnlyList<StepBinding> Bindings) : StepMatch;
}

/// <summary>
/// Every step binding, hook and custom parameter type found in the [Binding] classes of some assemblies. Matching is
/// Reqnroll's: a [Given] binds only Given steps (And/But count as the keyword before them), [StepDefinition] binds all.
/// </summary>
public sealed class StepCatalog
{
    private StepCatalog(IReadOnlyList<StepBinding> steps, IReadOnlyList<HookBinding> hooks, ParameterTypeRegistry parameterTypes)
    {
        Steps = steps;
        Hooks = hooks;
        ParameterTypes = parameterTypes;
    }

    public IReadOnlyList<StepBinding> Steps { get; }
    public IReadOnlyList<HookBinding> Hooks { get; }
    public ParameterTypeRegistry ParameterTypes { get; }

    public IEnumerable<HookBinding> HooksOf(string kind, IEnumerable<string> tags) =>
        Hooks.Where(h => h.Kind == kind && h.AppliesTo(tags)).OrderBy(h => h.Order).ThenBy(h => h.Info.File, StringComparer.Ordinal).ThenBy(h => h.Info.Line);

    /// <summary>Finds the bindings in the [Binding] classes of the assemblies. Bad expressions are reported together.</summary>
    public static StepCatalog FromAssemblies(params Assembly[] assemblies) => FromTypes(assemblies.Distinct().SelectMany(SafeTypes));

    public static StepCatalog FromTypes(IEnumerable<Type> types)
    {
        var bindingTypes = types.Where(t => t.GetCustomAttribute<BindingAttribute>() is not null).OrderBy(t => t.FullName, StringComparer.Ordinal).ToList();
        var registry = new ParameterTypeRegistry();
        var problems = new List<string>();
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

        foreach (var type in bindingTypes)
            foreach (var method in type.GetMethods(all))
                if (method.GetCustomAttribute<ParameterTypeAttribute>() is { } pt)
                {
                    if (!method.IsStatic || method.GetParameters().Length != 1 || method.GetParameters()[0].ParameterType != typeof(string))
                    {
                        problems.Add($"[ParameterType(\"{pt.Name}\")] {Describe(method)} must be static and take one string");
                        continue;
                    }
                    var m = method;
                    try { registry.Define(new ParameterType(pt.Name, [pt.Regex], m.ReturnType, groups => Invoke(m, groups[0]))); }
                    catch (Exception ex) { problems.Add($"[ParameterType(\"{pt.Name}\")] {Describe(method)}: {ex.Message}"); }
                }

        var steps = new List<StepBinding>();
        var hooks = new List<HookBinding>();
        foreach (var type in bindingTypes)
            foreach (var method in type.GetMethods(all))
            {
                foreach (var attr in method.GetCustomAttributes<StepDefinitionAttribute>())
                {
                    var info = new BindingInfo(attr.Expression, Describe(method), ShortPath(attr.File), attr.Line);
                    try { steps.Add(new StepBinding(attr.Keyword, attr.Expression, method, info, StepExpressionFactory.Create(attr.Expression, registry))); }
                    catch (Exception ex) when (ex is CucumberExpressionException or ArgumentException or UndefinedParameterTypeException)
                    {
                        problems.Add($"{info}: {ex.Message}");
                    }
                }
                foreach (var hook in method.GetCustomAttributes<HookAttribute>())
                {
                    var kind = hook.GetType().Name.Replace("Attribute", "");
                    var info = new BindingInfo(hook.Tags ?? "", Describe(method), ShortPath(hook.File), hook.Line);
                    try { hooks.Add(new HookBinding(kind, TagExpression.Parse(hook.Tags ?? ""), hook.Order, method, info)); }
                    catch (TagExpressionException ex) { problems.Add($"[{kind}] {info}: {ex.Message}"); }
                }
            }
        if (problems.Count > 0)
            throw new ScenarioSetupException("the step bindings have errors:\n  " + string.Join("\n  ", problems));
        return new StepCatalog(steps, hooks, registry);
    }

    private static object? Invoke(MethodInfo m, string? text)
    {
        try { return m.Invoke(null, [text]); }
        catch (TargetInvocationException ex) when (ex.InnerException is not null) { throw ex.InnerException; }
    }

    private static IEnumerable<Type> SafeTypes(Assembly a)
    {
        try { return a.GetTypes(); }
        catch (ReflectionTypeLoadException ex) { return ex.Types.Where(t => t is not null)!; }
    }

    internal static string Describe(MethodInfo m) => $"{m.DeclaringType?.Name}.{m.Name}";

    /// <summary>Source paths as the repository sees them ("features/Harness.Scenarios/Kms/KmsSteps.cs").</summary>
    internal static string ShortPath(string file)
    {
        if (string.IsNullOrEmpty(file)) return "?";
        foreach (var marker in new[] { "/features/", "/tests/", "/simulator/", "/server/", "/tools/" })
        {
            int i = file.LastIndexOf(marker, StringComparison.Ordinal);
            if (i >= 0) return file[(i + 1)..];
        }
        return Path.GetFileName(file);
    }

    public StepMatch Match(ScenarioStep step)
    {
        var candidates = new List<(StepBinding Binding, IReadOnlyList<StepArgument> Args)>();
        foreach (var b in Steps)
        {
            if (b.Keyword is { } k && k != step.EffectiveKeyword) continue;
            if (b.Matcher.Match(step.Text) is { } args) candidates.Add((b, args));
        }
        if (candidates.Count == 1) return new StepMatch.Matched(candidates[0].Binding, candidates[0].Args);
        if (candidates.Count > 1) return new StepMatch.Ambiguous(candidates.Select(c => c.Binding).ToList());
        return new StepMatch.Undefined(new UndefinedStepHelp(Closest(step.Text, 3), Snippet(step)));
    }

    /// <summary>The known phrases nearest to <paramref name="text"/> (edit distance over the expression's words).</summary>
    public IReadOnlyList<BindingInfo> Closest(string text, int count) =>
        Steps.Select(b => (b.Info, Distance: Distance(Normalize(text), Normalize(b.Expression))))
            .OrderBy(x => x.Distance).ThenBy(x => x.Info.Expression, StringComparer.Ordinal)
            .Select(x => x.Info).DistinctBy(i => i.Expression).Take(count).ToList();

    private static string Normalize(string s) => s.ToLowerInvariant();

    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }

    /// <summary>A binding to paste for an undefined step (Reqnroll style).</summary>
    public string Snippet(ScenarioStep step)
    {
        var generated = CucumberExpressionGenerator.Generate(step.Text, ParameterTypes);
        var parameters = generated.Parameters.Select(p => $"{p.TypeName} {p.Name}").ToList();
        if (step.Table is not null) parameters.Add("DataTable table");
        if (step.DocString is not null) parameters.Add("string docString");
        var keyword = step.EffectiveKeyword.ToString();
        var name = keyword + string.Concat(System.Text.RegularExpressions.Regex.Replace(step.Text, "\"[^\"]*\"|'[^']*'|-?\\d+(\\.\\d+)?", " ")
            .Split([' ', '-', '_', ',', '.', ':', '/', '(', ')'], StringSplitOptions.RemoveEmptyEntries)
            .Select(w => char.ToUpperInvariant(w[0]) + w[1..]).Where(w => w.All(char.IsLetterOrDigit)));
        var escaped = generated.Expression.Replace("\\", "\\\\").Replace("\"", "\\\"");
        return $"[{keyword}(\"{escaped}\")]\npublic void {name}({string.Join(", ", parameters)})\n{{\n    throw new PendingStepException();\n}}";
    }
}
