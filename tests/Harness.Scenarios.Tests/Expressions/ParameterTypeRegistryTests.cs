using System.Numerics;
using Harness.Scenarios.Expressions;

namespace Harness.Scenarios.Tests.Expressions;

public class ParameterTypeRegistryTests
{
    [Fact]
    public void Constructor_Always_HasTheBuiltIns()
    {
        var registry = new ParameterTypeRegistry();
        registry.ParameterTypes.Select(p => p.Name).Should().BeEquivalentTo(
            ["int", "float", "double", "long", "byte", "short", "biginteger", "bigdecimal", "word", "string", ""]);
    }

    [Theory]
    [InlineData("int", typeof(int), true, true)]
    [InlineData("float", typeof(float), true, false)]
    [InlineData("double", typeof(double), false, false)]
    [InlineData("long", typeof(long), false, false)]
    [InlineData("byte", typeof(byte), false, false)]
    [InlineData("short", typeof(short), false, false)]
    [InlineData("biginteger", typeof(BigInteger), false, false)]
    [InlineData("bigdecimal", typeof(decimal), false, false)]
    [InlineData("word", typeof(string), false, false)]
    [InlineData("string", typeof(string), true, false)]
    [InlineData("", typeof(object), false, true)]
    public void Lookup_BuiltIn_HasCucumbersSettings(string name, Type type, bool useForSnippets, bool preferForRegexpMatch)
    {
        var pt = new ParameterTypeRegistry().Lookup(name);
        pt.Type.Should().Be(type);
        pt.UseForSnippets.Should().Be(useForSnippets);
        pt.PreferForRegexpMatch.Should().Be(preferForRegexpMatch);
        pt.ToString().Should().Be("{" + name + "}");
    }

    [Fact]
    public void Lookup_Anonymous_IsAnonymous()
    {
        var registry = new ParameterTypeRegistry();
        registry.Anonymous.IsAnonymous.Should().BeTrue();
        registry.Lookup("").Should().BeSameAs(registry.Anonymous);
        registry.Lookup("int").IsAnonymous.Should().BeFalse();
    }

    [Fact]
    public void Lookup_UnknownName_ThrowsNamingItAndListingKnownOnes()
    {
        var act = () => new ParameterTypeRegistry().Lookup("colour");
        var ex = act.Should().Throw<UndefinedParameterTypeException>().Which;
        ex.ParameterTypeName.Should().Be("colour");
        ex.Message.Should().Be("Undefined parameter type 'colour'. Known parameter types: {}, {bigdecimal}, {biginteger}, {byte}, {double}, {float}, {int}, {long}, {short}, {string}, {word}");
    }

    [Fact]
    public void Define_CustomType_CanBeLookedUp()
    {
        var registry = new ParameterTypeRegistry();
        var color = new ParameterType("color", "red|blue|green", typeof(string), g => g[0]);
        registry.Define(color);
        registry.Lookup("color").Should().BeSameAs(color);
        registry.TryLookup("color", out var found).Should().BeTrue();
        found.Should().BeSameAs(color);
        registry.TryLookup("colour", out _).Should().BeFalse();
        registry.ParameterTypes[^1].Should().BeSameAs(color);
    }

    [Fact]
    public void Define_DuplicateName_ThrowsClearError()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(new ParameterType("color", "red|blue", typeof(string), g => g[0]));
        var act = () => registry.Define(new ParameterType("color", "green", typeof(string), g => g[0]));
        act.Should().Throw<DuplicateParameterTypeException>()
            .WithMessage("There is already a parameter type named {color}; parameter type names must be unique")
            .Which.ParameterTypeName.Should().Be("color");
    }

    [Fact]
    public void Define_BuiltInName_ThrowsDuplicate()
    {
        var act = () => new ParameterTypeRegistry().Define(new ParameterType("int", @"\d+", typeof(long), g => long.Parse(g[0]!)));
        act.Should().Throw<DuplicateParameterTypeException>();
    }

    [Fact]
    public void Define_SecondPreferentialTypeForSameRegex_Throws()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(new ParameterType("a", "x+", typeof(string), g => g[0], preferForRegexpMatch: true));
        var act = () => registry.Define(new ParameterType("b", "x+", typeof(string), g => g[0], preferForRegexpMatch: true));
        act.Should().Throw<CucumberExpressionException>()
            .WithMessage("There can only be one preferential parameter type per regexp. The regexp /x+/ is used for two preferential parameter types, {a} and {b}");
    }

    [Theory]
    [InlineData("a{b")]
    [InlineData("a}b")]
    [InlineData("a(b")]
    [InlineData("a)b")]
    [InlineData("a\\b")]
    [InlineData("a/b")]
    public void Constructor_IllegalNameCharacter_Throws(string name)
    {
        var act = () => new ParameterType(name, "x", typeof(string), g => g[0]);
        act.Should().Throw<CucumberExpressionException>().WithMessage($"Illegal character in parameter name {{{name}}}*");
    }

    [Fact]
    public void Constructor_NoRegex_Throws()
    {
        var act = () => new ParameterType("x", Array.Empty<string>(), typeof(string), g => g[0]);
        act.Should().Throw<CucumberExpressionException>().WithMessage("*needs at least one regex*");
    }

    [Theory]
    [InlineData("^abc")]
    [InlineData("abc$")]
    [InlineData("(unclosed")]
    [InlineData("(?<name>x)")]
    [InlineData("")]
    public void Constructor_BadRegex_Throws(string regex)
    {
        var act = () => new ParameterType("x", regex, typeof(string), g => g[0]);
        act.Should().Throw<CucumberExpressionException>().WithMessage("*parameter type {x}*");
    }

    [Fact]
    public void Constructor_EscapedDollarAtEnd_IsAllowed()
    {
        var pt = new ParameterType("price", @"\d+\$", typeof(string), g => g[0]);
        pt.Regexes.Should().Equal(@"\d+\$");
    }

    [Fact]
    public void LookupByRegex_SharedIntegerRegex_PrefersInt()
    {
        var registry = new ParameterTypeRegistry();
        registry.LookupByRegex(@"\d+")!.Name.Should().Be("int");
        registry.LookupByRegex(@"-?\d+")!.Name.Should().Be("int");
        registry.LookupByRegex(".*")!.Should().BeSameAs(registry.Anonymous);
        registry.LookupByRegex(@"[^\s]+")!.Name.Should().Be("word");
        registry.LookupByRegex("nothing like it").Should().BeNull();
    }

    [Fact]
    public void LookupByRegex_SeveralWithoutPreference_ThrowsAmbiguous()
    {
        var registry = new ParameterTypeRegistry();
        var act = () => registry.LookupByRegex(ParameterTypeRegistry.FloatRegex, "^(x)$");
        act.Should().Throw<AmbiguousParameterTypeException>()
            .Which.Candidates.Select(c => c.Name).Should().BeEquivalentTo(["float", "double", "bigdecimal"]);
    }

    [Fact]
    public void LookupByRegex_PreferredCustomType_Wins()
    {
        var registry = new ParameterTypeRegistry();
        registry.Define(new ParameterType("money", ParameterTypeRegistry.FloatRegex, typeof(decimal), g => decimal.Parse(g[0]!), preferForRegexpMatch: true));
        registry.LookupByRegex(ParameterTypeRegistry.FloatRegex)!.Name.Should().Be("money");
    }
}
