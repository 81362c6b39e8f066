using System.Text.RegularExpressions;
using Harness.Testing;

namespace Harness.Cli.Tests;

/// <summary>
/// `--help` on every command exits 0 and shows exactly the options README.md's command table documents for it, each
/// with its default; `harness --help` and the table list the same commands; the bash completion script knows them.
/// </summary>
public sealed partial class HelpTests
{
    /// <summary>Every command a user types, from the CLI's own definition ("bench site", "pki init").</summary>
    public static TheoryData<string> Commands() =>
        new(HarnessCommandLine.Commands(HarnessCommandLine.Build()).Where(c => c.Command.Action is not null).Select(c => c.Path));

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_OfEachCommand_ExitsWith0AndShowsTheOptionsReadmeDocuments(string command)
    {
        using var run = await Cli.RunAsync([.. command.Split(' '), "--help"]);

        run.ExitCode.Should().Be(0, run.Describe());
        run.Stderr.Should().BeEmpty();
        var shown = OptionsShown(run.Stdout);
        var documented = Readme.Options(command);
        shown.Should().BeEquivalentTo(documented, $"README's row for `./harness {command}` and its --help should name the same options\n{run.Stdout}");
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_OfEachCommand_ShowsEveryDefault(string command)
    {
        var definition = HarnessCommandLine.Commands(HarnessCommandLine.Build()).Single(c => c.Path == command).Command;
        using var run = await Cli.RunAsync([.. command.Split(' '), "--help"]);

        foreach (var option in HarnessCommandLine.OptionsOf(definition).Where(o => o.HasDefaultValue && o.Arity.MaximumNumberOfValues > 0))
            run.StdoutLines.Should().Contain(l => l.TrimStart().StartsWith(option.Name + " ") && l.Contains($"[default: {option.GetDefaultValue()}]"),
                $"{option.Name} has a default");
    }

    [Fact]
    public async Task Help_OfHarness_ListsEveryCommandReadmeDocumentsAndNoOther()
    {
        using var run = await Cli.RunAsync("--help");

        run.ExitCode.Should().Be(0);
        var listed = run.StdoutLines.Select(l => SynopsisLine().Match(l)).Where(m => m.Success).Select(m => Readme.CommandOf(m.Groups[1].Value)).ToHashSet();
        listed.Should().BeEquivalentTo(Readme.Commands(), "README's table and `harness --help` list the same commands");
        listed.Should().Contain(["demo", "test"], "the two set-up commands");
    }

    [Fact]
    public async Task Help_Short_IsTheSameAsLong()
    {
        using var shortHelp = await Cli.RunAsync("run", "-h");
        using var longHelp = await Cli.RunAsync("run", "--help");

        shortHelp.ExitCode.Should().Be(0);
        shortHelp.Stdout.Should().Be(longHelp.Stdout).And.Contain("--bindings <PATH.dll>");
    }

    [Theory]
    [InlineData(new[] { "run", "--tgas", "@kms", "features" }, "harness run: unknown option --tgas (did you mean --tags?)")]
    [InlineData(new[] { "pki", "init", "--out", "/tmp/never-written", "--forse" }, "harness pki: unknown option --forse (did you mean --force?)")]
    [InlineData(new[] { "serv" }, "did you mean serve?")]
    public async Task Typo_IsRefusedWithTheClosestName(string[] args, string reason)
    {
        using var run = await Cli.RunAsync(args);

        Cli.ReasonOf(run).Should().Contain(reason);
    }

    [Fact]
    public async Task Completion_Bash_CompletesCommandsSubcommandsAndOptions()
    {
        using var dir = new TempDir();
        using var script = await Cli.RunAsync("completion", "bash");
        script.ExitCode.Should().Be(0, script.Describe());
        File.WriteAllText(dir.Sub("harness.bash"), script.Stdout + "\n");

        async Task<string> Complete(params string[] words)
        {
            var line = string.Join(' ', words.Select(w => $"'{w}'"));
            using var bash = await ChildProcess.RunAsync("bash",
                ["-c", $"source '{dir.Sub("harness.bash")}'; COMP_WORDS=(./harness {line}); COMP_CWORD={words.Length}; _harness; echo \"${{COMPREPLY[*]}}\""],
                TimeSpan.FromSeconds(30));
            bash.ExitCode.Should().Be(0, bash.Describe());
            return bash.Stdout.Trim();
        }

        (await Complete("ru")).Should().Be("run");
        (await Complete("bench", "s")).Should().Be("site");
        (await Complete("bench", "--s")).Should().Be("--seconds");
        (await Complete("bench", "site", "--c")).Should().Be("--clusters");
        (await Complete("run", "--d")).Should().Be("--dry-run");
        foreach (var (path, command) in HarnessCommandLine.Commands(HarnessCommandLine.Build()))
        {
            script.Stdout.Should().Contain(path.Contains(' ') ? $"\"{path}\")" : $"{path})");
            foreach (var option in HarnessCommandLine.OptionsOf(command)) script.Stdout.Should().Contain(option.Name);
        }
    }

    [Fact]
    public async Task Completion_OtherShell_ExitsWith2()
    {
        using var run = await Cli.RunAsync("completion", "fish");

        Cli.ReasonOf(run).Should().Be("harness completion: only bash completion is made, not 'fish'");
    }

    /// <summary>The long options in the Options section of a command's help, without --help.</summary>
    private static HashSet<string> OptionsShown(string help) =>
        help.Split('\n').SkipWhile(l => l.Trim() != "Options:").Skip(1).TakeWhile(l => l.Trim().Length > 0)
            .Select(l => HelpOptionLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value)
            .Where(o => o != "--help").ToHashSet();

    [GeneratedRegex(@"^\s+(?:-\S+, )*(--[a-z][a-z-]*)")]
    private static partial Regex HelpOptionLine();

    [GeneratedRegex(@"^  \./harness ([a-z][a-z ]*?)(?= -|\s*$| [A-Z\[])")]
    private static partial Regex SynopsisLine();

    /// <summary>README.md's command table: one row per command, its options wherever the row names them.</summary>
    private static partial class Readme
    {
        private static readonly IReadOnlyList<string> Rows = File.ReadAllLines(Path.Combine(RepoPaths.Root, "README.md"))
            .Where(l => l.StartsWith("| `./harness ", StringComparison.Ordinal)).ToList();

        private static readonly HashSet<string> Known =
            HarnessCommandLine.Commands(HarnessCommandLine.Build()).Select(c => c.Path).ToHashSet();

        /// <summary>The longest command path a synopsis starts with ("bench site --hosts N" → "bench site").</summary>
        public static string CommandOf(string synopsis)
        {
            var words = synopsis.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (int n = words.Length; n > 0; n--)
                if (Known.Contains(string.Join(' ', words[..n]))) return string.Join(' ', words[..n]);
            return words.FirstOrDefault() ?? "";
        }

        private static string CommandOfRow(string row) => CommandOf(row["| `./harness ".Length..].Split('`')[0]);

        public static IReadOnlySet<string> Commands() => Rows.Select(CommandOfRow).ToHashSet();

        public static IReadOnlySet<string> Options(string command)
        {
            var rows = Rows.Where(r => CommandOfRow(r) == command).ToList();
            rows.Should().ContainSingle($"README's command table should have one row for `./harness {command}`");
            return LongOption().Matches(rows[0]).Select(m => m.Value).ToHashSet();
        }

        [GeneratedRegex(@"(?<![\w-])--[a-z][a-z-]*[a-z]")]
        private static partial Regex LongOption();
    }
}
