using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Reqnroll.Bindings;
using Reqnroll.ErrorHandling;
using Reqnroll.Infrastructure;

namespace Harness.Scenarios.Hosting;

/// <summary>
/// Reqnroll's step matching, remembered. Reqnroll finds a step's binding by trying the step text against every step
/// definition of its keyword (a regular expression each, then the parameter conversions): with Harness's 160-odd
/// bindings that was most of the engine's own time per step. Once a step has matched exactly one binding, the same
/// step (same keyword, text, argument shape, culture and whatever the run's scoped bindings look at) gets that binding
/// and the arguments its expression captured again (and the binding's obsoletion, which Reqnroll reads from the method's
/// attributes for every match); its table, doc string and step context are those of the step at hand. Steps that match nothing or several bindings are not remembered: they go through Reqnroll's matching every
/// time, with its diagnostics.
/// </summary>
/// <remarks>
/// The result depends only on what the key holds: the binding registry does not change once it is ready (bindings are
/// discovered before the first scenario), the captured arguments and whether they convert depend on the step text and
/// the parameters' types, and a binding's scope looks only at the step context's tags, feature title and scenario title.
/// </remarks>
internal sealed class CachedStepDefinitionMatchService(
    IBindingRegistry bindingRegistry,
    IStepArgumentTypeConverter stepArgumentTypeConverter,
    IErrorProvider errorProvider,
    IMatchArgumentCalculator matchArgumentCalculator) : IStepDefinitionMatchService
{
    /// <summary>More distinct steps than this, and the memory starts over (a long-lived dashboard run).</summary>
    internal const int Capacity = 10_000;

    private readonly StepDefinitionMatchService _reqnroll = new(bindingRegistry, stepArgumentTypeConverter, errorProvider, matchArgumentCalculator);
    private readonly ConcurrentDictionary<Key, Matched> _matched = new();
    private ScopeUse? _scopes;

    public bool Ready => _reqnroll.Ready;

    public BindingMatch GetBestMatch(StepInstance stepInstance, CultureInfo bindingCulture, out StepDefinitionAmbiguityReason ambiguityReason,
        out List<BindingMatch> candidatingMatches)
    {
        if (!Ready) return _reqnroll.GetBestMatch(stepInstance, bindingCulture, out ambiguityReason, out candidatingMatches);
        _scopes ??= ScopeUse.Of(bindingRegistry);
        var key = new Key(stepInstance.StepDefinitionType, stepInstance.Text, stepInstance.MultilineTextArgument is not null,
            stepInstance.TableArgument is not null, bindingCulture.Name, _scopes.ContextOf(stepInstance.StepContext));
        if (_matched.TryGetValue(key, out var known))
        {
            var again = KnownBindingMatch.Create(known.Binding, known.ScopeMatches, known.ArgumentsFor(stepInstance), stepInstance.StepContext, known.Obsoletion);
            ambiguityReason = StepDefinitionAmbiguityReason.None;
            candidatingMatches = [again];
            return again;
        }
        var match = _reqnroll.GetBestMatch(stepInstance, bindingCulture, out ambiguityReason, out candidatingMatches);
        if (match.Success && ambiguityReason == StepDefinitionAmbiguityReason.None && Matched.Of(match, stepInstance) is { } remembered)
        {
            if (_matched.Count >= Capacity) _matched.Clear();
            _matched[key] = remembered;
        }
        return match;
    }

    public BindingMatch Match(IStepDefinitionBinding stepDefinitionBinding, StepInstance stepInstance, CultureInfo bindingCulture,
        bool useRegexMatching = true, bool useParamMatching = true, bool useScopeMatching = true) =>
        _reqnroll.Match(stepDefinitionBinding, stepInstance, bindingCulture, useRegexMatching, useParamMatching, useScopeMatching);

    /// <summary>A binding a step matched, with the arguments its expression captured (the doc string and table are the step's own).</summary>
    private sealed class Matched(IStepDefinitionBinding binding, int scopeMatches, MatchArgument[] captured, BindingObsoletion obsoletion)
    {
        public BindingObsoletion Obsoletion { get; } = obsoletion;
        public IStepDefinitionBinding Binding { get; } = binding;
        public int ScopeMatches { get; } = scopeMatches;

        /// <summary>Null when the match's arguments are not the captures followed by the step's doc string and table.</summary>
        public static Matched? Of(BindingMatch match, StepInstance step)
        {
            int extra = (step.MultilineTextArgument is null ? 0 : 1) + (step.TableArgument is null ? 0 : 1);
            var arguments = match.Arguments;
            if (arguments.Length < extra) return null;
            if (step.MultilineTextArgument is not null && !ReferenceEquals(arguments[^extra].Value, step.MultilineTextArgument)) return null;
            if (step.TableArgument is not null && !ReferenceEquals(arguments[^1].Value, step.TableArgument)) return null;
            return new Matched(match.StepBinding, match.ScopeMatches, arguments[..^extra], match.BindingObsoletion);
        }

        public MatchArgument[] ArgumentsFor(StepInstance step)
        {
            if (step.MultilineTextArgument is null && step.TableArgument is null) return [.. captured];
            var arguments = new List<MatchArgument>(captured.Length + 2);
            arguments.AddRange(captured);
            if (step.MultilineTextArgument is not null) arguments.Add(new MatchArgument(step.MultilineTextArgument));
            if (step.TableArgument is not null) arguments.Add(new MatchArgument(step.TableArgument));
            return [.. arguments];
        }
    }

    private readonly record struct Key(StepDefinitionType Type, string Text, bool HasDocString, bool HasTable, string Culture, string Scope);

    /// <summary>What of a step's context the run's scoped step definitions look at: some tags, the feature or scenario title.</summary>
    private sealed class ScopeUse(HashSet<string> tags, bool featureTitle, bool scenarioTitle)
    {
        public static ScopeUse Of(IBindingRegistry registry)
        {
            var scopes = registry.GetStepDefinitions().Where(b => b.IsScoped).Select(b => b.BindingScope).ToList();
            return new ScopeUse(scopes.Where(s => s.Tag is not null).Select(s => s.Tag).ToHashSet(StringComparer.Ordinal),
                scopes.Any(s => s.FeatureTitle is not null), scopes.Any(s => s.ScenarioTitle is not null));
        }

        public string ContextOf(StepContext? context)
        {
            if (context is null) return "\u0001"; // Reqnroll skips scope matching without a context
            if (tags.Count == 0 && !featureTitle && !scenarioTitle) return "";
            var relevant = (context.Tags ?? []).Where(tags.Contains).Distinct().Order(StringComparer.Ordinal);
            return string.Join("\u0000", relevant) + "\u0002" + (featureTitle ? context.FeatureTitle : "") + "\u0002" + (scenarioTitle ? context.ScenarioTitle : "");
        }
    }
}

