using System.Runtime.CompilerServices;

namespace Harness.Scenarios;

/// <summary>Marks a class whose methods bind steps and hooks (Reqnroll's [Binding]).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class BindingAttribute : Attribute;

/// <summary>
/// Binds a step phrase: a Cucumber expression ("I create a key of {int} bits") or a regular expression (starting with ^
/// or ending with $). The compiler records where the attribute is written, so that errors can name it.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public class StepDefinitionAttribute(string expression, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) : Attribute
{
    public string Expression { get; } = expression;
    public string File { get; } = file;
    public int Line { get; } = line;

    /// <summary>The keyword this binding answers to; null for [StepDefinition], which answers to all.</summary>
    public virtual StepKeyword? Keyword => null;
}

public sealed class GivenAttribute(string expression, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    : StepDefinitionAttribute(expression, file, line)
{
    public override StepKeyword? Keyword => StepKeyword.Given;
}

public sealed class WhenAttribute(string expression, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    : StepDefinitionAttribute(expression, file, line)
{
    public override StepKeyword? Keyword => StepKeyword.When;
}

public sealed class ThenAttribute(string expression, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    : StepDefinitionAttribute(expression, file, line)
{
    public override StepKeyword? Keyword => StepKeyword.Then;
}

/// <summary>Given, When or Then. Steps starting with And/But/* take the keyword of the step before them.</summary>
public enum StepKeyword { Given, When, Then }

/// <summary>A hook: runs around scenarios or features whose tags match <see cref="Tags"/> (a tag expression), lowest <see cref="Order"/> first.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public abstract class HookAttribute(string? tags, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) : Attribute
{
    /// <summary>A Cucumber tag expression ("@kms and not @slow"); null runs for every scenario.</summary>
    public string? Tags { get; } = tags;
    public int Order { get; set; } = 10000;
    public string File { get; } = file;
    public int Line { get; } = line;
}

public sealed class BeforeScenarioAttribute(string? tags = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) : HookAttribute(tags, file, line);
public sealed class AfterScenarioAttribute(string? tags = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) : HookAttribute(tags, file, line);

/// <summary>Runs once before the first scenario of each feature whose tags match (static method, or injected with feature-scoped services).</summary>
public sealed class BeforeFeatureAttribute(string? tags = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) : HookAttribute(tags, file, line);
public sealed class AfterFeatureAttribute(string? tags = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) : HookAttribute(tags, file, line);

/// <summary>
/// A custom parameter type for Cucumber expressions: the method (static, in a [Binding] class) turns the matched text
/// into a value; <c>[ParameterType("color", "red|green|blue")] public static Color Color(string s) => ...</c> makes
/// <c>{color}</c> usable in step expressions.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ParameterTypeAttribute(string name, string regex) : Attribute
{
    public string Name { get; } = name;
    public string Regex { get; } = regex;
}

/// <summary>Marks a step as not written yet: the scenario is reported Pending, not failed.</summary>
public sealed class PendingStepException(string message = "this step is not implemented yet") : Exception(message);
