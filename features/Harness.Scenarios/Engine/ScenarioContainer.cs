namespace Harness.Scenarios;

/// <summary>
/// The objects of one scenario: binding classes and the drivers they take in their constructors, created on first use
/// (the constructor with the most parameters, each resolved the same way), one instance per type per scenario, disposed
/// in reverse order of creation when the scenario ends. Instances registered up front (e.g. the KMS a CLI run targets)
/// are shared, not disposed.
/// </summary>
public sealed class ScenarioContainer : IAsyncDisposable
{
    private readonly Dictionary<Type, object> _instances = new();
    private readonly HashSet<Type> _owned = new();
    private readonly List<object> _created = new();
    private readonly HashSet<Type> _resolving = new();
    private readonly ScenarioContainer? _parent;
    private readonly bool _ownsParent;

    /// <param name="ownsParent">Dispose the parent with this container (a scenario run on its own owns its run and feature containers).</param>
    public ScenarioContainer(ScenarioContainer? parent = null, bool ownsParent = false)
    {
        _parent = parent;
        _ownsParent = ownsParent;
        _instances[typeof(ScenarioContainer)] = this; // drivers may take the container to look for optional objects
    }

    /// <summary>Makes <paramref name="instance"/> what <typeparamref name="T"/> resolves to (not disposed by this container).</summary>
    public void Register<T>(T instance) where T : notnull => _instances[typeof(T)] = instance;

    public void Register(Type type, object instance) => _instances[type] = instance;

    public T Resolve<T>() => (T)Resolve(typeof(T));

    public bool TryGet(Type type, out object? instance)
    {
        if (_instances.TryGetValue(type, out instance)) return true;
        if (_parent is not null && _parent.TryGet(type, out instance)) return true;
        instance = null;
        return false;
    }

    public object Resolve(Type type)
    {
        if (TryGet(type, out var existing)) return existing!;
        if (type.IsAbstract || type.IsInterface || type.IsPrimitive || type == typeof(string))
            throw new ScenarioSetupException($"cannot create {Name(type)} for constructor injection: register an instance of it " +
                                             "(ScenarioContainer.Register) or depend on a concrete class");
        if (!_resolving.Add(type))
            throw new ScenarioSetupException($"circular constructor dependency: {string.Join(" → ", _resolving.Select(Name))} → {Name(type)}");
        try
        {
            var ctor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
                       ?? throw new ScenarioSetupException($"{Name(type)} has no public constructor");
            // A parameter with a default value is optional: it gets a registered instance, or its default.
            var args = ctor.GetParameters().Select(p =>
                p.HasDefaultValue ? (TryGet(p.ParameterType, out var registered) ? registered : p.DefaultValue) : Resolve(p.ParameterType)).ToArray();
            object instance;
            try { instance = ctor.Invoke(args); }
            catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is not null)
            {
                throw new ScenarioSetupException($"the constructor of {Name(type)} failed: {ex.InnerException.Message}", ex.InnerException);
            }
            _instances[type] = instance;
            _owned.Add(type);
            _created.Add(instance);
            return instance;
        }
        finally
        {
            _resolving.Remove(type);
        }
    }

    private static string Name(Type t) => t.FullName ?? t.Name;

    /// <summary>Disposes what this container created, last created first; all are disposed even if one throws.</summary>
    public async ValueTask DisposeAsync()
    {
        List<Exception>? errors = null;
        for (int i = _created.Count - 1; i >= 0; i--)
        {
            try
            {
                switch (_created[i])
                {
                    case IAsyncDisposable a: await a.DisposeAsync(); break;
                    case IDisposable d: d.Dispose(); break;
                }
            }
            catch (Exception ex) { (errors ??= []).Add(ex); }
        }
        _created.Clear();
        foreach (var t in _owned) _instances.Remove(t);
        _instances.Remove(typeof(ScenarioContainer));
        _owned.Clear();
        if (_ownsParent && _parent is not null) await _parent.DisposeAsync();
        if (errors is not null) throw new AggregateException("disposing scenario objects failed", errors);
    }
}

/// <summary>The run cannot set a scenario up (injection, hooks): a clear message, reported as the scenario's failure.</summary>
public sealed class ScenarioSetupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What a binding can learn about the running scenario (inject it through the constructor).</summary>
public sealed class ScenarioContext(ScenarioDefinition scenario)
{
    public ScenarioDefinition Scenario { get; } = scenario;
    public string Title => Scenario.DisplayName;
    public IReadOnlyList<string> Tags => Scenario.Tags;

    /// <summary>A place for step methods to leave values for later steps (prefer typed drivers).</summary>
    public Dictionary<string, object?> Items { get; } = new();
}

/// <summary>What a binding can learn about the running feature; its <see cref="Items"/> live as long as the feature runs.</summary>
public sealed class FeatureContext(FeatureFile feature)
{
    public FeatureFile Feature { get; } = feature;
    public string Title => Feature.Name;
    public IReadOnlyList<string> Tags => Feature.Tags;
    public Dictionary<string, object?> Items { get; } = new();
}
