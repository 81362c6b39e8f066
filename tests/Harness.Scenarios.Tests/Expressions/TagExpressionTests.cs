using Harness.Scenarios.Expressions;

namespace Harness.Scenarios.Tests.Expressions;

/// <summary>The parsing, evaluation and error examples of the tag expression specification, and more.</summary>
public class TagExpressionTests
{
    [Theory]
    [InlineData("@a and @b", "( @a and @b )")]
    [InlineData("@a or @b", "( @a or @b )")]
    [InlineData("not @a", "not ( @a )")]
    [InlineData("@a and @b and @c", "( ( @a and @b ) and @c )")]
    [InlineData("@a or @b or @c", "( ( @a or @b ) or @c )")]
    [InlineData("( @a and @b ) or ( @c and @d )", "( ( @a and @b ) or ( @c and @d ) )")]
    [InlineData("not @a or @b and not @c or not @d or @e and @f", "( ( ( not ( @a ) or ( @b and not ( @c ) ) ) or not ( @d ) ) or ( @e and @f ) )")]
    [InlineData(@"not @a\(\) or @b and not @c or not @d or @e and @f", @"( ( ( not ( @a\(\) ) or ( @b and not ( @c ) ) ) or not ( @d ) ) or ( @e and @f ) )")]
    [InlineData("not (@a and @b)", "not ( @a and @b )")]
    [InlineData("not (@a or @b)", "not ( @a or @b )")]
    [InlineData("not (@a and @b) and @c or not (@d or @f)", "( ( not ( @a and @b ) and @c ) or not ( @d or @f ) )")]
    [InlineData("not not @a", "not ( not ( @a ) )")]
    [InlineData(@"@a\\ and @b", @"( @a\\ and @b )")]
    [InlineData(@"@\\a and @b", @"( @\\a and @b )")]
    [InlineData(@"@a and @b\\", @"( @a and @b\\ )")]
    [InlineData(@"( @a and @b\\\\)", @"( @a and @b\\\\ )")]
    [InlineData(@"@a\\\( and @b\\\)", @"( @a\\\( and @b\\\) )")]
    [InlineData(@"(@a and @\\b)", @"( @a and @\\b )")]
    [InlineData("@x or(@y) ", "( @x or @y )")]
    [InlineData(@"@x\(1\) or(@y\(2\))", @"( @x\(1\) or @y\(2\) )")]
    [InlineData(@"@\\x or @y\\ or @z\\", @"( ( @\\x or @y\\ ) or @z\\ )")]
    [InlineData(@"@x\\ or(@y\\\)) or(@z\\)", @"( ( @x\\ or @y\\\) ) or @z\\ )")]
    [InlineData(@"@x\  or @y", @"( @x\  or @y )")]
    [InlineData("@a", "@a")]
    [InlineData("((@a))", "@a")]
    public void ToString_ParsedExpression_IsCanonicalFullyParenthesisedForm(string expression, string formatted)
    {
        TagExpression.Parse(expression).ToString().Should().Be(formatted);
    }

    [Fact]
    public void ToString_Canonical_ParsesToTheSameForm()
    {
        const string expression = "not @a or @b and not @c or not @d or @e and @f";
        var once = TagExpression.Parse(expression).ToString();
        TagExpression.Parse(once).ToString().Should().Be(once);
    }

