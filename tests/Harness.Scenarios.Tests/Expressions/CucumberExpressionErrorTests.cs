using Harness.Scenarios.Expressions;

namespace Harness.Scenarios.Tests.Expressions;

/// <summary>Every parse and compile error of the Cucumber expression specification, with its message and column.</summary>
public class CucumberExpressionErrorTests
{
    private static CucumberExpressionException Error(string expression, ParameterTypeRegistry? registry = null)
    {
        var act = () => new CucumberExpression(expression, registry);
        return act.Should().Throw<CucumberExpressionException>().Which;
    }

    private static string Lines(params string[] lines) => string.Join("\n", lines);

    [Fact]
    public void Constructor_EmptyOptional_ThrowsPointingAtOptional()
    {
        var ex = Error("three () mice");
        ex.Message.Should().Be(Lines(
            "This Cucumber Expression has a problem at column 7:",
            "",
            "three () mice",
            "      ^^",
            "An optional must contain some text.",
            "If you did not mean to use an optional you can use '\\(' to escape the '('"));
        ex.Column.Should().Be(7);
        ex.Expression.Should().Be("three () mice");
        ex.Problem.Should().Be("An optional must contain some text");
    }

    [Fact]
    public void Constructor_OptionalWithOnlyOptional_ThrowsNestedOptional()
    {
        Error("(a(b))").Message.Should().Be(Lines(
            "This Cucumber Expression has a problem at column 3:",
            "",
            "(a(b))",
            "  ^-^",
            "An optional may not contain an other optional.",
            "If you did not mean to use an optional type you can use '\\(' to escape the '('. For more complicated expressions consider using a regular expression instead."));
    }

    [Fact]
    public void Constructor_ParameterInsideOptional_Throws()
    {
        Error("({int})").Message.Should().Be(Lines(
            "This Cucumber Expression has a problem at column 2:",
            "",
            "({int})",
            " ^---^",
            "An optional may not contain a parameter type.",
            "If you did not mean to use an parameter type you can use '\\{' to escape the '{'"));
    }

    [Fact]
    public void Constructor_EscapedParameterInsideOptional_IsAllowed()
    {
        new CucumberExpression(@"(\{int})").Match("{int}").Should().BeEmpty();
        new CucumberExpression(@"(\{int})").Match("").Should().BeEmpty();
    }

    [Fact]
    public void Constructor_AlternationInsideOptional_ThrowsAtSlash()
    {
        Error("three( brown/black) mice").Message.Should().Be(Lines(
            "This Cucumber Expression has a problem at column 13:",
            "",
            "three( brown/black) mice",
            "            ^",
            "An alternation can not be used inside an optional.",
            "You can use '\\/' to escape the '/'"));
    }

    [Fact]
    public void Constructor_EmptyAlternativeBetweenSlashes_Throws()
    {
        Error("three brown//black mice").Message.Should().Be(Lines(
            "This Cucumber Expression has a problem at column 13:",
            "",
            "three brown//black mice",
            "            ^",
            "Alternative may not be empty.",
            "If you did not mean to use an alternative you can use '\\/' to escape the '/'"));
    }

    [Fact]
    public void Constructor_EmptyAlternativeAfterParameter_Throws()
    {
        var ex = Error("{int}/x");
        ex.Column.Should().Be(6);
        ex.Message.Should().Be(Lines(
            "This Cucumber Expression has a problem at column 6:",
            "",
            "{int}/x",
            "     ^",
            "Alternative may not be empty.",
            "If you did not mean to use an alternative you can use '\\/' to escape the '/'"));
    }

    [Fact]
    public void Constructor_EmptyAlternativeBeforeParameter_Throws()
    {
        Error("x/{int}").Message.Should().Be(Lines(
            "This Cucumber Expression has a problem at column 3:",
            "",
            "x/{int}",
            "  ^",
            "Alternative may not be empty.",
            "If you did not mean to use an alternative you can use '\\/' to escape the '/'"));
    }

    [Theory]
    [InlineData("/", 1)]
    [InlineData("a/", 3)]
    [InlineData("/a", 1)]
    [InlineData("a/ b", 3)]
    public void Constructor_EmptyAlternativeAtEdges_Throws(string expression, int column)
    {
        var ex = Error(expression);
        ex.Problem.Should().Be("Alternative may not be empty");
        ex.Column.Should().Be(column);
    }

