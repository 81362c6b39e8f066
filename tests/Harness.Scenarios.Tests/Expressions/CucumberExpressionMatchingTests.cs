using System.Numerics;
using Harness.Scenarios.Expressions;

namespace Harness.Scenarios.Tests.Expressions;

public class CucumberExpressionMatchingTests
{
    private static IReadOnlyList<object?>? Values(string expression, string text, ParameterTypeRegistry? registry = null) =>
        new CucumberExpression(expression, registry).Match(text)?.Select(a => a.GetValue()).ToList();

    [Fact]
    public void Match_IntFromReadmeIntroduction_ExtractsTheNumber()
    {
        Values("I have {int} cucumbers in my belly", "I have 42 cucumbers in my belly").Should().Equal(42);
    }

    [Fact]
    public void Match_DecimalTextAgainstInt_DoesNotMatch()
    {
        Values("I have {int} cucumbers in my belly", "I have 42.5 cucumbers in my belly").Should().BeNull();
        Values("{int}", "1.22").Should().BeNull();
    }

    [Theory]
    [InlineData("22", 22)]
    [InlineData("-22", -22)]
    [InlineData("0", 0)]
    public void Match_Int_ConvertsToInt32(string text, int expected)
    {
        Values("{int}", text).Should().Equal(expected);
    }

    [Fact]
    public void Match_SingleMinus_DoesNotMatchIntOrDouble()
    {
        Values("{int}", "-").Should().BeNull();
        Values("{double}", "-").Should().BeNull();
        Values("{float}", "-").Should().BeNull();
    }

    [Theory]
    [InlineData("0.22", 0.22f)]
    [InlineData(".22", 0.22f)]
    [InlineData("-9.2", -9.2f)]
    [InlineData("+1.5", 1.5f)]
    [InlineData("1.5E+3", 1500f)]
    [InlineData("+1.5E+3", 1500f)]
    [InlineData("3", 3f)]
    public void Match_Float_ConvertsToSingleWithInvariantCulture(string text, float expected)
    {
        Values("{float}", text).Should().Equal(expected);
    }

    [Theory]
    [InlineData("1.22", 1.22)]
    [InlineData("-1.22", -1.22)]
    [InlineData("1e3", 1000.0)]
    public void Match_Double_ConvertsToDouble(string text, double expected)
    {
        Values("{double}", text).Should().Equal(expected);
    }

    [Fact]
    public void Match_FloatWithTrailingDot_DoesNotMatch()
    {
        Values("{float}", "1.").Should().BeNull();
    }

    [Fact]
    public void Match_LongByteShortBigIntegerBigDecimal_ConvertToTheirTypes()
    {
        Values("{long}", "9223372036854775807").Should().Equal(long.MaxValue);
        Values("{byte}", "255").Should().Equal((byte)255);
        Values("{short}", "-32768").Should().Equal(short.MinValue);
        Values("{biginteger}", "12345678901234567890123").Should().Equal(BigInteger.Parse("12345678901234567890123"));
        Values("{bigdecimal}", "3.1415926535897932384626433833").Should().Equal(3.1415926535897932384626433833m);
        Values("{bigdecimal}", "3").Should().Equal(3m);
        Values("{bigdecimal}", "1.5E+3").Should().Equal(1500m);
    }

    [Fact]
    public void Match_Word_MatchesTextWithoutWhitespace()
    {
        Values("three {word} mice", "three blind mice").Should().Equal("blind");
        Values("three {word} mice", "three very blind mice").Should().BeNull();
    }

    [Theory]
    [InlineData("three \"blind\" mice", "blind")]
    [InlineData("three 'blind' mice", "blind")]
    [InlineData("three \"\" mice", "")]
    [InlineData("three '' mice", "")]
    [InlineData("three \"bl\\\"nd\" mice", "bl\"nd")]
    [InlineData("three 'bl\\'nd' mice", "bl'nd")]
    [InlineData("three \"banana split\" mice", "banana split")]
    public void Match_String_YieldsContentWithoutQuotes(string text, string expected)
    {
        Values("three {string} mice", text).Should().Equal(expected);
    }

