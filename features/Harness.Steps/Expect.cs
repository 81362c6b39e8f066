namespace Harness.Steps;

/// <summary>What Then steps check with: a failed expectation fails the step with a message that says what was seen.</summary>
public static class Expect
{
    public static void That(bool condition, string whenNot)
    {
        if (!condition) throw new ExpectationFailedException(whenNot);
    }
}

/// <summary>A Then step saw something other than what the scenario expects.</summary>
public sealed class ExpectationFailedException(string message) : Exception(message);
