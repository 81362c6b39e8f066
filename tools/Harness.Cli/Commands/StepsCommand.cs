using Harness.Scenarios;
using Harness.Steps;

namespace Harness.Cli.Commands;

/// <summary>`harness steps`: every step phrase the engine knows, with its keyword and where it is bound.</summary>
public static class StepsCommand
{
    public static Task<int> RunAsync(string[] argv)
    {
        var args = new Args(argv, new HashSet<string>());
        args.RejectUnknown();
        var catalog = StepCatalog.FromAssemblies(typeof(KmsTarget).Assembly);
        foreach (var step in catalog.Steps.OrderBy(s => s.Keyword).ThenBy(s => s.Expression, StringComparer.Ordinal))
            Console.WriteLine($"{step.Keyword,-6} {step.Expression,-80} {step.Info.Location}");
        Console.WriteLine($"{catalog.Steps.Count} steps");
        return Task.FromResult(0);
    }
}
