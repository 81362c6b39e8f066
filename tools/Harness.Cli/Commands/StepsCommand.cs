using System.CommandLine;
using Harness.Scenarios;
using Harness.Steps;

namespace Harness.Cli.Commands;

/// <summary>`harness steps`: every step phrase the engine knows, with its keyword and where it is bound.</summary>
public static class StepsCommand
{
    public static Command Definition() => Define.Command("steps", "lists every step phrase the engine knows, with the file and line that binds it", RunAsync,
        RunCommand.BindingsOption());

    public static Task<int> RunAsync(Args args)
    {
        var catalog = StepCatalog.FromAssemblies([typeof(KmsTarget).Assembly], args.All("bindings"));
        foreach (var step in catalog.Steps.OrderBy(s => s.Keyword).ThenBy(s => s.Expression, StringComparer.Ordinal))
            Console.WriteLine($"{step.Keyword,-6} {step.Expression,-80} {step.Info.Location}");
        Console.WriteLine($"{catalog.Steps.Count} steps");
        return Task.FromResult(0);
    }
}