/// <summary>
/// A <see cref="BindingMatch"/> for a binding whose <see cref="BindingObsoletion"/> is already known. Reqnroll's
/// constructor builds the obsoletion by instantiating every attribute of the binding method, for every step (on this
/// machine about 30 µs of a step's 100 µs in the engine); this sets the same five properties the constructor sets, with the
/// known obsoletion. The contract test compares it with the constructor's result property by property, so an upgrade of
/// Reqnroll that changes BindingMatch fails there.
/// </summary>
internal static class KnownBindingMatch
{
    private static readonly Action<BindingMatch, IStepDefinitionBinding> SetStepBinding = Setter<IStepDefinitionBinding>(nameof(BindingMatch.StepBinding));
    private static readonly Action<BindingMatch, int> SetScopeMatches = Setter<int>(nameof(BindingMatch.ScopeMatches));
    private static readonly Action<BindingMatch, MatchArgument[]> SetArguments = Setter<MatchArgument[]>(nameof(BindingMatch.Arguments));
    private static readonly Action<BindingMatch, StepContext> SetStepContext = Setter<StepContext>(nameof(BindingMatch.StepContext));
    private static readonly Action<BindingMatch, BindingObsoletion> SetBindingObsoletion = Setter<BindingObsoletion>(nameof(BindingMatch.BindingObsoletion));

    public static BindingMatch Create(IStepDefinitionBinding binding, int scopeMatches, MatchArgument[] arguments, StepContext stepContext, BindingObsoletion obsoletion)
    {
        var match = (BindingMatch)RuntimeHelpers.GetUninitializedObject(typeof(BindingMatch));
        SetStepBinding(match, binding);
        SetScopeMatches(match, scopeMatches);
        SetArguments(match, arguments);
        SetStepContext(match, stepContext);
        SetBindingObsoletion(match, obsoletion);
        return match;
    }

    private static Action<BindingMatch, T> Setter<T>(string property) =>
        typeof(BindingMatch).GetProperty(property)?.GetSetMethod(nonPublic: true)?.CreateDelegate<Action<BindingMatch, T>>()
        ?? throw new InvalidOperationException($"Reqnroll's BindingMatch has no settable {property}: this Reqnroll version is not the one Harness was built for");
}