    [Fact]
    public void Match_String_ArgumentTextKeepsQuotes()
    {
        var args = new CucumberExpression("three {string} mice").Match("three \"blind\" mice")!;
        args[0].Text.Should().Be("\"blind\"");
        args[0].Start.Should().Be(6);
        args[0].Length.Should().Be(7);
        args[0].ParameterType.Name.Should().Be("string");
    }

    [Fact]
    public void Match_MisquotedString_DoesNotMatch()
    {
        Values("three {string} mice", "three \"blind' mice").Should().BeNull();
        Values("three {string} mice", "three blind mice").Should().BeNull();
    }

    [Fact]
    public void Match_MultipleStrings_ExtractsEach()
    {
        Values("three {string} and {string} mice", "three \"blind\" and \"crippled\" mice").Should().Equal("blind", "crippled");
    }

    [Fact]
    public void Match_Anonymous_MatchesAnythingAsText()
    {
        Values("{}", "0.22").Should().Equal("0.22");
        Values("I see {} here", "I see a big cat here").Should().Equal("a big cat");
    }

    [Theory]
    [InlineData("I have 1 cucumber in my belly")]
    [InlineData("I have 42 cucumbers in my belly")]
    public void Match_OptionalText_MatchesWithAndWithout(string text)
    {
        Values("I have {int} cucumber(s) in my belly", text).Should().HaveCount(1);
    }

    [Theory]
    [InlineData("I have 42 cucumbers in my belly", true)]
    [InlineData("I have 42 cucumbers in my stomach", true)]
    [InlineData("I have 42 cucumbers in my bellystomach", false)]
    [InlineData("I have 42 cucumbers in my belly/stomach", false)]
    public void Match_AlternativeText_MatchesEitherWord(string text, bool matches)
    {
        var result = Values("I have {int} cucumber(s) in my belly/stomach", text);
        if (matches) result.Should().Equal(42);
        else result.Should().BeNull();
    }

    [Theory]
    [InlineData("3 rats")]
    [InlineData("2 mice")]
    [InlineData("1 rat")]
    [InlineData("1 mouse")]
    public void Match_OptionalInAlternation_MatchesEachAlternative(string text)
    {
        Values("{int} rat(s)/mouse/mice", text).Should().HaveCount(1);
    }

    [Theory]
    [InlineData("i18n", 18)]
    [InlineData("a11y", 11)]
    public void Match_ParameterBetweenAlternations_Matches(string text, int expected)
    {
        Values("a/i{int}n/y", text).Should().Equal(expected);
    }

    [Fact]
    public void Match_ParameterAdjacentToAlternation_Matches()
    {
        Values("{int}st/nd/rd/th", "3rd").Should().Equal(3);
        Values("{int}st/nd/rd/th", "21st").Should().Equal(21);
    }

    [Fact]
    public void Match_OptionalBeforeAlternation_Matches()
    {
        Values("three (brown )mice/rats", "three brown mice").Should().BeEmpty();
        Values("three (brown )mice/rats", "three mice").Should().BeEmpty();
        Values("three (brown )mice/rats", "three rats").Should().BeEmpty();
    }

    [Fact]
    public void Match_RegexCharactersInText_AreLiteral()
    {
        Values("I have {int} cukes at 1.5$ (really?) [x] a|b^*+", "I have 3 cukes at 1.5$ really? [x] a|b^*+").Should().Equal(3);
        Values("1.5$ a|b^*+ [x]", "1.5$ a|b^*+ [x]").Should().BeEmpty();
        Values("1.5", "1x5").Should().BeNull();
        Values("I have 800 cukes and 3(.)", "I have 800 cukes and 3.").Should().BeEmpty();
        Values("I have 800 cukes and 3(.)", "I have 800 cukes and 3").Should().BeEmpty();
    }

