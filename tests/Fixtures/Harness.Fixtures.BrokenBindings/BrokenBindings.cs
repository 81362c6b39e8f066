using Reqnroll;

namespace Harness.Fixtures;

/// <summary>A binding Reqnroll cannot use: <c>{nosuchtype}</c> is no parameter type.</summary>
[Binding]
public sealed class BrokenBindings
{
    [Given("a {nosuchtype} parameter")]
    public void Broken(string x) { }
}
