using Reqnroll;

namespace Harness.Fixtures;

/// <summary>A team's steps: a shelf of key labels the team keeps, checked by its own rule.</summary>
[Binding]
public sealed class TeamSteps
{
    private readonly List<string> _labels = [];

    [Given("the team labels a key {string}")]
    public void Label(string label) => _labels.Add(label);

    [Then("the team has {int} labelled key(s)")]
    public void Count(int expected)
    {
        if (_labels.Count != expected)
            throw new InvalidOperationException($"the team has {_labels.Count} labelled keys, not {expected}");
    }
}