    [Fact]
    public void Match_EscapedParenthesisAndBrace_MatchLiterally()
    {
        Values(@"I have {int} \{what} cucumber(s) in my belly \(amazing!)", "I have 42 {what} cucumbers in my belly (amazing!)")
            .Should().Equal(42);
        Values(@"three \((exceptionally)) \{{string}} mice", "three (exceptionally) {\"blind\"} mice").Should().Equal("blind");
        Values(@"three \((exceptionally)) \{{string}} mice", "three () {\"blind\"} mice").Should().Equal("blind");
        Values(@"three \(blind) mice", "three (blind) mice").Should().BeEmpty();
        Values(@"\({int})", "(3)").Should().Equal(3);
    }

    [Fact]
    public void Match_DoublyEscapedParenthesis_MatchesBackslashThenOptional()
    {
        Values(@"three \\(exceptionally) \\{string} mice", "three \\exceptionally \\\"blind\" mice").Should().Equal("blind");
        Values(@"three \\(exceptionally) \\{string} mice", "three \\ \\\"blind\" mice").Should().Equal("blind");
    }

    [Fact]
    public void Match_EscapedSlash_IsLiteralSlash()
    {
        Values(@"12\/2020", "12/2020").Should().BeEmpty();
        Values(@"12\/2020", "12").Should().BeNull();
    }

    [Fact]
    public void Match_DoublyEscapedSlash_IsBackslashThenAlternation()
    {
        Values(@"12\\/2020", "12\\").Should().BeEmpty();
        Values(@"12\\/2020", "2020").Should().BeEmpty();
    }

    [Fact]
    public void Match_EscapedSpaceInAlternation_KeepsPhraseTogether()
    {
        Values(@"three blind\ mice/rats", "three blind mice").Should().BeEmpty();
        Values(@"three blind\ mice/rats", "three rats").Should().BeEmpty();
    }

    [Fact]
    public void Match_ClosingParenthesisAndBraceAlone_AreText()
    {
        Values(")", ")").Should().BeEmpty();
        Values("}", "}").Should().BeEmpty();
        Values("a) b}", "a) b}").Should().BeEmpty();
    }

    [Fact]
    public void Match_EmptyExpression_MatchesOnlyEmptyText()
    {
        Values("", "").Should().BeEmpty();
        Values("", "x").Should().BeNull();
    }

    [Fact]
    public void Match_PartialText_DoesNotMatch()
    {
        Values("I have {int} cukes", "I have 5 cukes today").Should().BeNull();
        Values("I have {int} cukes", "so I have 5 cukes").Should().BeNull();
    }

    [Fact]
    public void Match_UnicodeText_Matches()
    {
        Values("Привет, {word}! 🥒 {int}", "Привет, Мир! 🥒 7").Should().Equal("Мир", 7);
    }

    [Fact]
    public void Match_SeveralArguments_ReportStartIndexes()
    {
        var args = new CucumberExpression("I have {int} cukes in my {string}").Match("I have 12 cukes in my \"belly\"")!;
        args.Select(a => a.Start).Should().Equal(7, 22);
        args.Select(a => a.Index).Should().Equal(0, 1);
        args.Select(a => a.Text).Should().Equal("12", "\"belly\"");
    }

    [Fact]
    public void Regex_Parameter_UsesEveryRegexOfTheType()
    {
        new CucumberExpression("{int}").Regex.ToString().Should().Be(@"^((?:-?\d+)|(?:\d+))$");
    }

    [Fact]
    public void Regex_AlternationWithOptional_FollowsProductionRules()
    {
        new CucumberExpression("a/b(c)").Regex.ToString().Should().Be("^(?:a|b(?:c)?)$");
        new CucumberExpression("a/b c/d/e").Regex.ToString().Should().Be("^(?:a|b) (?:c|d|e)$");
    }

