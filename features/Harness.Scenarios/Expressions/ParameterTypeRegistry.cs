using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;

namespace Harness.Scenarios.Expressions;

/// <summary>
/// The parameter types Cucumber expressions can use: the built-ins ({int}, {float}, {double}, {long}, {byte},
/// {short}, {biginteger}, {bigdecimal}, {word}, {string} and the anonymous {}) and those added with <see cref="Define"/>.
/// Safe to read from several threads; define the custom types before matching.
/// </summary>
public sealed class ParameterTypeRegistry
{
    /// <summary>Integers: "71", "-19" (the second regex is the one Cucumber also uses for regular expression steps).</summary>
    public static readonly IReadOnlyList<string> IntegerRegexes = [@"-?\d+", @"\d+"];

    /// <summary>Decimal floats: "3.6", ".8", "-9.2", "+1.5E+3" (at least one digit; a dot must have digits after it).</summary>
    public const string FloatRegex = @"[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?";

    /// <summary>Anything without whitespace.</summary>
    public const string WordRegex = @"[^\s]+";

    /// <summary>A double- or single-quoted string with backslash escapes; the top-level groups are the contents.</summary>
    public const string StringRegex = "\"([^\"\\\\]*(\\\\.[^\"\\\\]*)*)\"|'([^'\\\\]*(\\\\.[^'\\\\]*)*)'";

    /// <summary>The anonymous parameter type's regex.</summary>
    public const string AnonymousRegex = ".*";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private readonly object _lock = new();
    private readonly List<ParameterType> _ordered = [];
    private readonly Dictionary<string, ParameterType> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ParameterType>> _byRegex = new(StringComparer.Ordinal);

    /// <summary>A registry with the built-in parameter types.</summary>
    public ParameterTypeRegistry()
    {
        foreach (var pt in BuiltIns()) Define(pt);
        Anonymous = _byName[""];
    }

    /// <summary>The anonymous parameter type <c>{}</c>.</summary>
    public ParameterType Anonymous { get; }

    /// <summary>Every parameter type, built-ins first, then in the order they were defined.</summary>
    public IReadOnlyList<ParameterType> ParameterTypes
    {
        get { lock (_lock) return _ordered.ToArray(); }
    }

    /// <summary>Adds a parameter type.</summary>
    /// <exception cref="DuplicateParameterTypeException">The name is taken.</exception>
    /// <exception cref="CucumberExpressionException">It is preferential for a regex that already has a preferential type.</exception>
    public void Define(ParameterType parameterType)
    {
        ArgumentNullException.ThrowIfNull(parameterType);
        lock (_lock)
        {
            if (_byName.ContainsKey(parameterType.Name)) throw new DuplicateParameterTypeException(parameterType.Name);
            if (parameterType.PreferForRegexpMatch)
                foreach (var regex in parameterType.Regexes)
                    if (_byRegex.TryGetValue(regex, out var existing) && existing.FirstOrDefault(e => e.PreferForRegexpMatch) is { } other)
                        throw new CucumberExpressionException(
                            $"There can only be one preferential parameter type per regexp. The regexp /{regex}/ is used for two preferential parameter types, {other} and {parameterType}");

            _byName.Add(parameterType.Name, parameterType);
            _ordered.Add(parameterType);
            foreach (var regex in parameterType.Regexes)
            {
                if (!_byRegex.TryGetValue(regex, out var list)) _byRegex[regex] = list = [];
                list.Add(parameterType);
                // The preferential type first; otherwise definition order.
                list.Sort((a, b) => b.PreferForRegexpMatch.CompareTo(a.PreferForRegexpMatch));
            }
        }
    }

    /// <summary>The parameter type named <paramref name="name"/> (without braces).</summary>
    /// <exception cref="UndefinedParameterTypeException">No such parameter type; the message lists the known ones.</exception>
    public ParameterType Lookup(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (TryLookup(name, out var pt)) return pt;
        throw new UndefinedParameterTypeException(name, KnownNames());
    }

