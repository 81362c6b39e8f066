using System.Reflection;
using Reqnroll;
using Reqnroll.Bindings;
using Harness.Scenarios.Hosting;

namespace Harness.Scenarios.Tests.Hosting;

/// <summary>Records the match Reqnroll handed each step, in the order the steps ran.</summary>
[Binding]
[Scope(Tag = "match-cache")]
public sealed class MatchCacheBindings(ScenarioContext scenario)
{
    public static readonly List<(string Scenario, string Method, object?[] Arguments, BindingMatch Match)> Seen = [];

    private void Record(string method, params object?[] arguments)
    {
        lock (Seen) Seen.Add((scenario.ScenarioInfo.Title, method, arguments, scenario.StepContext.StepInfo.BindingMatch));
    }

    [Given("the cached step {int}")]
    public void Plain(int n) => Record(nameof(Plain), n);

    [Given("the cached step {int} with:")]
    public void WithTable(int n, Table table) => Record(nameof(WithTable), n, table.Header.Single());

    [Given("the cached step {int} saying:")]
    public void WithText(int n, string text) => Record(nameof(WithText), n, text);

    [Given("a phrase scoped by tag")]
    public void Unscoped() => Record(nameof(Unscoped));

    [Obsolete("use the cached step instead")]
    [Given("an obsolete cached step")]
    public void Obsolete() => Record(nameof(Obsolete));
}

[Binding]
[Scope(Tag = "narrow", Feature = "Scopes")] // two scope matches: it beats the class above (one) where both apply
public sealed class NarrowMatchCacheBindings(ScenarioContext scenario)
{
    [Given("a phrase scoped by tag")]
    public void Scoped()
    {
        lock (MatchCacheBindings.Seen) MatchCacheBindings.Seen.Add((scenario.ScenarioInfo.Title, nameof(Scoped), [], scenario.StepContext.StepInfo.BindingMatch));
    }
}

/// <summary>
/// The remembered step matching (<see cref="CachedStepDefinitionMatchService"/>): a step seen before gets exactly the match
/// Reqnroll's own matching gave it, with its own arguments, table, doc string and step context; scoped bindings still win
/// or lose by the scenario's tags.
/// </summary>
public class StepMatchCacheTests
{
    private static async Task<List<(string Scenario, string Method, object?[] Arguments, BindingMatch Match)>> Run(string feature)
    {
        lock (MatchCacheBindings.Seen) MatchCacheBindings.Seen.Clear();
        await using var engine = new ScenarioEngine(StepCatalog.FromAssemblies(typeof(MatchCacheBindings).Assembly));
        var run = await engine.RunAsync([FeatureLoader.Parse(feature, "match-cache.feature")]);
        run.Failed.Should().Be(0, string.Join("\n", run.Scenarios.Select(s => s.FailureSummary).OfType<string>()));
        lock (MatchCacheBindings.Seen) return [.. MatchCacheBindings.Seen];
    }

    [Fact]
    public async Task RepeatedStep_GetsTheSameMatchAsItsFirstTime_WithItsOwnArgumentsAndContext()
    {
        var seen = await Run("""
            @match-cache
            Feature: Remembered matches
              Scenario: first
                Given the cached step 7
                And the cached step 7 with:
                  | first table |
                And the cached step 7 saying:
                  \"\"\"
                  first text
                  \"\"\"
                And an obsolete cached step
              Scenario: second
                Given the cached step 7
                And the cached step 7 with:
                  | second table |
                And the cached step 7 saying:
                  \"\"\"
                  second text
                  \"\"\"
                And an obsolete cached step
            """.Replace("\\\"", "\""));

        seen.Select(s => (s.Scenario, s.Method)).Should().Equal(
            ("first", "Plain"), ("first", "WithTable"), ("first", "WithText"), ("first", "Obsolete"),
            ("second", "Plain"), ("second", "WithTable"), ("second", "WithText"), ("second", "Obsolete"));
        seen.Select(s => string.Join(",", s.Arguments)).Should().Equal(
            "7", "7,first table", "7,first text", "", "7", "7,second table", "7,second text", "");
        for (int i = 0; i < 4; i++)
        {
            var (first, again) = (seen[i].Match, seen[i + 4].Match);
            again.Should().NotBeSameAs(first);
            again.BindingObsoletion.Should().BeSameAs(first.BindingObsoletion, "the second time, the match comes from memory");
            again.StepContext.ScenarioTitle.Should().Be("second");
            SameMatch(first, again);
        }
        seen[3].Match.IsObsolete.Should().BeTrue();
        seen[7].Match.BindingObsoletion.Message.Should().Contain("use the cached step instead");
    }

    [Fact]
    public async Task ScopedBinding_WinsOnlyInScenariosWithItsTag_WhateverRanFirst()
    {
        var seen = await Run("""
            @match-cache
            Feature: Scopes
              Scenario: plain before
                Given a phrase scoped by tag
              @narrow
              Scenario: narrow
                Given a phrase scoped by tag
              Scenario: plain after
                Given a phrase scoped by tag
              @narrow
              Scenario: narrow again
                Given a phrase scoped by tag
            """);
        seen.Select(s => (s.Scenario, s.Method)).Should().Equal(
            ("plain before", "Unscoped"), ("narrow", "Scoped"), ("plain after", "Unscoped"), ("narrow again", "Scoped"));
        seen.Select(s => s.Match.ScopeMatches).Should().Equal(1, 2, 1, 2);
    }

    [Fact]
    public void KnownBindingMatch_SetsEveryPropertyReqnrollsConstructorSets()
    {
        // A state a later Reqnroll adds to BindingMatch would be missing from a remembered match: this lists it all.
        var properties = typeof(BindingMatch).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).Order().ToList();
        properties.Should().Equal("Arguments", "BindingObsoletion", "IsObsolete", "IsScoped", "ScopeMatches", "StepBinding", "StepContext", "Success");
        typeof(BindingMatch).GetFields(BindingFlags.NonPublic | BindingFlags.Instance).Select(f => f.Name).Order().Should().Equal(
            "<Arguments>k__BackingField", "<BindingObsoletion>k__BackingField", "<ScopeMatches>k__BackingField",
            "<StepBinding>k__BackingField", "<StepContext>k__BackingField");
    }

    private static void SameMatch(BindingMatch first, BindingMatch again)
    {
        again.Success.Should().BeTrue();
        again.StepBinding.Should().BeSameAs(first.StepBinding);
        again.ScopeMatches.Should().Be(first.ScopeMatches);
        again.IsScoped.Should().Be(first.IsScoped);
        again.IsObsolete.Should().Be(first.IsObsolete);
        again.BindingObsoletion.Message.Should().Be(first.BindingObsoletion.Message);
        again.Arguments.Length.Should().Be(first.Arguments.Length);
        for (int i = 0; i < first.Arguments.Length; i++)
        {
            again.Arguments[i].StartOffset.Should().Be(first.Arguments[i].StartOffset);
            // Captured from the step text (with an offset): the same; the doc string or table (no offset): the step's own.
            if (first.Arguments[i].StartOffset is not null) again.Arguments[i].Value.Should().Be(first.Arguments[i].Value);
            else again.Arguments[i].Value.Should().BeOfType(first.Arguments[i].Value!.GetType()).And.NotBeSameAs(first.Arguments[i].Value);
        }
        again.StepContext.FeatureTitle.Should().Be(first.StepContext.FeatureTitle);
    }
}