    [Fact]
    public void Regex_TextWithRegexCharacters_IsEscaped()
    {
        new CucumberExpression("I have {int} cuke(s) and ^$[]\\(\\).|?*+").Regex.ToString()
            .Should().Be(@"^I have ((?:-?\d+)|(?:\d+)) cuke(?:s)? and \^\$\[\]\(\)\.\|\?\*\+$");
    }

    [Fact]
    public void Regex_Unicode_IsKeptAsIs()
    {
        new CucumberExpression("Привет, Мир(ы)!").Regex.ToString().Should().Be("^Привет, Мир(?:ы)?!$");
    }

    [Fact]
    public void Source_IsTheExpressionAsWritten()
    {
        var e = new CucumberExpression("I have {int} cuke(s)");
        e.Source.Should().Be("I have {int} cuke(s)");
        e.ToString().Should().Be("I have {int} cuke(s)");
        e.ParameterTypes.Select(p => p.Name).Should().Equal("int");
    }

    public enum Color { Red, Green, Blue }

    public sealed record Flight(string From, string To);

    [Fact]
    public void Match_CustomEnumParameterType_TransformsToEnum()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(new ParameterType("color", "red|blue|green", typeof(Color), g => Enum.Parse<Color>(g[0]!, ignoreCase: true)));
        Values("I have a {color} ball", "I have a red ball", registry).Should().Equal(Color.Red);
        Values("I have a {color} ball", "I have a green ball", registry).Should().Equal(Color.Green);
        Values("I have a {color} ball", "I have a purple ball", registry).Should().BeNull();
    }

    [Fact]
    public void Match_ForEnumParameterType_IsCaseInsensitive()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(ParameterType.ForEnum<Color>("color"));
        Values("a {color} ball", "a BLUE ball", registry).Should().Equal(Color.Blue);
        Values("a {color} ball", "a Red ball", registry).Should().Equal(Color.Red);
    }

    [Fact]
    public void Match_CustomTypeWithCaptureGroups_TransformReceivesTopLevelGroups()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(new ParameterType("flight", "([A-Z]{3})-([A-Z]{3})", typeof(Flight), g => new Flight(g[0]!, g[1]!)));
        var args = new CucumberExpression("{flight} has been delayed {int} times", registry).Match("LHR-CDG has been delayed 3 times")!;
        args[0].GetValue().Should().Be(new Flight("LHR", "CDG"));
        args[0].Groups.Should().Equal("LHR", "CDG");
        args[0].Text.Should().Be("LHR-CDG");
        args[1].GetValue().Should().Be(3);
    }

    [Fact]
    public void Match_CustomTypeUsedTwice_KeepsGroupsApart()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(new ParameterType("flight", "([A-Z]{3})-([A-Z]{3})", typeof(Flight), g => new Flight(g[0]!, g[1]!)));
        var values = Values("from {flight} to {flight}", "from LHR-CDG to CDG-JFK", registry);
        values.Should().Equal(new Flight("LHR", "CDG"), new Flight("CDG", "JFK"));
    }

    [Fact]
    public void Match_CustomTypeWithSeveralRegexes_MatchesAny()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(new ParameterType("answer", ["yes|no", "true|false"], typeof(bool), g => g[0] is "yes" or "true"));
        Values("the answer is {answer}", "the answer is yes", registry).Should().Equal(true);
        Values("the answer is {answer}", "the answer is false", registry).Should().Equal(false);
        Values("the answer is {answer}", "the answer is maybe", registry).Should().BeNull();
    }

    [Fact]
    public void Match_CreateHelper_TransformsWholeMatch()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(ParameterType.Create("upper", "[a-z]+", s => s.ToUpperInvariant()));
        Values("say {upper}", "say hello", registry).Should().Equal("HELLO");
    }
}