    [Fact]
    public void Constructor_AlternativeWithOnlyOptional_Throws()
    {
        Error("three (brown)/black mice").Message.Should().Be(Lines(
            "This Cucumber Expression has a problem at column 7:",
            "",
            "three (brown)/black mice",
            "      ^-----^",
            "An alternative may not exclusively contain optionals.",
            "If you did not mean to use an optional you can use '\\(' to escape the '('"));
    }

    [Fact]
    public void Constructor_UnknownParameterType_ThrowsUndefinedNamingItAndKnownTypes()
    {
        var act = () => new CucumberExpression("I have a {color} ball");
        var ex = act.Should().Throw<UndefinedParameterTypeException>().Which;
        ex.ParameterTypeName.Should().Be("color");
        ex.Column.Should().Be(10);
        ex.Message.Should().StartWith(Lines(
            "This Cucumber Expression has a problem at column 10:",
            "",
            "I have a {color} ball",
            "         ^-----^",
            "Undefined parameter type 'color'.",
            "Please register a ParameterType for 'color'. Known parameter types: {}, {bigdecimal}, {biginteger}, {byte}, {double}, {float}, {int}, {long}, {short}, {string}, {word}"));
        ex.KnownParameterTypes.Should().Contain(["int", "string", "word", ""]);
    }

    [Fact]
    public void Constructor_ParameterNameWithReservedCharacter_Throws()
    {
        Error("{(string)}").Message.Should().Be(Lines(
            "This Cucumber Expression has a problem at column 2:",
            "",
            "{(string)}",
            " ^",
            "Parameter names may not contain '{', '}', '(', ')', '\\' or '/'.",
            "Did you mean to use a regular expression?"));
    }

    [Theory]
    [InlineData("{a/b}", 3)]
    [InlineData("{a{b}", 3)]
    [InlineData("{a)}", 3)]
    public void Constructor_OtherReservedCharactersInParameterName_Throw(string expression, int column)
    {
        var ex = Error(expression);
        ex.Problem.Should().Be("Parameter names may not contain '{', '}', '(', ')', '\\' or '/'");
        ex.Column.Should().Be(column);
    }

    [Fact]
    public void Constructor_UnfinishedParameter_Throws()
    {
        Error("{string").Message.Should().Be(Lines(
            "This Cucumber Expression has a problem at column 1:",
            "",
            "{string",
            "^",
            "The '{' does not have a matching '}'.",
            "If you did not intend to use a parameter you can use '\\{' to escape the a parameter"));
    }

    [Fact]
    public void Constructor_UnfinishedOptional_Throws()
    {
        Error("(").Message.Should().Be(Lines(
            "This Cucumber Expression has a problem at column 1:",
            "",
            "(",
            "^",
            "The '(' does not have a matching ')'.",
            "If you did not intend to use optional text you can use '\\(' to escape the optional text"));
    }

    [Fact]
    public void Constructor_UnfinishedOptionalInAlternation_ThrowsAtParenthesis()
    {
        Error(@"three blind\ mice/rats(").Message.Should().Be(Lines(
            "This Cucumber Expression has a problem at column 23:",
            "",
            @"three blind\ mice/rats(",
            "                      ^",
            "The '(' does not have a matching ')'.",
            "If you did not intend to use optional text you can use '\\(' to escape the optional text"));
    }

    [Fact]
    public void Constructor_EscapedEndOfLine_Throws()
    {
        Error("\\").Message.Should().Be(Lines(
            "This Cucumber Expression has a problem at column 1:",
            "",
            "\\",
            "^",
            "The end of line can not be escaped.",
            "You can use '\\\\' to escape the '\\'"));
        Error("abc\\").Column.Should().Be(4);
    }

    [Fact]
    public void Constructor_EscapedNonReservedCharacter_Throws()
    {
        Error("\\[").Message.Should().Be(Lines(
            "This Cucumber Expression has a problem at column 2:",
            "",
            "\\[",
            " ^",
            "Only the characters '{', '}', '(', ')', '\\', '/' and whitespace can be escaped.",
            "If you did mean to use an '\\' you can use '\\\\' to escape it"));
    }

    [Fact]
    public void Constructor_AstralPlaneCharacters_CountAsOneColumn()
    {
        var ex = Error("🥒🥒 {x}");
        ex.Column.Should().Be(4);
        ex.Message.Should().Contain("\n🥒🥒 {x}\n   ^-^\n");
    }

    [Fact]
    public void Constructor_FirstErrorFromTheLeft_IsReported()
    {
        Error("() {nope}").Problem.Should().Be("An optional must contain some text");
        Error("{nope} ()").Should().BeOfType<UndefinedParameterTypeException>();
    }
}
