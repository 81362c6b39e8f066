using System.Text.RegularExpressions;

namespace Harness.Scenarios.Expressions;

/// <summary>
/// A regular expression step (<c>^I have (\d+) cukes$</c>). The whole step text must match (a pattern without ^ or $ is
/// anchored, as Reqnroll does). The top-level capture groups are the arguments; a group whose regex is the regex of a
/// registered parameter type (<c>(\d+)</c> is {int}'s) is transformed by it when the step method wants that type, and
/// otherwise its text converts to the parameter's type (int, long, double, decimal, bool, string, enums, Guid,
/// DateTimeOffset, TimeSpan, ...: see <see cref="StepArgumentConverter"/>).
/// </summary>
public sealed class RegularExpression : IStepExpression
{
    private readonly RegexGroup _groups;
    private readonly ParameterType[] _parameterTypes;
    private readonly string[] _labels;

    /// <exception cref="ArgumentException">The pattern is not a valid .NET regex.</exception>
    /// <exception cref="AmbiguousParameterTypeException">A group has the regex of several parameter types, none preferential.</exception>
    public RegularExpression(string pattern, ParameterTypeRegistry? registry = null, RegexOptions options = RegexOptions.CultureInvariant)
        : this(pattern, Compile(pattern, options), registry)
    {
    }

    public RegularExpression(Regex regex, ParameterTypeRegistry? registry = null)
        : this(regex?.ToString() ?? throw new ArgumentNullException(nameof(regex)), Anchor(regex), registry)
    {
    }

    private RegularExpression(string source, Regex regex, ParameterTypeRegistry? registry)
    {
        Source = source;
        Regex = regex;
        Registry = registry ?? new ParameterTypeRegistry();
        _groups = RegexGroupTree.Build(regex);
        var pattern = regex.ToString();
        _parameterTypes = new ParameterType[_groups.Children.Count];
        _labels = new string[_groups.Children.Count];
        for (int i = 0; i < _parameterTypes.Length; i++)
        {
            var node = _groups.Children[i];
            var content = node.Content(pattern);
            _parameterTypes[i] = (content.Length > 0 ? Registry.LookupByRegex(content, source) : null) ?? Registry.Anonymous;
            _labels[i] = content.Length > 0 ? $"({content}) of /{source}/" : $"group {node.Number} of /{source}/";
        }
    }

    public string Source { get; }

    /// <summary>The anchored regex (the pattern itself when it starts with ^ and ends with $).</summary>
    public Regex Regex { get; }

    public ParameterTypeRegistry Registry { get; }

    public IReadOnlyList<ParameterType> ParameterTypes => _parameterTypes;

    public IReadOnlyList<StepArgument>? Match(string text) =>
        RegexGroupTree.Arguments(Regex, _groups, text, _parameterTypes, i => _labels[i]);

    public override string ToString() => Source;

    private static Regex Compile(string pattern, RegexOptions options)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        try { return new Regex(AnchorPattern(pattern), options); }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"The regular expression /{pattern}/ is not valid: {ex.Message}", nameof(pattern), ex);
        }
    }

    private static Regex Anchor(Regex regex)
    {
        var pattern = regex.ToString();
        var anchored = AnchorPattern(pattern);
        return anchored == pattern ? regex : new Regex(anchored, regex.Options, regex.MatchTimeout);
    }

    /// <summary>The pattern when it starts with ^ and ends with an unescaped $; else ^(?:pattern)$.</summary>
    private static string AnchorPattern(string pattern)
    {
        bool start = pattern.StartsWith('^');
        bool end = pattern.EndsWith('$') && TrailingBackslashes(pattern, pattern.Length - 1) % 2 == 0;
        return start && end ? pattern : "^(?:" + pattern + ")$";
    }

    private static int TrailingBackslashes(string s, int before)
    {
        int n = 0;
        for (int i = before - 1; i >= 0 && s[i] == '\\'; i--) n++;
        return n;
    }
}

/// <summary>Makes the matcher of a step binding from its text, as Cucumber does.</summary>
public static class StepExpressionFactory
{
    /// <summary>
    /// A <see cref="RegularExpression"/> when the text starts with ^ or ends with $, else a <see cref="CucumberExpression"/>.
    /// </summary>
    public static IStepExpression Create(string text, ParameterTypeRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        registry ??= new ParameterTypeRegistry();
        return IsRegularExpression(text) ? new RegularExpression(text, registry) : new CucumberExpression(text, registry);
    }

    public static bool IsRegularExpression(string text) => text.StartsWith('^') || text.EndsWith('$');
}
