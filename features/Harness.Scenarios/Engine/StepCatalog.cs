using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using Harness.Scenarios.Hosting;
using Reqnroll;
using Reqnroll.BindingSkeletons;
using Reqnroll.Bindings;
using Reqnroll.Bindings.Discovery;
using Reqnroll.Bindings.Reflection;
using Reqnroll.BoDi;
using Reqnroll.Configuration;
using Reqnroll.Infrastructure;

namespace Harness.Scenarios;

/// <summary>A step binding as Reqnroll registered it: its keyword, its expression, the method and where it is written.</summary>
public sealed class StepBinding
{
    internal StepBinding(IStepDefinitionBinding binding, BindingInfo info)
    {
        Reqnroll = binding;
        Keyword = binding.StepDefinitionType switch
        {
            StepDefinitionType.Given => StepKeyword.Given,
            StepDefinitionType.When => StepKeyword.When,
            _ => StepKeyword.Then,
        };
        Info = info;
    }

    internal IStepDefinitionBinding Reqnroll { get; }
    public StepKeyword Keyword { get; }
    public string Expression => Reqnroll.SourceExpression;
    public MethodInfo Method => ((RuntimeBindingMethod)Reqnroll.Method).MethodInfo;
    public BindingInfo Info { get; }

    public bool Matches(string text) => Reqnroll.IsValid && Reqnroll.Regex.IsMatch(text);

    public override string ToString() => $"[{Keyword}(\"{Expression}\")] {Info}";
}

public abstract record StepMatch
{
    public sealed record Matched(StepBinding Binding) : StepMatch;
    public sealed record Undefined(UndefinedStepHelp Help) : StepMatch;
    public sealed record Ambiguous(IReadOnlyList<StepBinding> Bindings) : StepMatch;
}

/// <summary>The step bindings cannot be used (a bad expression, a binding DLL that does not load): says which and why.</summary>
public sealed class ScenarioSetupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The binding assemblies of a run (Harness's steps, a team's own Reqnroll binding DLLs) and the bindings Reqnroll finds
/// in them: what <c>./harness steps</c> lists, and what the engine's diagnostics use (the closest phrases to an undefined
/// step, a snippet to paste, the bindings an ambiguous step matches, a step written with the wrong keyword).
/// </summary>
public sealed class StepCatalog
{
    private readonly IObjectContainer _container;
    private readonly IBindingRegistry _registry;

    private StepCatalog(IReadOnlyList<Assembly> assemblies)
    {
        Assemblies = assemblies;
        _container = NewGlobalContainer(new Dictionary<string, IDictionary<string, object>>());
        var builder = _container.Resolve<IRuntimeBindingRegistryBuilder>();
        foreach (var assembly in assemblies) builder.BuildBindingsFromAssembly(assembly);
        builder.BuildingCompleted();
        _registry = _container.Resolve<IBindingRegistry>();
        var problems = _registry.GetErrorMessages().Select(e => e.Message)
            .Concat(_registry.GetStepDefinitions().Where(b => !b.IsValid).Select(b => $"{InfoOf(b)}: {b.ErrorMessage}"))
            .Distinct().ToList();
        if (problems.Count > 0)
            throw new ScenarioSetupException("the step bindings have errors:\n  " + string.Join("\n  ", problems));
        Steps = _registry.GetStepDefinitions().Select(b => new StepBinding(b, InfoOf(b)))
            .OrderBy(s => s.Info.File, StringComparer.Ordinal).ThenBy(s => s.Info.Line).ToList();
    }

    /// <summary>The binding assemblies; the first is the run's "test assembly" for Reqnroll.</summary>
    public IReadOnlyList<Assembly> Assemblies { get; }

    public IReadOnlyList<StepBinding> Steps { get; }

    /// <summary>The bindings of these assemblies (Reqnroll's [Binding] classes).</summary>
    public static StepCatalog FromAssemblies(params Assembly[] assemblies) => new(assemblies.Distinct().ToList());

    /// <summary>
    /// The bindings of <paramref name="builtIn"/> and of binding DLLs given by path (a team's own Reqnroll step library,
    /// built against the Reqnroll package alone). Their dependencies are looked for beside each DLL.
    /// </summary>
    public static StepCatalog FromAssemblies(IEnumerable<Assembly> builtIn, IEnumerable<string> bindingPaths)
    {
        var assemblies = builtIn.ToList();
        foreach (var path in bindingPaths) assemblies.Add(LoadBindingAssembly(path));
        return new StepCatalog(assemblies.Distinct().ToList());
    }

