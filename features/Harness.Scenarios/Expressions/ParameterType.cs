using System.Text.RegularExpressions;

namespace Harness.Scenarios.Expressions;

/// <summary>
/// A parameter type of Cucumber expressions: <c>{name}</c> in an expression matches one of <see cref="Regexes"/> and
/// the matched text becomes a <see cref="Type"/> through <see cref="Transform"/>.
/// </summary>
/// <remarks>
/// <see cref="Transform"/> receives the capture groups of the regex that matched, like Cucumber's transformers: when the
/// regex has no capture groups, one value (the whole match); otherwise the values of its top-level capture groups, in
/// order (null for a group that did not take part in the match). Named groups are not allowed in parameter regexes.
/// </remarks>
public sealed class ParameterType
{
    private static readonly char[] IllegalNameCharacters = ['{', '}', '(', ')', '\\', '/'];

    /// <param name="name">The name used in expressions, without braces ("color" for <c>{color}</c>); "" is the anonymous <c>{}</c>.</param>
    /// <param name="regexes">One or more .NET regexes (without anchors) that match the text of the parameter.</param>
    /// <param name="type">The type <paramref name="transform"/> produces.</param>
    /// <param name="transform">Turns the group values into the value (see the remarks on the class).</param>
    /// <param name="useForSnippets">Whether <see cref="CucumberExpressionGenerator"/> uses this type in generated expressions.</param>
    /// <param name="preferForRegexpMatch">For a regular expression step whose capture group has the same regex as several
    /// parameter types: this one is used.</param>
    public ParameterType(string name, IReadOnlyList<string> regexes, Type type, Func<string?[], object?> transform,
        bool useForSnippets = true, bool preferForRegexpMatch = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(regexes);
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(transform);
        if (name.IndexOfAny(IllegalNameCharacters) >= 0)
            throw new CucumberExpressionException(
                $"Illegal character in parameter name {{{name}}}. Parameter names may not contain '{{', '}}', '(', ')', '\\' or '/'");
        if (regexes.Count == 0)
            throw new CucumberExpressionException($"The parameter type {{{name}}} needs at least one regex");
        foreach (var regex in regexes) Validate(name, regex);

        Name = name;
        Regexes = regexes.ToArray();
        Type = type;
        Transform = transform;
        UseForSnippets = useForSnippets;
        PreferForRegexpMatch = preferForRegexpMatch;
    }

    /// <summary>A parameter type with one regex.</summary>
    public ParameterType(string name, string regex, Type type, Func<string?[], object?> transform,
        bool useForSnippets = true, bool preferForRegexpMatch = false)
        : this(name, [regex], type, transform, useForSnippets, preferForRegexpMatch)
    {
    }

    /// <summary>The name without braces; "" for the anonymous parameter type <c>{}</c>.</summary>
    public string Name { get; }

    public IReadOnlyList<string> Regexes { get; }

    /// <summary>The type of the values <see cref="Transform"/> produces.</summary>
    public Type Type { get; }

    public Func<string?[], object?> Transform { get; }

    public bool UseForSnippets { get; }

    public bool PreferForRegexpMatch { get; }

    /// <summary>True for <c>{}</c>, whose text converts to whatever type the step method asks for.</summary>
    public bool IsAnonymous => Name.Length == 0;

    /// <summary>A parameter type whose transform takes the whole match (or the first top-level group) as a string.</summary>
    public static ParameterType Create<T>(string name, string regex, Func<string, T> transform,
        bool useForSnippets = true, bool preferForRegexpMatch = false)
    {
        ArgumentNullException.ThrowIfNull(transform);
        return new ParameterType(name, [regex], typeof(T), groups => groups.Length == 0 || groups[0] is null ? null : transform(groups[0]!),
            useForSnippets, preferForRegexpMatch);
    }

    /// <summary>
    /// A parameter type for an enum: by default its regex is the member names (case-insensitive), and the text parses
    /// case-insensitively (<c>ForEnum&lt;Color&gt;("color", "red|green|blue")</c>).
    /// </summary>
    public static ParameterType ForEnum<TEnum>(string name, string? regex = null, bool useForSnippets = true,
        bool preferForRegexpMatch = false) where TEnum : struct, Enum
    {
        regex ??= "(?i:" + string.Join("|", Enum.GetNames<TEnum>().OrderByDescending(n => n.Length).Select(Regex.Escape)) + ")";
        return new ParameterType(name, [regex], typeof(TEnum),
            groups => groups.Length == 0 || groups[0] is null ? null : StepArgumentConverter.ConvertText(groups[0], typeof(TEnum)),
            useForSnippets, preferForRegexpMatch);
    }

    public override string ToString() => "{" + Name + "}";

    private static void Validate(string name, string regex)
    {
        if (string.IsNullOrEmpty(regex))
            throw new CucumberExpressionException($"The parameter type {{{name}}} has an empty regex");
        if (regex.StartsWith('^') || (regex.EndsWith('$') && !regex.EndsWith("\\$", StringComparison.Ordinal)))
            throw new CucumberExpressionException(
                $"The regex /{regex}/ of parameter type {{{name}}} may not use the anchors ^ and $ (the expression anchors the whole step)");
        Regex compiled;
        try { compiled = new Regex(regex, RegexOptions.CultureInvariant); }
        catch (ArgumentException ex)
        {
            throw new CucumberExpressionException($"The regex /{regex}/ of parameter type {{{name}}} is not valid: {ex.Message}", ex);
        }
        if (compiled.GetGroupNames().Any(g => !int.TryParse(g, out _)))
            throw new CucumberExpressionException(
                $"The regex /{regex}/ of parameter type {{{name}}} has a named group; use unnamed groups ( ) or non-capturing groups (?: )");
    }
}
