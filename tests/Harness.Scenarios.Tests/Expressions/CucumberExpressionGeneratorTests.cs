using Harness.Scenarios.Expressions;

namespace Harness.Scenarios.Tests.Expressions;

public class CucumberExpressionGeneratorTests
{
    public enum Color { Red, Green, Blue }

    private static GeneratedExpression Generate(string text, ParameterTypeRegistry? registry = null) =>
        CucumberExpressionGenerator.Generate(text, registry);

    [Fact]
    public void Generate_IntAndString_GivesExpressionAndParameters()
    {
        var g = Generate("I have 3 cukes in my \"belly\"");
        g.Expression.Should().Be("I have {int} cukes in my {string}");
        g.ParameterList.Should().Be("int p0, string p1");
        g.Parameters.Select(p => p.Name).Should().Equal("p0", "p1");
        g.Parameters.Select(p => p.Type).Should().Equal(typeof(int), typeof(string));
        g.Parameters.Select(p => p.TypeName).Should().Equal("int", "string");
        g.ParameterNames.Should().Equal("p0", "p1");
        g.ToString().Should().Be("I have {int} cukes in my {string}");
    }

    [Fact]
    public void Generate_NoParameters_GivesTheText()
    {
        var g = Generate("I press add");
        g.Expression.Should().Be("I press add");
        g.Parameters.Should().BeEmpty();
        g.ParameterList.Should().BeEmpty();
    }

    [Fact]
    public void Generate_DecimalNumber_IsFloatNotInt()
    {
        var g = Generate("I have 1.5 cukes");
        g.Expression.Should().Be("I have {float} cukes");
        g.ParameterList.Should().Be("float p0");
    }

    [Fact]
    public void Generate_NegativeAndLeadingDotNumbers_AreRecognised()
    {
        Generate("I have -3 cukes and .5 of a cuke").Expression.Should().Be("I have {int} cukes and {float} of a cuke");
    }

    [Fact]
    public void Generate_SingleQuotedString_IsString()
    {
        Generate("the user 'bob' logs in").Expression.Should().Be("the user {string} logs in");
    }

    [Fact]
    public void Generate_EmptyQuotedString_IsString()
    {
        Generate("the name is \"\"").Expression.Should().Be("the name is {string}");
    }

    [Fact]
    public void Generate_NumbersInsideWords_AreNotParameters()
    {
        Generate("I use i18n and utf8").Expression.Should().Be("I use i18n and utf8");
        Generate("the hash is a1b2").Expression.Should().Be("the hash is a1b2");
    }

    [Fact]
    public void Generate_NumbersNextToPunctuation_AreParameters()
    {
        Generate("it costs 5, then 7.").Expression.Should().Be("it costs {int}, then {int}.");
        Generate("between 1-2 days").Expression.Should().Be("between {int}-{int} days");
    }

    [Fact]
    public void Generate_NumberInsideQuotes_IsPartOfTheString()
    {
        Generate("I enter \"42\"").Expression.Should().Be("I enter {string}");
    }

    [Fact]
    public void Generate_SpecialCharacters_AreEscaped()
    {
        Generate("I have 3 cukes (or so) and {x} a/b c\\d").Expression.Should().Be("I have {int} cukes \\(or so) and \\{x} a\\/b c\\\\d");
    }

    [Fact]
    public void Generate_GeneratedExpression_MatchesTheText()
    {
        const string text = "I have 3 cukes (or so) in my \"big belly\" at 2.5 {x} a/b";
        var g = Generate(text);
        var args = new CucumberExpression(g.Expression).Match(text);
        args.Should().NotBeNull();
        args!.Select(a => a.GetValue()).Should().Equal(3, "big belly", 2.5f);
    }

    [Fact]
    public void GenerateExpressions_IntegerText_OffersIntThenFloat()
    {
        var all = new CucumberExpressionGenerator().GenerateExpressions("I have 3 cukes");
        all.Select(e => e.Expression).Should().Equal("I have {int} cukes", "I have {float} cukes");
    }

    [Fact]
    public void GenerateExpressions_TwoIntegers_OffersEveryCombination()
    {
        var all = new CucumberExpressionGenerator().GenerateExpressions("1 and 2");
        all.Select(e => e.Expression).Should().Equal("{int} and {int}", "{int} and {float}", "{float} and {int}", "{float} and {float}");
    }

    [Fact]
    public void GenerateExpressions_ManyNumbers_IsCapped()
    {
        var text = string.Join(" ", Enumerable.Range(1, 12).Select(i => i.ToString()));
        new CucumberExpressionGenerator().GenerateExpressions(text).Should().HaveCount(CucumberExpressionGenerator.MaxExpressions);
    }

    [Fact]
    public void Generate_CustomParameterType_IsUsed()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(new ParameterType("color", "red|blue|green", typeof(Color), g => Enum.Parse<Color>(g[0]!, true)));
        var g = Generate("I have a red ball and 2 blue ones", registry);
        g.Expression.Should().Be("I have a {color} ball and {int} {color} ones");
        g.ParameterList.Should().Be("Color p0, int p1, Color p2");
    }

    [Fact]
    public void Generate_CustomTypeNotForSnippets_IsNotUsed()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(new ParameterType("color", "red|blue|green", typeof(Color), g => g[0], useForSnippets: false));
        Generate("a red ball", registry).Expression.Should().Be("a red ball");
    }

    [Fact]
    public void Generate_WordAndAnonymous_AreNotUsedForSnippets()
    {
        Generate("a banana").Expression.Should().Be("a banana");
    }

    [Fact]
    public void Generate_CustomTypeMatchingLongerText_WinsOverInt()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(new ParameterType("date", @"\d{4}-\d{2}-\d{2}", typeof(DateOnly), g => DateOnly.Parse(g[0]!)));
        var g = Generate("on 2024-05-06 at 3", registry);
        g.Expression.Should().Be("on {date} at {int}");
        g.ParameterList.Should().Be("DateOnly p0, int p1");
    }
}
