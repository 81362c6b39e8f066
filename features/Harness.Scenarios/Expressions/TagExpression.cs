using System.Text;

namespace Harness.Scenarios.Expressions;

/// <summary>
/// A tag expression is not valid. The message is Cucumber's: <c>Tag expression "@a and" could not be parsed because of
/// syntax error: Expected operand.</c>; <see cref="Position"/> says where (0-based character index).
/// </summary>
public sealed class TagExpressionException : Exception
{
    internal TagExpressionException(string expression, int position, string problem)
        : base($"Tag expression \"{expression}\" could not be parsed because of syntax error: {problem}")
    {
        Expression = expression;
        Position = position;
        Problem = problem;
    }

    public string Expression { get; }

    /// <summary>The 0-based index in <see cref="Expression"/> of the token with the problem (its length at the end).</summary>
    public int Position { get; }

    /// <summary>The problem alone ("Expected operand.").</summary>
    public string Problem { get; }
}

/// <summary>
/// A Cucumber tag expression (https://github.com/cucumber/tag-expressions): tags combined with <c>and</c>, <c>or</c>,
/// <c>not</c> and parentheses; <c>not</c> binds tighter than <c>and</c>, which binds tighter than <c>or</c>, and binary
/// operators group to the left. In a tag, <c>\(</c>, <c>\)</c>, <c>\\</c> and <c>\ </c> (backslash, whitespace) escape.
/// The empty expression matches everything.
/// </summary>
/// <remarks>
/// Tags compare ordinally; a leading '@' is optional on both sides, so <c>smoke</c> and <c>@smoke</c> are the same tag.
/// <see cref="ToString"/> gives Cucumber's canonical fully parenthesised form: <c>( @a and not ( @b ) )</c>.
/// </remarks>
public abstract class TagExpression
{
    private protected TagExpression() { }

    /// <summary>The expression that matches every set of tags (the empty expression).</summary>
    public static TagExpression True { get; } = new TrueNode();

