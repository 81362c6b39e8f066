using System.Text;

namespace Harness.Scenarios.Expressions;

internal enum TokenType
{
    WhiteSpace,
    Text,
    BeginOptional,
    EndOptional,
    BeginParameter,
    EndParameter,
    Alternation,
}

/// <summary>A token of a Cucumber expression; Start and End are code point indexes (End exclusive).</summary>
internal sealed record Token(TokenType Type, string Text, int Start, int End);

internal enum NodeType
{
    Expression,
    Text,
    Optional,
    Alternation,
    Alternative,
    Parameter,
}

/// <summary>A node of the syntax tree; Start and End are code point indexes (End exclusive).</summary>
internal sealed record Node(NodeType Type, int Start, int End, IReadOnlyList<Node> Children, string Text = "")
{
    /// <summary>The text of a node's text children ("int" for the parameter node of {int}).</summary>
    public string JoinedText => Type == NodeType.Text ? Text : string.Concat(Children.Select(c => c.JoinedText));
}

/// <summary>
/// Tokenizes and parses a Cucumber expression into a syntax tree, following the grammar of the specification:
/// <code>
/// cucumber-expression = ( alternation | optional | parameter | text )*
/// alternation         = (?&lt;=left-boundary), alternative*, ( "/" + alternative* )+, (?=right-boundary)
/// left-boundary       = whitespace | "}" | "^"
/// right-boundary      = whitespace | "{" | "$"
/// alternative         = optional | parameter | text
/// optional            = "(", option*, ")"
/// option              = optional | parameter | text
/// parameter           = "{", name*, "}"
/// name                = whitespace | .
/// text                = whitespace | ")" | "}" | .
/// </code>
/// Trees that the grammar allows but expressions do not (an optional in an optional, an empty alternative, ...) are
/// rejected when the tree is compiled to a regex.
/// </summary>
internal sealed class CucumberExpressionParser
{
    private readonly string _expression;
    private readonly IReadOnlyList<Token> _tokens;
    private readonly int _length;

    private CucumberExpressionParser(string expression, IReadOnlyList<Token> tokens, int length)
    {
        _expression = expression;
        _tokens = tokens;
        _length = length;
    }

    public static Node Parse(string expression)
    {
        var (tokens, length) = Tokenize(expression);
        return new CucumberExpressionParser(expression, tokens, length).ParseExpression();
    }

    /// <summary>Splits the expression into tokens; escaped characters become text. Returns the length in code points.</summary>
    internal static (IReadOnlyList<Token> Tokens, int Length) Tokenize(string expression)
    {
        var codePoints = expression.EnumerateRunes().Select(r => r.ToString()).ToArray();
        var tokens = new List<Token>();
        var buffer = new StringBuilder();
        TokenType? bufferType = null;
        int bufferStart = 0;

        void Flush(int end)
        {
            if (bufferType is { } t) tokens.Add(new Token(t, buffer.ToString(), bufferStart, end));
            buffer.Clear();
            bufferType = null;
        }

        for (int i = 0; i < codePoints.Length; i++)
        {
            string cp = codePoints[i];
            int start = i;
            TokenType type;
            if (cp == "\\")
            {
                if (i + 1 >= codePoints.Length)
                    throw new CucumberExpressionException(expression, i, i + 1, "The end of line can not be escaped",
                        "You can use '\\\\' to escape the '\\'");
                i++;
                cp = codePoints[i];
                if (!(IsWhiteSpace(cp) || cp is "{" or "}" or "(" or ")" or "\\" or "/"))
                    throw new CucumberExpressionException(expression, i, i + 1,
                        "Only the characters '{', '}', '(', ')', '\\', '/' and whitespace can be escaped",
                        "If you did mean to use an '\\' you can use '\\\\' to escape it");
                type = TokenType.Text;
            }
            else
            {
                type = TypeOf(cp);
            }

            bool mergeable = type is TokenType.Text or TokenType.WhiteSpace;
            if (!(mergeable && bufferType == type))
            {
                Flush(start);
                bufferType = type;
                bufferStart = start;
            }
            buffer.Append(cp);
            if (!mergeable) Flush(i + 1);
        }
        Flush(codePoints.Length);
        return (tokens, codePoints.Length);
    }

    private static bool IsWhiteSpace(string cp) => cp.Length == 1 && char.IsWhiteSpace(cp[0]);

    private static TokenType TypeOf(string cp) => cp switch
    {
        "(" => TokenType.BeginOptional,
        ")" => TokenType.EndOptional,
        "{" => TokenType.BeginParameter,
        "}" => TokenType.EndParameter,
        "/" => TokenType.Alternation,
        _ when IsWhiteSpace(cp) => TokenType.WhiteSpace,
        _ => TokenType.Text,
    };