    private static Assembly LoadBindingAssembly(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new ScenarioSetupException($"--bindings {path}: there is no such file");
        var already = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => !a.IsDynamic && string.Equals(a.Location, full, StringComparison.Ordinal));
        if (already is not null) return already;
        try
        {
            var resolver = new AssemblyDependencyResolver(full);
            AssemblyLoadContext.Default.Resolving += (context, name) =>
                resolver.ResolveAssemblyToPath(name) is { } p ? context.LoadFromAssemblyPath(p)
                : File.Exists(Path.Combine(Path.GetDirectoryName(full)!, name.Name + ".dll")) ? context.LoadFromAssemblyPath(Path.Combine(Path.GetDirectoryName(full)!, name.Name + ".dll"))
                : null;
            return AssemblyLoadContext.Default.LoadFromAssemblyPath(full);
        }
        catch (Exception ex) when (ex is BadImageFormatException or FileLoadException or IOException)
        {
            throw new ScenarioSetupException($"--bindings {path}: not a .NET assembly that loads here ({ex.Message})", ex);
        }
    }

    /// <summary>Reqnroll's configuration of a hosted run: the binding assemblies beyond the first, errors for missing steps.</summary>
    internal string ReqnrollConfiguration() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["bindingAssemblies"] = Assemblies.Skip(1).Select(a => new Dictionary<string, string> { ["assembly"] = a.FullName! }).ToList(),
        ["runtime"] = new Dictionary<string, object> { ["missingOrPendingStepsOutcome"] = "Error", ["stopAtFirstError"] = false },
        ["language"] = new Dictionary<string, string> { ["feature"] = "en-US" },
        ["bindingCulture"] = new Dictionary<string, string> { ["name"] = "en-US" },
    });

    /// <summary>A Reqnroll global container for these assemblies, with the formatters given (none for the catalog itself).</summary>
    internal IObjectContainer NewGlobalContainer(IReadOnlyDictionary<string, IDictionary<string, object>> formatters) =>
        new ContainerBuilder(new HostedDependencyProvider(formatters, Assemblies))
            .CreateGlobalContainer(Assemblies[0], new JsonStringRuntimeConfigurationProvider(ReqnrollConfiguration()));

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IBinding, BindingInfo> Infos = new();

    /// <summary>What a binding is and where it is written (read from the PDB once per binding).</summary>
    internal static BindingInfo InfoOf(IBinding binding, string expression = "") =>
        expression.Length == 0 ? Infos.GetValue(binding, b => ReadInfo(b, "")) : ReadInfo(binding, expression);

    private static BindingInfo ReadInfo(IBinding binding, string expression)
    {
        var method = binding.Method is RuntimeBindingMethod rm ? rm.MethodInfo : null;
        var name = $"{binding.Method.Type.Name}.{binding.Method.Name}";
        var where = method is null ? null : SourceLocations.Of(method);
        return new BindingInfo(binding is IStepDefinitionBinding s ? s.SourceExpression : expression, name,
            where is { } w ? SourceLocations.ShortPath(w.File) : binding.Method.Type.AssemblyName ?? "?", where?.Line ?? 0);
    }

    private static StepDefinitionType TypeOf(StepKeyword keyword) => keyword switch
    {
        StepKeyword.Given => StepDefinitionType.Given,
        StepKeyword.When => StepDefinitionType.When,
        _ => StepDefinitionType.Then,
    };

    /// <summary>How a step matches the bindings, as Reqnroll matches them (the keyword counts; scopes are not considered).</summary>
    public StepMatch Match(ScenarioStep step)
    {
        var candidates = Steps.Where(b => b.Keyword == step.EffectiveKeyword && b.Matches(step.Text)).ToList();
        if (candidates.Count == 1) return new StepMatch.Matched(candidates[0]);
        if (candidates.Count > 1) return new StepMatch.Ambiguous(candidates);
        var other = Steps.FirstOrDefault(b => b.Keyword != step.EffectiveKeyword && b.Matches(step.Text));
        return new StepMatch.Undefined(new UndefinedStepHelp(Closest(step.Text, 3), Snippet(step), other?.Info, other?.Keyword.ToString()));
    }

    /// <summary>The known phrases nearest to <paramref name="text"/> (edit distance over the expression).</summary>
    public IReadOnlyList<BindingInfo> Closest(string text, int count) =>
        Steps.Select(b => (b.Info, Distance: Distance(text.ToLowerInvariant(), b.Expression.ToLowerInvariant())))
            .OrderBy(x => x.Distance).ThenBy(x => x.Info.Expression, StringComparer.Ordinal)
            .Select(x => x.Info).DistinctBy(i => i.Expression).Take(count).ToList();

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

    /// <summary>A binding to paste for an undefined step: Reqnroll's own skeleton, with a Cucumber expression.</summary>
    public string Snippet(ScenarioStep step)
    {
        var culture = CultureInfo.GetCultureInfo("en-US");
        var type = TypeOf(step.EffectiveKeyword);
        Table? table = null;
        if (step.Table is { Rows.Count: > 0 } t)
        {
            table = new Table([.. t.Rows[0]]);
            foreach (var row in t.Rows.Skip(1)) table.AddRow([.. row]);
        }
        var instance = new StepInstance(type, (StepDefinitionKeyword)type, step.Keyword, step.Text, step.DocString?.Content, table,
            new StepContext("", "", [], culture));
        return _container.Resolve<IStepDefinitionSkeletonProvider>()
            .GetStepDefinitionSkeleton(ProgrammingLanguage.CSharp, instance, StepDefinitionSkeletonStyle.CucumberExpressionAttribute, culture).Trim();
    }
}
