using Reqnroll;

namespace Harness.Scenarios.Tests.Engine;

/// <summary>A driver the bindings share within a scenario: records what happened, in order.</summary>
public sealed class Journal : IDisposable
{
    public static readonly List<string> Disposed = [];
    private static int s_next;
    public int Instance { get; } = Interlocked.Increment(ref s_next);
    public List<string> Entries { get; } = [];
    public void Dispose()
    {
        lock (Disposed) Disposed.Add($"journal {Instance}");
    }
}

/// <summary>A second driver that depends on the first (constructor injection of drivers into drivers).</summary>
public sealed class Calculator(Journal journal)
{
    public Journal Journal { get; } = journal;
    public List<double> Stack { get; } = [];
}

public enum Color { Red, Green, Blue }

[Binding]
public sealed class CalculatorSteps(Calculator calculator, Journal journal, ScenarioContext scenario)
{
    /// <summary>Which Journal instance each scenario (by title) was given.</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> JournalOf = new();

    [StepArgumentTransformation("(red|green|blue)", Name = "color")]
    public static Color ParseColor(string text) => Enum.Parse<Color>(text, ignoreCase: true);

    [Given("I have entered {int} into the calculator")]
    public void Enter(int n)
    {
        calculator.Stack.Add(n);
        journal.Entries.Add($"enter {n}");
    }

    [Given("I have entered the number {float}")]
    public void EnterFloat(float n) => calculator.Stack.Add(n);

    [When("I press add")]
    public void Add()
    {
        var sum = calculator.Stack.Sum();
        calculator.Stack.Clear();
        calculator.Stack.Add(sum);
        journal.Entries.Add("add");
    }

    [Then("the result should be {int} on the screen")]
    public void Result(int expected) => calculator.Stack.Single().Should().Be(expected);

    [Then("the result should be {double}")]
    public void ResultDouble(double expected) => calculator.Stack.Single().Should().BeApproximately(expected, 1e-9);

    [Given("the user {string} is logged in")]
    public void User(string name) => journal.Entries.Add($"user {name}");

    [Given("a {word} day")]
    public void Day(string word) => journal.Entries.Add($"day {word}");

    [Given("the light is {color}")]
    public void Light(Color color) => journal.Entries.Add($"light {color}");

    [Given(@"^a regex step with (\d+) items? and ""([^""]*)""$")]
    public void Regex(int count, string label) => journal.Entries.Add($"regex {count} {label}");

    [Given("these numbers:")]
    public void Numbers(DataTable table)
    {
        foreach (var row in table.Rows) calculator.Stack.Add(double.Parse(row["value"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Given("this text:")]
    public void Text(string text) => journal.Entries.Add($"text {text}");

    [Given("this document:")]
    public void Document(string doc) => journal.Entries.Add($"doc {doc}");

    [When("something fails")]
    public void Fails() => throw new InvalidOperationException("the calculator caught fire");

    [When("an assertion fails")]
    public void AssertionFails() => 1.Should().Be(2, "one is not two");

    [When("a step is pending")]
    public void Pending() => throw new PendingStepException();

    [StepDefinition("any keyword step")]
    public void AnyKeyword() => journal.Entries.Add("any");

    [Then("the journal says {string}")]
    public void JournalSays(string entry) => journal.Entries.Should().Contain(entry);

    [Then("the scenario is called {string}")]
    public void ScenarioName(string name)
    {
        scenario.ScenarioInfo.Title.Should().Be(name);
        JournalOf[name] = journal.Instance;
    }

    [Then("the journal is empty")]
    public void JournalEmpty() => journal.Entries.Should().BeEmpty();

    [When("I wait asynchronously")]
    public async Task WaitAsync()
    {
        await Task.Yield();
        journal.Entries.Add("async");
    }
}

[Binding]
public sealed class HookBindings(Journal journal)
{
    public static readonly List<string> Log = [];

    [BeforeScenario(Order = 2)]
    public void SecondBefore() => journal.Entries.Add("before 2");

    [BeforeScenario(Order = 1)]
    public void FirstBefore() => journal.Entries.Add("before 1");

    [BeforeScenario("@tagged")]
    public void TaggedBefore() => journal.Entries.Add("before tagged");

    [AfterScenario]
    public void After(ScenarioContext scenario)
    {
        lock (Log) Log.Add($"after {scenario.ScenarioInfo.Title}: {string.Join(", ", journal.Entries)}");
    }

    [BeforeFeature("@featurehook")]
    public static void BeforeFeature(FeatureContext feature)
    {
        lock (Log) Log.Add($"before feature {feature.FeatureInfo.Title}");
    }
}

/// <summary>Two bindings for the same phrase: an ambiguity the engine must name (scoped, so only @ambiguous scenarios see it).</summary>
[Binding]
[Scope(Tag = "ambiguous")]
public sealed class AmbiguousBindings
{
    [Given("a phrase bound twice")]
    public void First() { }

    [Given("a phrase bound {word}")]
    public void Second(string how) { }
}