    private Node ParseExpression()
    {
        var nodes = new List<Node>();
        int i = 0;
        while (i < _tokens.Count)
        {
            if (IsLeftBoundary(i) && TryParseAlternation(ref i) is { } alternation)
            {
                nodes.Add(alternation);
                continue;
            }
            var token = _tokens[i];
            switch (token.Type)
            {
                case TokenType.BeginOptional:
                    nodes.Add(ParseOptional(ref i));
                    break;
                case TokenType.BeginParameter:
                    nodes.Add(ParseParameter(ref i));
                    break;
                default:
                    nodes.Add(TextNode(token));
                    i++;
                    break;
            }
        }
        return new Node(NodeType.Expression, 0, _length, nodes);
    }

    private bool IsLeftBoundary(int i) => i == 0 || _tokens[i - 1].Type is TokenType.WhiteSpace or TokenType.EndParameter;

    /// <summary>An alternation from token i up to the next whitespace, "{" or the end, if it has a "/"; else null.</summary>
    private Node? TryParseAlternation(ref int i)
    {
        int j = i;
        var items = new List<Node?>(); // null marks a "/"
        var separators = new List<Token>();
        while (j < _tokens.Count && _tokens[j].Type is not (TokenType.WhiteSpace or TokenType.BeginParameter))
        {
            var token = _tokens[j];
            switch (token.Type)
            {
                case TokenType.Alternation:
                    items.Add(null);
                    separators.Add(token);
                    j++;
                    break;
                case TokenType.BeginOptional:
                    items.Add(ParseOptional(ref j));
                    break;
                default:
                    items.Add(TextNode(token));
                    j++;
                    break;
            }
        }
        if (separators.Count == 0) return null;

        int start = _tokens[i].Start;
        int end = j < _tokens.Count ? _tokens[j].Start : _length;
        var alternatives = new List<Node>();
        var current = new List<Node>();
        int altStart = start;
        int separator = 0;
        foreach (var item in items)
        {
            if (item is null)
            {
                var sep = separators[separator++];
                alternatives.Add(new Node(NodeType.Alternative, altStart, sep.Start, current));
                current = [];
                altStart = sep.End;
            }
            else current.Add(item);
        }
        alternatives.Add(new Node(NodeType.Alternative, altStart, end, current));
        i = j;
        return new Node(NodeType.Alternation, start, end, alternatives);
    }

    private Node ParseOptional(ref int i)
    {
        var begin = _tokens[i++];
        var children = new List<Node>();
        while (i < _tokens.Count)
        {
            var token = _tokens[i];
            switch (token.Type)
            {
                case TokenType.EndOptional:
                    i++;
                    return new Node(NodeType.Optional, begin.Start, token.End, children);
                case TokenType.BeginOptional:
                    children.Add(ParseOptional(ref i));
                    break;
                case TokenType.BeginParameter:
                    children.Add(ParseParameter(ref i));
                    break;
                case TokenType.Alternation:
                    throw new CucumberExpressionException(_expression, token.Start, token.End,
                        "An alternation can not be used inside an optional", "You can use '\\/' to escape the '/'");
                default:
                    children.Add(TextNode(token));
                    i++;
                    break;
            }
        }
        throw MissingEnd(begin, "(", ")", "optional text");
    }

    private Node ParseParameter(ref int i)
    {
        var begin = _tokens[i++];
        var children = new List<Node>();
        while (i < _tokens.Count)
        {
            var token = _tokens[i];
            switch (token.Type)
            {
                case TokenType.EndParameter:
                    i++;
                    return new Node(NodeType.Parameter, begin.Start, token.End, children);
                case TokenType.Text:
                case TokenType.WhiteSpace:
                    children.Add(TextNode(token));
                    i++;
                    break;
                default:
                    throw new CucumberExpressionException(_expression, token.Start, token.End,
                        "Parameter names may not contain '{', '}', '(', ')', '\\' or '/'", "Did you mean to use a regular expression?");
            }
        }
        throw MissingEnd(begin, "{", "}", "a parameter");
    }

    private CucumberExpressionException MissingEnd(Token begin, string beginSymbol, string endSymbol, string purpose) =>
        new(_expression, begin.Start, begin.End, $"The '{beginSymbol}' does not have a matching '{endSymbol}'",
            $"If you did not intend to use {purpose} you can use '\\{beginSymbol}' to escape the {purpose}");

    private static Node TextNode(Token token) => new(NodeType.Text, token.Start, token.End, [], token.Text);
}