    public bool TryLookup(string name, [NotNullWhen(true)] out ParameterType? parameterType)
    {
        lock (_lock) return _byName.TryGetValue(name, out parameterType);
    }

    /// <summary>
    /// The parameter type whose regex is exactly <paramref name="regex"/> (used for the groups of regular expression
    /// steps): null when there is none, the preferential one when there are several.
    /// </summary>
    /// <exception cref="AmbiguousParameterTypeException">Several have the regex and none is preferential.</exception>
    public ParameterType? LookupByRegex(string regex, string expressionForMessage = "")
    {
        lock (_lock)
        {
            if (!_byRegex.TryGetValue(regex, out var list) || list.Count == 0) return null;
            if (list.Count > 1 && !list[0].PreferForRegexpMatch)
                throw new AmbiguousParameterTypeException(regex, expressionForMessage, list.ToArray());
            return list[0];
        }
    }

    internal IReadOnlyList<string> KnownNames()
    {
        lock (_lock) return _byName.Keys.OrderBy(n => n, StringComparer.Ordinal).ToArray();
    }

    private static IEnumerable<ParameterType> BuiltIns()
    {
        yield return new ParameterType("int", IntegerRegexes, typeof(int),
            g => g[0] is { } s ? int.Parse(s, NumberStyles.AllowLeadingSign, Invariant) : null, useForSnippets: true, preferForRegexpMatch: true);
        yield return new ParameterType("float", [FloatRegex], typeof(float),
            g => g[0] is { } s ? Finite(float.Parse(s, NumberStyles.Float, Invariant), "Single") : null, useForSnippets: true, preferForRegexpMatch: false);
        yield return new ParameterType("double", [FloatRegex], typeof(double),
            g => g[0] is { } s ? Finite(double.Parse(s, NumberStyles.Float, Invariant), "Double") : null, useForSnippets: false, preferForRegexpMatch: false);
        yield return new ParameterType("long", IntegerRegexes, typeof(long),
            g => g[0] is { } s ? long.Parse(s, NumberStyles.AllowLeadingSign, Invariant) : null, useForSnippets: false, preferForRegexpMatch: false);
        yield return new ParameterType("byte", IntegerRegexes, typeof(byte),
            g => g[0] is { } s ? byte.Parse(s, NumberStyles.AllowLeadingSign, Invariant) : null, useForSnippets: false, preferForRegexpMatch: false);
        yield return new ParameterType("short", IntegerRegexes, typeof(short),
            g => g[0] is { } s ? short.Parse(s, NumberStyles.AllowLeadingSign, Invariant) : null, useForSnippets: false, preferForRegexpMatch: false);
        yield return new ParameterType("biginteger", IntegerRegexes, typeof(BigInteger),
            g => g[0] is { } s ? BigInteger.Parse(s, NumberStyles.AllowLeadingSign, Invariant) : null, useForSnippets: false, preferForRegexpMatch: false);
        yield return new ParameterType("bigdecimal", [FloatRegex], typeof(decimal),
            g => g[0] is { } s ? decimal.Parse(s, NumberStyles.Float, Invariant) : null, useForSnippets: false, preferForRegexpMatch: false);
        yield return new ParameterType("word", [WordRegex], typeof(string),
            g => g[0], useForSnippets: false, preferForRegexpMatch: false);
        yield return new ParameterType("string", [StringRegex], typeof(string),
            g => g[0] is { } d ? d.Replace("\\\"", "\"", StringComparison.Ordinal)
                : g.Length > 1 && g[1] is { } q ? q.Replace("\\'", "'", StringComparison.Ordinal)
                : null,
            useForSnippets: true, preferForRegexpMatch: false);
        yield return new ParameterType("", [AnonymousRegex], typeof(object),
            g => g[0], useForSnippets: false, preferForRegexpMatch: true);
    }

    private static float Finite(float value, string type) =>
        float.IsInfinity(value) ? throw new OverflowException($"Value was either too large or too small for a {type}.") : value;

    private static double Finite(double value, string type) =>
        double.IsInfinity(value) ? throw new OverflowException($"Value was either too large or too small for a {type}.") : value;
}
