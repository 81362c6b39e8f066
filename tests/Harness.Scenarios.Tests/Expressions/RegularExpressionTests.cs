using System.Text.RegularExpressions;
using Harness.Scenarios.Expressions;

namespace Harness.Scenarios.Tests.Expressions;

public class RegularExpressionTests
{
    public enum Mood { Happy, Sad }

    public sealed record Color(string Name);

    [Fact]
    public void Match_Groups_BecomeArgumentsConvertedByTargetType()
    {
        var args = new RegularExpression(@"^I have (\d+) cukes in my (\w+) at (.*)$").Match("I have 42 cukes in my belly at 12.5")!;
        args.Should().HaveCount(3);
        args[0].Convert(typeof(int)).Should().Be(42);
        args[0].Convert(typeof(long)).Should().Be(42L);
        args[1].Convert(typeof(string)).Should().Be("belly");
        args[2].Convert(typeof(double)).Should().Be(12.5);
        args[2].Convert(typeof(decimal)).Should().Be(12.5m);
        args.Select(a => a.Start).Should().Equal(7, 22, 31);
    }

    [Fact]
    public void Match_NoMatch_ReturnsNull()
    {
        new RegularExpression(@"^I have (\d+) cukes$").Match("I have many cukes").Should().BeNull();
    }

    [Fact]
    public void Match_UnanchoredPattern_MustMatchWholeText()
    {
        var e = new RegularExpression(@"I have (\d+) cukes");
        e.Regex.ToString().Should().Be(@"^(?:I have (\d+) cukes)$");
        e.Match("I have 3 cukes")!.Single().Convert(typeof(int)).Should().Be(3);
        e.Match("so I have 3 cukes today").Should().BeNull();
        new RegularExpression(@"^a|b$").Match("a").Should().BeEmpty();
    }

    [Fact]
    public void Match_AnchoredPattern_IsUsedAsIs()
    {
        var e = new RegularExpression(@"^I have (\d+) cukes$");
        e.Regex.ToString().Should().Be(@"^I have (\d+) cukes$");
        e.Source.Should().Be(@"^I have (\d+) cukes$");
    }

    [Theory]
    [InlineData("true", typeof(bool), true)]
    [InlineData("FALSE", typeof(bool), false)]
    [InlineData("happy", typeof(Mood), Mood.Happy)]
    [InlineData("SAD", typeof(Mood), Mood.Sad)]
    [InlineData("-12", typeof(int), -12)]
    [InlineData("9000000000", typeof(long), 9000000000L)]
    [InlineData("3.25", typeof(double), 3.25)]
    [InlineData("text", typeof(string), "text")]
    public void Convert_ByTargetType_Converts(string text, Type target, object expected)
    {
        new RegularExpression("^value (.+)$").Match("value " + text)!.Single().Convert(target).Should().Be(expected);
    }

