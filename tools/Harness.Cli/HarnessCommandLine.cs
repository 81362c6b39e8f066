using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text;
using Harness.Cli.Commands;

namespace Harness.Cli;

/// <summary>
/// The `harness` command line on System.CommandLine: one definition of every command and option (each command's
/// <c>Definition</c>), from which the parser, `--help`, the usage text and the bash completion script are made.
/// Exit codes: 0 all good, 1 a check failed, 2 bad usage or bad input (one line on stderr: "harness CMD: reason").
/// </summary>
public static class HarnessCommandLine
{
    public const string Title = "harness: a test harness and simulator for vSphere VM Encryption with an external KMS.";

    public static RootCommand Build()
    {
        var root = new RootCommand(Title)
        {
            DemoCommand.Definition(),
            TestCommand(),
            PkiCommand.Definition(),
            ServeCommand.Definition(),
            KeyProtectCommand.Definition(),
            TtlvCommand.Definition(),
            RunCommand.Definition(),
            StepsCommand.Definition(),
            PlayCommand.Definition(),
            VectorsCommand.Definition(),
            CertifyCommand.Definition(),
            BenchCommand.Definition(),
            FuzzCommand.Definition(),
            CompletionCommand(),
        };
        return root;
    }

    /// <summary>Parses and runs; every bad input ends as one line on stderr and exit code 2.</summary>
    public static async Task<int> InvokeAsync(string[] args)
    {
        var root = Build();
        if (args.Length == 0)
        {
            Console.Error.WriteLine(UsageText(root));
            Console.Error.WriteLine("harness: no command given");
            return 2;
        }
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var command = parse.CommandResult.Command;
        var top = TopCommand(parse);
        var prefix = top is null ? "harness" : $"harness {top.Name}";
        if (parse.Action is HelpAction help)
        {
            if (command == root) Console.WriteLine(UsageText(root));
            else
            {
                help.MaxWidth = Console.IsOutputRedirected ? 120 : Math.Max(80, Console.WindowWidth);
                parse.Invoke();
            }
            return 0;
        }
        // A command that only groups others (pki, ttlv): say how it is used.
        if (command != root && command.Action is null && command.Subcommands.Count > 0)
            return Fail(prefix, "usage: " + string.Join("; ", command.Subcommands.Select(c => Synopsis($"{command.Name} {c.Name}", c, "harness"))));
        if (parse.Errors.Count > 0) return Fail(prefix, ParseErrors.Describe(parse, root));
        try
        {
            // Commands that run until stopped (serve, demo, certify) handle SIGINT/SIGTERM themselves and stop cleanly;
            // System.CommandLine's own handler would race them for the same signal.
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (UsageException ex) { return Fail(prefix, ex.Message); }
        catch (Harness.Scenarios.ScenarioSetupException ex) { return Fail(prefix, ex.Message.Split('\n')[0]); }
    }

    private static int Fail(string prefix, string reason)
    {
        Console.Error.WriteLine($"{prefix}: {reason}");
        return 2;
    }

    private static Command? TopCommand(ParseResult parse)
    {
        System.CommandLine.Parsing.SymbolResult? r = parse.CommandResult;
        Command? top = null;
        for (; r is System.CommandLine.Parsing.CommandResult c && c.Parent is not null; r = c.Parent) top = c.Command;
        return top;
    }

    /// <summary>The commands a user types, with their paths ("bench site"), depth first.</summary>
    public static IEnumerable<(string Path, Command Command)> Commands(Command parent, string path = "")
    {
        foreach (var c in parent.Subcommands)
        {
            if (c.Hidden) continue;
            var p = path.Length == 0 ? c.Name : $"{path} {c.Name}";
            yield return (p, c);
            foreach (var child in Commands(c, p)) yield return child;
        }
    }

    /// <summary>The options a command's help lists, without --help.</summary>
    public static IEnumerable<Option> OptionsOf(Command command) => command.Options.Where(o => o is not HelpOption);

    /// <summary>"./harness serve --data DIR --pki DIR [--kmip HOST:PORT] ...": required options bare, others in brackets.</summary>
    public static string Synopsis(string path, Command command, string launcher = "./harness")
    {
        var text = new StringBuilder($"{launcher} {path}");
        foreach (var o in OptionsOf(command))
        {
            var usage = o.Arity.MaximumNumberOfValues == 0 ? o.Name : $"{o.Name} {o.HelpName ?? "VALUE"}";
            if (o.Arity.MaximumNumberOfValues > 1) usage += $" [{o.Name} …]";
            text.Append(o.Required ? $" {usage}" : $" [{usage}]");
        }
        foreach (var a in command.Arguments)
        {
            var name = a.HelpName ?? a.Name;
            var many = a.Arity.MaximumNumberOfValues > 1 ? "..." : "";
            text.Append(' ').Append(a.Arity.MinimumNumberOfValues == 0 ? $"[{name}{many}]" : name + many);
        }
        return text.ToString();
    }

    /// <summary>The usage text of `harness --help`: every command's synopsis and what it does.</summary>
    public static string UsageText(RootCommand root)
    {
        var text = new StringBuilder(Title).AppendLine().AppendLine();
        foreach (var (path, command) in Commands(root))
        {
            if (command.Action is null) continue; // pki, ttlv: their subcommands are listed
            text.AppendLine("  " + Synopsis(path, command));
            text.AppendLine("      " + command.Description);
        }
        text.AppendLine();
        text.AppendLine("`./harness COMMAND --help` lists a command's options with their defaults.");
        text.Append("Exit codes: 0 good, 1 a check failed, 2 bad usage or input.");
        return text.ToString();
    }

    private static Command TestCommand()
    {
        var test = new Command("test", "installs what the tests need (missing system packages, when root), runs every test, prints \"N passed, N failed\" last; run by the ./harness launcher");
        test.SetAction((Func<ParseResult, int>)(_ => throw new UsageException("run ./harness test: the launcher script in the repository runs the tests")));
        return test;
    }

    private static Command CompletionCommand()
    {
        var shell = new Argument<string>("SHELL") { Description = "the shell: bash" };
        var completion = new Command("completion", "prints a bash completion script for ./harness (e.g. source <(./harness completion bash))") { shell };
        completion.SetAction(parse =>
        {
            var which = parse.GetValue(shell);
            if (which != "bash") throw new UsageException($"only bash completion is made, not '{which}'");
            Console.Write(BashCompletion.Script(Build()));
            return 0;
        });
        return completion;
    }
}

/// <summary>Defines options the way the commands read them (<see cref="Args"/>): values as text, checked by the command.</summary>
internal static class Define
{
    /// <summary>--NAME VALUE. <paramref name="default"/> is shown in --help and read when the option is not given.</summary>
    public static Option<string> Value(string name, string valueName, string description, string? @default = null, bool required = false)
    {
        var option = new Option<string>("--" + name) { HelpName = valueName, Description = description, Required = required };
        if (@default is not null) option.DefaultValueFactory = _ => @default;
        return option;
    }

