using Harness.Scenarios.Expressions;

namespace Harness.Scenarios.Tests.Expressions;

public class StepArgumentConversionTests
{
    public enum Status { Active, InProgress, Done }

    public sealed record Color(string Name);

    private static StepArgument Arg(string expression, string text, ParameterTypeRegistry? registry = null) =>
        new CucumberExpression(expression, registry).Match(text)!.Single();

    [Fact]
    public void Convert_IntOverflow_ThrowsNamingTextTypeAndParameter()
    {
        var act = () => Arg("I have {int} cukes", "I have 99999999999 cukes").Convert(typeof(int));
        var ex = act.Should().Throw<ArgumentConversionException>().Which;
        ex.Message.Should().Contain("\"99999999999\"").And.Contain("Int32").And.Contain("{int}");
        ex.ArgumentText.Should().Be("99999999999");
        ex.TargetType.Should().Be(typeof(int));
        ex.Parameter.Should().Be("{int}");
        ex.InnerException.Should().BeOfType<OverflowException>();
    }

    [Fact]
    public void Convert_IntOverflowIntoLong_ConvertsTheText()
    {
        Arg("{int}", "99999999999").Convert(typeof(long)).Should().Be(99999999999L);
    }

    [Fact]
    public void Convert_ByteOutOfRange_Throws()
    {
        var act = () => Arg("{byte}", "256").Convert(typeof(byte));
        act.Should().Throw<ArgumentConversionException>().WithMessage("Cannot convert \"256\" to Byte for parameter {byte}: *");
    }

    [Fact]
    public void Convert_FloatOverflow_Throws()
    {
        var act = () => Arg("{float}", "1E+50").Convert(typeof(float));
        act.Should().Throw<ArgumentConversionException>().WithMessage("*\"1E+50\"*Single*{float}*");
    }

    [Fact]
    public void Convert_IntIntoWiderOrOtherTypes_Converts()
    {
        var arg = Arg("{int}", "42");
        arg.Convert(typeof(int)).Should().Be(42);
        arg.Convert(typeof(int?)).Should().Be(42);
        arg.Convert(typeof(long)).Should().Be(42L);
        arg.Convert(typeof(double)).Should().Be(42.0);
        arg.Convert(typeof(decimal)).Should().Be(42m);
        arg.Convert(typeof(string)).Should().Be("42");
        arg.Convert(typeof(object)).Should().Be(42);
        arg.Convert<int>().Should().Be(42);
    }

    [Fact]
    public void Convert_FloatIntoDouble_UsesTheText()
    {
        Arg("{float}", "0.22").Convert(typeof(double)).Should().Be(0.22);
    }

    [Fact]
    public void Convert_StringIntoOtherTypes_ConvertsTheContent()
    {
        Arg("{string}", "\"42\"").Convert(typeof(int)).Should().Be(42);
        Arg("{string}", "'in progress'").Convert(typeof(Status)).Should().Be(Status.InProgress);
    }

    [Fact]
    public void Convert_WordIntoInt_NotANumber_Throws()
    {
        var act = () => Arg("{word}", "abc").Convert(typeof(int));
        act.Should().Throw<ArgumentConversionException>().WithMessage("Cannot convert \"abc\" to Int32 for parameter {word}: *");
    }

    [Theory]
    [InlineData("42", typeof(int), 42)]
    [InlineData("-7", typeof(long), -7L)]
    [InlineData("2.5", typeof(double), 2.5)]
    [InlineData("true", typeof(bool), true)]
    [InlineData("False", typeof(bool), false)]
    [InlineData("hello world", typeof(string), "hello world")]
    [InlineData("x", typeof(char), 'x')]
    public void Convert_AnonymousParameter_ConvertsTextToTarget(string text, Type target, object expected)
    {
        Arg("value {}", "value " + text).Convert(target).Should().Be(expected);
    }

