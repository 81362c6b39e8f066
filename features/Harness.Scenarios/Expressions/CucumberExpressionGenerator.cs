using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Harness.Scenarios.Expressions;

/// <summary>A parameter of a generated expression: its name in a snippet (p0, p1, ...) and its parameter type.</summary>
public sealed record GeneratedParameter(string Name, ParameterType ParameterType)
{
    /// <summary>The .NET type the parameter type produces.</summary>
    public Type Type => ParameterType.Type;

    /// <summary>The C# spelling of <see cref="Type"/> for a snippet ("int", "float", "string", "Color").</summary>
    public string TypeName => TypeNames.CSharp(Type);

    public override string ToString() => $"{TypeName} {Name}";
}

/// <summary>A Cucumber expression generated for a step text, with its parameters.</summary>
public sealed class GeneratedExpression
{
    internal GeneratedExpression(string expression, IReadOnlyList<ParameterType> parameterTypes)
    {
        Expression = expression;
        Parameters = parameterTypes.Select((pt, i) => new GeneratedParameter("p" + i.ToString(CultureInfo.InvariantCulture), pt)).ToArray();
    }

    /// <summary>The expression ("I have {int} cukes in my {string}").</summary>
    public string Expression { get; }

    public IReadOnlyList<GeneratedParameter> Parameters { get; }

    public IReadOnlyList<ParameterType> ParameterTypes => Parameters.Select(p => p.ParameterType).ToArray();

    public IReadOnlyList<string> ParameterNames => Parameters.Select(p => p.Name).ToArray();

    /// <summary>The C# parameter list of a snippet: "int p0, string p1".</summary>
    public string ParameterList => string.Join(", ", Parameters.Select(p => p.ToString()));

    public override string ToString() => Expression;
}

/// <summary>
/// Generates Cucumber expressions for the text of an undefined step, as Cucumber's generator does: the parameter types
/// with <see cref="ParameterType.UseForSnippets"/> (built-ins: {int}, {float}, {string}; custom ones by default) are
/// looked for in the text, as whole words; at each place the longest match wins (so "1.5" is a {float}, not an {int}),
/// and where several parameter types match the same text ("5" is an {int} and a {float}) each gives an expression,
/// the preferential type first. The text between parameters is escaped.
/// </summary>
public sealed class CucumberExpressionGenerator
{
    /// <summary>At most this many expressions are generated for one text.</summary>
    public const int MaxExpressions = 256;

    private readonly ParameterTypeRegistry _registry;

    public CucumberExpressionGenerator(ParameterTypeRegistry? registry = null) => _registry = registry ?? new ParameterTypeRegistry();

    /// <summary>The best expression for <paramref name="text"/> (the first of <see cref="GenerateExpressions"/>).</summary>
    public static GeneratedExpression Generate(string text, ParameterTypeRegistry? registry = null) =>
        new CucumberExpressionGenerator(registry).GenerateExpressions(text)[0];

    /// <summary>Every expression for <paramref name="text"/>, best first (always at least one).</summary>
    public IReadOnlyList<GeneratedExpression> GenerateExpressions(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var matchers = _registry.ParameterTypes
            .Where(pt => pt.UseForSnippets)
            .SelectMany(pt => pt.Regexes.Select(r => (Type: pt, Regex: new Regex("(?:" + r + ")", RegexOptions.CultureInvariant))))
            .ToList();

        var texts = new List<string>();
        var choices = new List<IReadOnlyList<ParameterType>>();
        int pos = 0;
        while (pos < text.Length)
        {
            var found = new List<(ParameterType Type, int Start, int Length)>();
            foreach (var (type, regex) in matchers)
                if (FindWholeWord(regex, text, pos) is { } m)
                    found.Add((type, m.Index, m.Length));
            if (found.Count == 0) break;

            int start = found.Min(f => f.Start);
            int length = found.Where(f => f.Start == start).Max(f => f.Length);
            var best = found.Where(f => f.Start == start && f.Length == length).Select(f => f.Type).Distinct()
                .OrderByDescending(t => t.PreferForRegexpMatch).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
            texts.Add(Escape(text[pos..start]));
            choices.Add(best);
            pos = start + length;
        }
        texts.Add(Escape(text[pos..]));

        var results = new List<GeneratedExpression>();
        Combine(texts, choices, 0, new ParameterType[choices.Count], results);
        return results;
    }

    private static void Combine(List<string> texts, List<IReadOnlyList<ParameterType>> choices, int depth, ParameterType[] picked,
        List<GeneratedExpression> results)
    {
        if (results.Count >= MaxExpressions) return;
        if (depth == choices.Count)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < picked.Length; i++) sb.Append(texts[i]).Append('{').Append(picked[i].Name).Append('}');
            sb.Append(texts[^1]);
            results.Add(new GeneratedExpression(sb.ToString(), picked.ToArray()));
            return;
        }
        foreach (var type in choices[depth])
        {
            picked[depth] = type;
            Combine(texts, choices, depth + 1, picked, results);
            if (results.Count >= MaxExpressions) return;
        }
    }

    /// <summary>The first non-empty match at or after <paramref name="from"/> that starts and ends at word boundaries.</summary>
    private static Match? FindWholeWord(Regex regex, string text, int from)
    {
        int p = from;
        while (p < text.Length)
        {
            var m = regex.Match(text, p);
            if (!m.Success) return null;
            if (m.Length > 0 && IsBoundary(text, m.Index - 1) && IsBoundary(text, m.Index + m.Length)) return m;
            p = m.Index + 1;
        }
        return null;
    }

    /// <summary>Outside the text, or a separator, punctuation or symbol character (Unicode Z, P, S) or whitespace.</summary>
    private static bool IsBoundary(string text, int index)
    {
        if (index < 0 || index >= text.Length) return true;
        char c = text[index];
        if (char.IsWhiteSpace(c)) return true;
        return char.GetUnicodeCategory(c) switch
        {
            UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => true,
            UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
                or UnicodeCategory.OtherPunctuation => true,
            UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol => true,
            _ => false,
        };
    }

    /// <summary>Escapes the characters that start something in a Cucumber expression: \ ( { /.</summary>
    internal static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '\\' or '(' or '{' or '/') sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }
}