    [Fact]
    public void Convert_GuidDateTimeOffsetTimeSpanDecimal_Converts()
    {
        var e = new RegularExpression("^(.+) / (.+) / (.+) / (.+)$");
        var args = e.Match("6a1f9b1e-1d1e-4a8e-9d55-0f6a5c3a2b10 / 2030-01-02T03:04:05Z / 01:02:03 / 79228162514264337593543950335")!;
        args[0].Convert(typeof(Guid)).Should().Be(Guid.Parse("6a1f9b1e-1d1e-4a8e-9d55-0f6a5c3a2b10"));
        args[1].Convert(typeof(DateTimeOffset)).Should().Be(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
        args[2].Convert(typeof(TimeSpan)).Should().Be(new TimeSpan(1, 2, 3));
        args[3].Convert(typeof(decimal)).Should().Be(decimal.MaxValue);
    }

    [Fact]
    public void Convert_NotConvertible_ThrowsNamingTextTypeAndGroup()
    {
        var arg = new RegularExpression(@"^I have (.+) cukes$").Match("I have lots of cukes")!.Single();
        var act = () => arg.Convert(typeof(int));
        act.Should().Throw<ArgumentConversionException>()
            .WithMessage("Cannot convert \"lots of\" to Int32 for parameter (.+) of /^I have (.+) cukes$/: *");
        var guid = () => arg.Convert(typeof(Guid));
        guid.Should().Throw<ArgumentConversionException>().WithMessage("*\"lots of\" to Guid*");
        var mood = () => arg.Convert(typeof(Mood));
        mood.Should().Throw<ArgumentConversionException>().WithMessage("*is not a Mood: expected one of Happy, Sad");
    }

    [Fact]
    public void Convert_IntGroupOverflow_Throws()
    {
        var arg = new RegularExpression(@"^(\d+)$").Match("99999999999")!.Single();
        arg.ParameterType.Name.Should().Be("int");
        var act = () => arg.Convert(typeof(int));
        act.Should().Throw<ArgumentConversionException>().WithMessage("*\"99999999999\"*Int32*");
    }

    [Fact]
    public void Match_NestedGroups_OnlyTopLevelGroupsAreArguments()
    {
        var args = new RegularExpression(@"^(a(b)c) and (?:x(y)z)?(d)$").Match("abc and xyzd")!;
        args.Select(a => a.Text).Should().Equal("abc", "y", "d");
        args[0].Groups.Should().Equal("b");
    }

    [Fact]
    public void Match_NonCapturingLookaroundsClassesAndEscapes_AreNotArguments()
    {
        var args = new RegularExpression(@"^(?i:THE) (?=\w)(\w+) \(x\) [(]+(?<!z)(\d)(?#comment)$").Match("the cat (x) ((7")!;
        args.Select(a => a.Text).Should().Equal("cat", "7");
    }

    [Fact]
    public void Match_NamedGroups_AreArgumentsInPatternOrder()
    {
        var args = new RegularExpression(@"^(?<first>\w+) and (\w+) and (?'third'\w+)$").Match("a and b and c")!;
        args.Select(a => a.Text).Should().Equal("a", "b", "c");
    }

    [Fact]
    public void Match_OptionalGroupNotTaken_IsNullArgument()
    {
        var args = new RegularExpression(@"^I have( \d+)? cukes$").Match("I have cukes")!;
        args.Single().Text.Should().BeNull();
        args.Single().Start.Should().Be(-1);
        args.Single().Convert(typeof(int?)).Should().BeNull();
        args.Single().Convert(typeof(string)).Should().BeNull();
        var act = () => args.Single().Convert(typeof(int));
        act.Should().Throw<ArgumentConversionException>().WithMessage("*did not match*");
    }

    [Fact]
    public void Match_GroupWithCustomParameterTypeRegex_UsesItsTransform()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(new ParameterType("color", "red|blue|green", typeof(Color), g => new Color(g[0]!.ToUpperInvariant())));
        var arg = new RegularExpression("^a (red|blue|green) ball$", registry).Match("a blue ball")!.Single();
        arg.ParameterType.Name.Should().Be("color");
        arg.Convert(typeof(Color)).Should().Be(new Color("BLUE"));
        arg.Convert(typeof(string)).Should().Be("blue");
    }

    [Fact]
    public void Constructor_GroupAmbiguousBetweenParameterTypes_Throws()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(new ParameterType("a", "x+", typeof(string), g => g[0]));
        registry.Define(new ParameterType("b", "x+", typeof(string), g => g[0]));
        var act = () => new RegularExpression("^(x+)$", registry);
        act.Should().Throw<AmbiguousParameterTypeException>().WithMessage("*/x+/*{a}, {b}*");
    }

    [Fact]
    public void Constructor_InvalidPattern_ThrowsArgumentException()
    {
        var act = () => new RegularExpression("^I have (\\d+ cukes$");
        act.Should().Throw<ArgumentException>().WithMessage("The regular expression /^I have (\\d+ cukes$/ is not valid*");
    }

    [Fact]
    public void Constructor_FromRegexObject_KeepsOptions()
    {
        var e = new RegularExpression(new Regex("^I HAVE (\\d+)$", RegexOptions.IgnoreCase));
        e.Match("i have 3")!.Single().Convert(typeof(int)).Should().Be(3);
    }

    [Fact]
    public void ParameterTypes_OneForEachGroup()
    {
        new RegularExpression(@"^(\d+) (.*) ([a-z]+)$").ParameterTypes.Select(p => p.Name).Should().Equal("int", "", "");
    }

    [Theory]
    [InlineData("^I have (\\d+) cukes", typeof(RegularExpression))]
    [InlineData("I have (\\d+) cukes$", typeof(RegularExpression))]
    [InlineData("^I have (\\d+) cukes$", typeof(RegularExpression))]
    [InlineData("I have {int} cuke(s)", typeof(CucumberExpression))]
    [InlineData("I have 3 cukes", typeof(CucumberExpression))]
    public void Create_Text_PicksRegexOrCucumberExpression(string text, Type expected)
    {
        StepExpressionFactory.Create(text).Should().BeOfType(expected);
    }

    [Fact]
    public void Create_WithRegistry_UsesItsCustomTypes()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(ParameterType.ForEnum<Mood>("mood"));
        var e = StepExpressionFactory.Create("I am {mood}", registry);
        e.Match("I am happy")!.Single().Convert(typeof(Mood)).Should().Be(Mood.Happy);
        e.Source.Should().Be("I am {mood}");
    }

    [Fact]
    public void Create_RegexSyntaxWithoutAnchors_IsCucumberExpressionAndRejectsBackslashD()
    {
        var act = () => StepExpressionFactory.Create("I have (\\d+) cukes");
        act.Should().Throw<CucumberExpressionException>()
            .Which.Problem.Should().Be("Only the characters '{', '}', '(', ')', '\\', '/' and whitespace can be escaped");
    }
}
