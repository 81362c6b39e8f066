using System.Text.RegularExpressions;
using Harness.Scenarios.Expressions;

namespace Harness.Scenarios.Tests.Expressions;

public class RegexGroupTreeTests
{
    private static string Shape(RegexGroup g, string pattern) =>
        g.Children.Count == 0 ? g.Number.ToString() : $"{g.Number}[{string.Join(",", g.Children.Select(c => Shape(c, pattern)))}]";

    [Theory]
    [InlineData(@"(a)(b)", "0[1,2]")]
    [InlineData(@"(a(b)(c))(d)", "0[1[2,3],4]")]
    [InlineData(@"(?:a(b))(c)", "0[1,2]")]
    [InlineData(@"\(a\)(b)", "0[1]")]
    [InlineData(@"[(](b)[)]", "0[1]")]
    [InlineData(@"[\]()](b)", "0[1]")]
    [InlineData(@"[]()](b)", "0[1]")]
    [InlineData(@"[a-z-[(]](b)", "0[1]")]
    [InlineData(@"(?=(a))(?!b)(?<=c)(?<!d)(?>e)(f)", "0[1,2]")]
    [InlineData(@"(?i)(a)(?i-s:(b))", "0[1,2]")]
    [InlineData(@"(?#not (a group)(a)", "0[1]")]
    [InlineData(@"(?<x>a)(b)", "0[2,1]")]
    [InlineData(@"(?'x'a(?<y>b))", "0[1[2]]")]
    [InlineData(@"(a)?(?(1)b|c)(d)", "0[1,2]")]
    [InlineData(ParameterTypeRegistry.StringRegex, "0[1[2],3[4]]")]
    public void Build_Pattern_FindsNesting(string pattern, string shape)
    {
        var regex = new Regex(pattern);
        Shape(RegexGroupTree.Build(regex), pattern).Should().Be(shape);
    }

    [Fact]
    public void Build_GroupContent_IsThePatternInside()
    {
        const string pattern = @"^I have (\d+) (?<what>cukes|gherkins)$";
        var tree = RegexGroupTree.Build(new Regex(pattern));
        tree.Children.Select(c => c.Content(pattern)).Should().Equal(@"\d+", "cukes|gherkins");
    }

    [Fact]
    public void Build_ExplicitCapture_IgnoresUnnamedGroups()
    {
        var regex = new Regex(@"(a)(?<n>b)", RegexOptions.ExplicitCapture);
        RegexGroupTree.Build(regex).Children.Should().ContainSingle().Which.Name.Should().Be("n");
    }
}