    /// <summary>Parses a tag expression; null, empty or blank gives <see cref="True"/>.</summary>
    /// <exception cref="TagExpressionException">The expression is not valid.</exception>
    public static TagExpression Parse(string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression)) return True;
        return new Parser(expression).ParseAll();
    }

    /// <summary>Whether a pickle with <paramref name="tags"/> matches.</summary>
    public bool Evaluate(IEnumerable<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tag in tags)
            if (tag is not null) set.Add(Normalize(tag));
        return Evaluate(set);
    }

    /// <summary>Whether a pickle with <paramref name="tags"/> matches.</summary>
    public bool Evaluate(params string[] tags) => Evaluate((IEnumerable<string>)tags);

    /// <summary>The tags the expression names (unescaped, as written).</summary>
    public IReadOnlyList<string> Tags
    {
        get
        {
            var tags = new List<string>();
            Collect(tags);
            return tags.Distinct(StringComparer.Ordinal).ToArray();
        }
    }

    private protected abstract bool Evaluate(HashSet<string> tags);

    private protected abstract void Collect(List<string> tags);

    /// <summary>The canonical fully parenthesised form ("true" for the empty expression).</summary>
    public abstract override string ToString();

    private static string Normalize(string tag) => tag.StartsWith('@') ? tag[1..] : tag;

    private sealed class TrueNode : TagExpression
    {
        private protected override bool Evaluate(HashSet<string> tags) => true;
        private protected override void Collect(List<string> tags) { }
        public override string ToString() => "true";
    }

    private sealed class Literal(string tag) : TagExpression
    {
        private readonly string _normalized = Normalize(tag);

        private protected override bool Evaluate(HashSet<string> tags) => tags.Contains(_normalized);
        private protected override void Collect(List<string> tags) => tags.Add(tag);

        public override string ToString()
        {
            var sb = new StringBuilder(tag.Length);
            foreach (var c in tag)
            {
                if (c is '\\' or '(' or ')' || char.IsWhiteSpace(c)) sb.Append('\\');
                sb.Append(c);
            }
            return sb.ToString();
        }
    }

    private sealed class And(TagExpression left, TagExpression right) : TagExpression
    {
        private protected override bool Evaluate(HashSet<string> tags) => left.Evaluate(tags) && right.Evaluate(tags);
        private protected override void Collect(List<string> tags) { left.Collect(tags); right.Collect(tags); }
        public override string ToString() => $"( {left} and {right} )";
    }

    private sealed class Or(TagExpression left, TagExpression right) : TagExpression
    {
        private protected override bool Evaluate(HashSet<string> tags) => left.Evaluate(tags) || right.Evaluate(tags);
        private protected override void Collect(List<string> tags) { left.Collect(tags); right.Collect(tags); }
        public override string ToString() => $"( {left} or {right} )";
    }

    private sealed class Not(TagExpression operand) : TagExpression
    {
        private protected override bool Evaluate(HashSet<string> tags) => !operand.Evaluate(tags);
        private protected override void Collect(List<string> tags) => operand.Collect(tags);
        public override string ToString() => operand is And or Or ? $"not {operand}" : $"not ( {operand} )";
    }

    private enum Kind { Tag, And, Or, Not, Open, Close }

    private readonly record struct Token(Kind Kind, string Text, int Position);

    /// <summary>Recursive descent: or-expression := and-expression ("or" and-expression)*; and-expression :=
    /// unary ("and" unary)*; unary := "not" unary | "(" or-expression ")" | tag.</summary>
    private sealed class Parser
    {
        private const string CommaMessage =
            "An invalid tag combination operator was detected. The use of a comma (\",\") to combine tags is not supported. " +
            "Please replace it with either the \"or\" or \"and\" operators for tag combinations. For example, use \"@tag1 or @tag2\" or \"@tag1 and @tag2\"";

        private readonly string _expression;
        private readonly List<Token> _tokens;
        private int _next;

        public Parser(string expression)
        {
            _expression = expression;
            _tokens = Tokenize();
        }

        public TagExpression ParseAll()
        {
            var result = ParseOr();
            if (_next < _tokens.Count)
            {
                var token = _tokens[_next];
                throw Error(token.Position, token.Kind == Kind.Close ? "Unmatched )." : "Expected operator.");
            }
            return result;
        }

        private TagExpression ParseOr()
        {
            var left = ParseAnd();
            while (Peek() is { Kind: Kind.Or })
            {
                _next++;
                left = new Or(left, ParseAnd());
            }
            return left;
        }

        private TagExpression ParseAnd()
        {
            var left = ParseUnary();
            while (Peek() is { Kind: Kind.And })
            {
                _next++;
                left = new And(left, ParseUnary());
            }
            return left;
        }

        private TagExpression ParseUnary()
        {
            if (Peek() is not { } token) throw Error(_expression.Length, "Expected operand.");
            switch (token.Kind)
            {
                case Kind.Not:
                    _next++;
                    return new Not(ParseUnary());
                case Kind.Open:
                    _next++;
                    var inner = ParseOr();
                    if (Peek() is not { } close) throw Error(token.Position, "Unmatched (.");
                    if (close.Kind != Kind.Close) throw Error(close.Position, "Expected operator.");
                    _next++;
                    return inner;
                case Kind.Tag:
                    _next++;
                    return new Literal(token.Text);
                default:
                    throw Error(token.Position, "Expected operand.");
            }
        }

        private Token? Peek() => _next < _tokens.Count ? _tokens[_next] : null;

        private TagExpressionException Error(int position, string problem) => new(_expression, position, problem);

        private List<Token> Tokenize()
        {
            var tokens = new List<Token>();
            var s = _expression;
            int i = 0;
            while (i < s.Length)
            {
                char c = s[i];
                if (char.IsWhiteSpace(c)) { i++; continue; }
                if (c == '(') { tokens.Add(new Token(Kind.Open, "(", i++)); continue; }
                if (c == ')') { tokens.Add(new Token(Kind.Close, ")", i++)); continue; }

                int start = i;
                var sb = new StringBuilder();
                bool escaped = false;
                while (i < s.Length)
                {
                    c = s[i];
                    if (c == '\\')
                    {
                        if (i + 1 >= s.Length) throw Error(i, "Illegal escape at the end of the expression.");
                        char next = s[i + 1];
                        if (!(next is '(' or ')' or '\\' || char.IsWhiteSpace(next)))
                            throw Error(i, $"Illegal escape before \"{next}\".");
                        sb.Append(next);
                        escaped = true;
                        i += 2;
                        continue;
                    }
                    if (char.IsWhiteSpace(c) || c is '(' or ')') break;
                    sb.Append(c);
                    i++;
                }
                var text = sb.ToString();
                if (!escaped && text is "and" or "or" or "not")
                {
                    tokens.Add(new Token(text switch { "and" => Kind.And, "or" => Kind.Or, _ => Kind.Not }, text, start));
                    continue;
                }
                if (text.Contains(',')) throw Error(start + text.IndexOf(','), CommaMessage);
                tokens.Add(new Token(Kind.Tag, text, start));
            }
            return tokens;
        }
    }
}