    [Fact]
    public void Convert_AnonymousToDecimalGuidDateTimeOffsetTimeSpanEnum_Converts()
    {
        Arg("{}", "1.25").Convert(typeof(decimal)).Should().Be(1.25m);
        Arg("{}", "8f1a4c6e-33b5-4f4e-9d3e-2a5c4b7e9f10").Convert(typeof(Guid))
            .Should().Be(Guid.Parse("8f1a4c6e-33b5-4f4e-9d3e-2a5c4b7e9f10"));
        Arg("{}", "2024-05-06T07:08:09+02:00").Convert(typeof(DateTimeOffset))
            .Should().Be(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)));
        Arg("{}", "2024-05-06").Convert(typeof(DateTimeOffset))
            .Should().Be(new DateTimeOffset(2024, 5, 6, 0, 0, 0, TimeSpan.Zero));
        Arg("{}", "00:05:00").Convert(typeof(TimeSpan)).Should().Be(TimeSpan.FromMinutes(5));
        Arg("{}", "250ms").Convert(typeof(TimeSpan)).Should().Be(TimeSpan.FromMilliseconds(250));
        Arg("{}", "PT2H").Convert(typeof(TimeSpan)).Should().Be(TimeSpan.FromHours(2));
        Arg("{}", "done").Convert(typeof(Status)).Should().Be(Status.Done);
        Arg("{}", "IN_PROGRESS").Convert(typeof(Status)).Should().Be(Status.InProgress);
        Arg("{}", "https://example.test/x").Convert(typeof(Uri)).Should().Be(new Uri("https://example.test/x"));
        Arg("{}", "1.2.3").Convert(typeof(Version)).Should().Be(new Version(1, 2, 3));
    }

    [Fact]
    public void Convert_AnonymousUnknownEnumMember_ThrowsListingMembers()
    {
        var act = () => Arg("{}", "paused").Convert(typeof(Status));
        act.Should().Throw<ArgumentConversionException>()
            .WithMessage("Cannot convert \"paused\" to Status for parameter {}: \"paused\" is not a Status: expected one of Active, InProgress, Done");
    }

    [Fact]
    public void Convert_AnonymousUndefinedEnumNumber_Throws()
    {
        var act = () => Arg("{}", "7").Convert(typeof(Status));
        act.Should().Throw<ArgumentConversionException>();
    }

    [Fact]
    public void Convert_AnonymousToUnsupportedType_Throws()
    {
        var act = () => Arg("{}", "x").Convert(typeof(StepArgumentConversionTests));
        act.Should().Throw<ArgumentConversionException>().WithMessage("*there is no conversion from text to StepArgumentConversionTests*");
    }

    [Fact]
    public void Convert_AnonymousBadBool_Throws()
    {
        var act = () => Arg("{}", "yes please").Convert(typeof(bool));
        act.Should().Throw<ArgumentConversionException>().WithMessage("Cannot convert \"yes please\" to Boolean for parameter {}: *");
    }

    [Fact]
    public void Convert_CustomTypeIntoItsType_UsesTransform()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(new ParameterType("color", "red|blue|green", typeof(Color), g => new Color(g[0]!)));
        var arg = Arg("a {color} ball", "a red ball", registry);
        arg.Convert(typeof(Color)).Should().Be(new Color("red"));
        arg.Convert(typeof(object)).Should().Be(new Color("red"));
        arg.Convert(typeof(string)).Should().Be("red");
    }

    [Fact]
    public void Convert_CustomTransformThrows_WrapsInArgumentConversionException()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(new ParameterType("color", "red|blue|green", typeof(Color), _ => throw new InvalidOperationException("no paint")));
        var act = () => Arg("a {color} ball", "a red ball", registry).Convert(typeof(Color));
        act.Should().Throw<ArgumentConversionException>().WithMessage("Cannot convert \"red\" to Color for parameter {color}: no paint");
    }

    [Fact]
    public void Convert_TransformReturnsNullForValueType_Throws()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(new ParameterType("nothing", "x", typeof(int), _ => null));
        var act = () => Arg("{nothing}", "x", registry).Convert(typeof(int));
        act.Should().Throw<ArgumentConversionException>().WithMessage("*produced no value*");
    }

    [Fact]
    public void GetValue_BuiltIns_UseTheirOwnType()
    {
        Arg("{int}", "5").GetValue().Should().BeOfType<int>();
        Arg("{float}", "5").GetValue().Should().BeOfType<float>();
        Arg("{double}", "5").GetValue().Should().BeOfType<double>();
        Arg("{bigdecimal}", "5").GetValue().Should().BeOfType<decimal>();
        Arg("{}", "5").GetValue().Should().Be("5");
    }

    [Fact]
    public void ConvertText_NullableEmpty_IsNull()
    {
        StepArgumentConverter.ConvertText("", typeof(int?)).Should().BeNull();
        StepArgumentConverter.ConvertText("5", typeof(int?)).Should().Be(5);
    }

    [Fact]
    public void ConvertText_NumbersUseInvariantCulture()
    {
        StepArgumentConverter.ConvertText("1.5", typeof(double)).Should().Be(1.5);
        StepArgumentConverter.ConvertText("1.5", typeof(decimal)).Should().Be(1.5m);
        var comma = () => StepArgumentConverter.ConvertText("1,5", typeof(decimal));
        comma.Should().Throw<FormatException>();
    }

    [Fact]
    public void CanConvert_KnownAndUnknownTypes_Answers()
    {
        StepArgumentConverter.CanConvert(typeof(int)).Should().BeTrue();
        StepArgumentConverter.CanConvert(typeof(Status?)).Should().BeTrue();
        StepArgumentConverter.CanConvert(typeof(TimeSpan)).Should().BeTrue();
        StepArgumentConverter.CanConvert(typeof(StepArgumentConversionTests)).Should().BeFalse();
    }
}