    [Theory]
    [InlineData("not @x", new[] { "@x" }, false)]
    [InlineData("not @x", new[] { "@y" }, true)]
    [InlineData("@x and @y", new[] { "@x", "@y" }, true)]
    [InlineData("@x and @y", new[] { "@x" }, false)]
    [InlineData("@x and @y", new[] { "@y" }, false)]
    [InlineData("@x or @y", new string[0], false)]
    [InlineData("@x or @y", new[] { "@x", "@y" }, true)]
    [InlineData("@x or @y", new[] { "@x" }, true)]
    [InlineData("@x or @y", new[] { "@y" }, true)]
    [InlineData(@"@x\(1\) or @y\(2\)", new[] { "@x(1)" }, true)]
    [InlineData(@"@x\(1\) or @y\(2\)", new[] { "@y(2)" }, true)]
    [InlineData(@"@x\\ or @y\\\) or @z\\", new[] { @"@x\" }, true)]
    [InlineData(@"@x\\ or @y\\\) or @z\\", new[] { @"@y\)" }, true)]
    [InlineData(@"@x\\ or @y\\\) or @z\\", new[] { @"@z\" }, true)]
    [InlineData(@"@x\\ or @y\\\) or @z\\", new[] { "@x" }, false)]
    [InlineData(@"@x\\ or @y\\\) or @z\\", new[] { "@y)" }, false)]
    [InlineData(@"@x\\ or @y\\\) or @z\\", new[] { "@z" }, false)]
    [InlineData(@"@\\x or @y\\ or @z\\", new[] { @"@\x" }, true)]
    [InlineData(@"@\\x or @y\\ or @z\\", new[] { "@x" }, false)]
    [InlineData(@"@x\ y", new[] { "@x y" }, true)]
    public void Evaluate_SpecificationExamples_GiveExpectedResult(string expression, string[] tags, bool expected)
    {
        TagExpression.Parse(expression).Evaluate(tags).Should().Be(expected);
    }

    [Fact]
    public void Evaluate_ReadmeExample_IsFalse()
    {
        TagExpression.Parse("not @a or @b and not @c or not @d or @e and @f").Evaluate(["@a", "@c", "@d"]).Should().BeFalse();
    }

    [Theory]
    [InlineData(new[] { "@smoke" }, true)]
    [InlineData(new[] { "@smoke", "@ui" }, false)]
    [InlineData(new[] { "@ui" }, false)]
    [InlineData(new string[0], false)]
    public void Evaluate_AndNot_Works(string[] tags, bool expected)
    {
        TagExpression.Parse("@smoke and not @ui").Evaluate(tags).Should().Be(expected);
    }

    [Theory]
    [InlineData(new[] { "@smoke" }, true)]
    [InlineData(new[] { "@ui" }, true)]
    [InlineData(new[] { "@smoke", "@slow" }, false)]
    [InlineData(new[] { "@slow" }, false)]
    public void Evaluate_ParenthesesChangePrecedence(string[] tags, bool expected)
    {
        TagExpression.Parse("(@smoke or @ui) and (not @slow)").Evaluate(tags).Should().Be(expected);
    }

    [Fact]
    public void Evaluate_NotBindsTighterThanAndWhichBindsTighterThanOr()
    {
        var e = TagExpression.Parse("@a or @b and not @c");
        e.ToString().Should().Be("( @a or ( @b and not ( @c ) ) )");
        e.Evaluate(["@a", "@c"]).Should().BeTrue();
        e.Evaluate(["@b", "@c"]).Should().BeFalse();
        e.Evaluate(["@b"]).Should().BeTrue();
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void Parse_EmptyExpression_MatchesEverything(string? expression)
    {
        var e = TagExpression.Parse(expression);
        e.Evaluate([]).Should().BeTrue();
        e.Evaluate(["@anything"]).Should().BeTrue();
        e.ToString().Should().Be("true");
        e.Should().BeSameAs(TagExpression.True);
    }

    [Fact]
    public void Evaluate_TagsWithoutAt_MatchTagsWithAt()
    {
        TagExpression.Parse("smoke").Evaluate(["@smoke"]).Should().BeTrue();
        TagExpression.Parse("@smoke").Evaluate(["smoke"]).Should().BeTrue();
        TagExpression.Parse("@smoke").Evaluate(["@Smoke"]).Should().BeFalse("tags compare ordinally");
    }

    [Fact]
    public void Evaluate_ParamsOverload_Works()
    {
        TagExpression.Parse("@a and @b").Evaluate("@a", "@b").Should().BeTrue();
    }

    [Fact]
    public void Tags_ListsTheNamedTags()
    {
        TagExpression.Parse(@"@a and not (@b or @a) or @c\(1\)").Tags.Should().Equal("@a", "@b", "@c(1)");
    }

    [Theory]
    [InlineData("@a @b or", "Expected operator.", 3)]
    [InlineData("@a and (@b not)", "Expected operator.", 11)]
    [InlineData("@a and (@b @c) or", "Expected operator.", 11)]
    [InlineData("@a and or", "Expected operand.", 7)]
    [InlineData("or or", "Expected operand.", 0)]
    [InlineData("@a @b", "Expected operator.", 3)]
    [InlineData("( @a and @b ) )", "Unmatched ).", 14)]
    [InlineData("( ( @a and @b )", "Unmatched (.", 0)]
    [InlineData(@"@x or @\y or @z", "Illegal escape before \"y\".", 7)]
    [InlineData(@"@x\ or @y", "Expected operator.", 7)]
    [InlineData("@a and", "Expected operand.", 6)]
    [InlineData("not", "Expected operand.", 3)]
    [InlineData("()", "Expected operand.", 1)]
    [InlineData("@a or ()", "Expected operand.", 7)]
    [InlineData("@a\\", "Illegal escape at the end of the expression.", 2)]
    public void Parse_SyntaxError_ThrowsCucumbersMessage(string expression, string problem, int position)
    {
        var act = () => TagExpression.Parse(expression);
        var ex = act.Should().Throw<TagExpressionException>().Which;
        ex.Message.Should().Be($"Tag expression \"{expression}\" could not be parsed because of syntax error: {problem}");
        ex.Problem.Should().Be(problem);
        ex.Position.Should().Be(position);
        ex.Expression.Should().Be(expression);
    }

    [Fact]
    public void Parse_AndWithoutRightOperand_MessageMatchesSpecification()
    {
        var act = () => TagExpression.Parse("@a and");
        act.Should().Throw<TagExpressionException>()
            .WithMessage("Tag expression \"@a and\" could not be parsed because of syntax error: Expected operand.");
    }

    [Theory]
    [InlineData("@a,@b")]
    [InlineData("(@a ,@b)")]
    public void Parse_CommaBetweenTags_ThrowsExplanation(string expression)
    {
        var act = () => TagExpression.Parse(expression);
        act.Should().Throw<TagExpressionException>().WithMessage(
            $"Tag expression \"{expression}\" could not be parsed because of syntax error: An invalid tag combination operator was detected. " +
            "The use of a comma (\",\") to combine tags is not supported. Please replace it with either the \"or\" or \"and\" operators for tag " +
            "combinations. For example, use \"@tag1 or @tag2\" or \"@tag1 and @tag2\"");
    }
}
