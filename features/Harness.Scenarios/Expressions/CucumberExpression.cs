using System.Text;
using System.Text.RegularExpressions;

namespace Harness.Scenarios.Expressions;

/// <summary>What step bindings match step text with: a <see cref="CucumberExpression"/> or a <see cref="RegularExpression"/>.</summary>
public interface IStepExpression
{
    /// <summary>The expression as written.</summary>
    string Source { get; }

    /// <summary>The anchored regex the expression matches with.</summary>
    Regex Regex { get; }

    /// <summary>The parameter type of each argument, in order.</summary>
    IReadOnlyList<ParameterType> ParameterTypes { get; }

    /// <summary>The arguments when the whole <paramref name="text"/> matches; null when it does not.</summary>
    IReadOnlyList<StepArgument>? Match(string text);
}

/// <summary>
/// A Cucumber expression (https://github.com/cucumber/cucumber-expressions): text with parameters <c>{int}</c>, optional
/// text <c>cucumber(s)</c>, alternative text <c>belly/stomach</c> and escapes <c>\(</c> <c>\{</c> <c>\/</c> <c>\\</c>.
/// It compiles to an anchored regex.
/// </summary>
/// <exception cref="CucumberExpressionException">The expression is not valid (the message points at the column).</exception>
/// <exception cref="UndefinedParameterTypeException">It uses a parameter type the registry does not know.</exception>
public sealed class CucumberExpression : IStepExpression
{
    private readonly RegexGroup _groups;
    private readonly ParameterType[] _parameterTypes;

    public CucumberExpression(string expression, ParameterTypeRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        Source = expression;
        Registry = registry ?? new ParameterTypeRegistry();
        var ast = CucumberExpressionParser.Parse(expression);
        var types = new List<ParameterType>();
        var pattern = new Compiler(expression, Registry, types).Rewrite(ast);
        Regex = new Regex(pattern, RegexOptions.CultureInvariant);
        _parameterTypes = types.ToArray();
        _groups = RegexGroupTree.Build(Regex);
        if (_groups.Children.Count != _parameterTypes.Length)
            throw new CucumberExpressionException(
                $"Internal error: the regex /{pattern}/ of the expression \"{expression}\" has {_groups.Children.Count} top-level groups for {_parameterTypes.Length} parameters");
    }

    public string Source { get; }

    public Regex Regex { get; }

    public ParameterTypeRegistry Registry { get; }

    public IReadOnlyList<ParameterType> ParameterTypes => _parameterTypes;

    public IReadOnlyList<StepArgument>? Match(string text) =>
        RegexGroupTree.Arguments(Regex, _groups, text, _parameterTypes, i => _parameterTypes[i].ToString());

    public override string ToString() => Source;

    /// <summary>Rewrites the syntax tree to a regex (the production rules of the specification) and checks it.</summary>
    private sealed class Compiler(string expression, ParameterTypeRegistry registry, List<ParameterType> types)
    {
        public string Rewrite(Node node) => node.Type switch
        {
            NodeType.Expression => "^" + RewriteAll(node.Children) + "$",
            NodeType.Text => EscapeRegex(node.Text),
            NodeType.Optional => RewriteOptional(node),
            NodeType.Alternation => RewriteAlternation(node),
            NodeType.Alternative => RewriteAll(node.Children),
            NodeType.Parameter => RewriteParameter(node),
            _ => throw new InvalidOperationException($"unknown node {node.Type}"),
        };

        private string RewriteAll(IEnumerable<Node> nodes) => string.Concat(nodes.Select(Rewrite));

        private string RewriteOptional(Node node)
        {
            if (node.Children.FirstOrDefault(c => c.Type == NodeType.Parameter) is { } parameter)
                throw new CucumberExpressionException(expression, parameter.Start, parameter.End,
                    "An optional may not contain a parameter type", "If you did not mean to use an parameter type you can use '\\{' to escape the '{'");
            if (node.Children.FirstOrDefault(c => c.Type == NodeType.Optional) is { } optional)
                throw new CucumberExpressionException(expression, optional.Start, optional.End,
                    "An optional may not contain an other optional",
                    "If you did not mean to use an optional type you can use '\\(' to escape the '('. For more complicated expressions consider using a regular expression instead.");
            if (node.Children.All(c => c.Type != NodeType.Text))
                throw new CucumberExpressionException(expression, node.Start, node.End,
                    "An optional must contain some text", "If you did not mean to use an optional you can use '\\(' to escape the '('");
            return "(?:" + RewriteAll(node.Children) + ")?";
        }

        private string RewriteAlternation(Node node)
        {
            foreach (var alternative in node.Children)
            {
                if (alternative.Children.Count == 0)
                    throw new CucumberExpressionException(expression, alternative.Start, alternative.End,
                        "Alternative may not be empty", "If you did not mean to use an alternative you can use '\\/' to escape the '/'");
                if (alternative.Children.All(c => c.Type != NodeType.Text))
                    throw new CucumberExpressionException(expression, alternative.Start, alternative.End,
                        "An alternative may not exclusively contain optionals", "If you did not mean to use an optional you can use '\\(' to escape the '('");
            }
            return "(?:" + string.Join("|", node.Children.Select(Rewrite)) + ")";
        }

        private string RewriteParameter(Node node)
        {
            var name = node.JoinedText;
            if (!registry.TryLookup(name, out var pt))
                throw new UndefinedParameterTypeException(name, registry.KnownNames(), expression, node.Start, node.End);
            types.Add(pt);
            return pt.Regexes.Count == 1
                ? "(" + pt.Regexes[0] + ")"
                : "(" + string.Join("|", pt.Regexes.Select(r => "(?:" + r + ")")) + ")";
        }

        private static string EscapeRegex(string text)
        {
            var sb = new StringBuilder(text.Length);
            foreach (var c in text)
            {
                if (c is '^' or '$' or '[' or ']' or '(' or ')' or '\\' or '{' or '}' or '.' or '|' or '?' or '*' or '+') sb.Append('\\');
                sb.Append(c);
            }
            return sb.ToString();
        }
    }
}