    /// <summary>--NAME VALUE, which may be given several times.</summary>
    public static Option<string[]> Repeatable(string name, string valueName, string description) =>
        new("--" + name) { HelpName = valueName, Description = description + " (repeatable)", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };

    /// <summary>--NAME alone.</summary>
    public static Option<bool> Switch(string name, string description) =>
        new("--" + name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>Positional words (one when <paramref name="one"/>), checked by the command.</summary>
    public static Argument Words(string name, string description, bool required = true, bool one = false)
    {
        Argument words = one
            ? new Argument<string>(name) { Description = description, Arity = required ? ArgumentArity.ExactlyOne : ArgumentArity.ZeroOrOne }
            : new Argument<string[]>(name) { Description = description, Arity = required ? ArgumentArity.OneOrMore : ArgumentArity.ZeroOrMore };
        // System.CommandLine gives a command's positional argument every word it does not know, "--colour" too.
        words.Validators.Add(result =>
        {
            if (result.Tokens.FirstOrDefault(t => t.Value.Length > 1 && t.Value.StartsWith('-')) is { } unknown)
                result.AddError(ParseErrors.UnknownOption(unknown.Value, ((System.CommandLine.Parsing.CommandResult)result.Parent!).Command));
        });
        return words;
    }

    /// <summary>A command whose action reads <see cref="Args"/>.</summary>
    public static Command Command(string name, string description, Func<Args, Task<int>> run, params Symbol[] symbols)
    {
        var command = new Command(name, description);
        foreach (var s in symbols)
        {
            switch (s)
            {
                case Option o: command.Add(o); break;
                case Argument a: command.Add(a); break;
                case Command c: command.Add(c); break;
            }
        }
        command.SetAction((parse, _) => run(new Args(parse)));
        return command;
    }
}
