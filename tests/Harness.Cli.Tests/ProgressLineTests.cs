using Harness.Testing;

namespace Harness.Cli.Tests;

/// <summary>The progress line long runs keep on a terminal's stderr.</summary>
public sealed class ProgressLineTests
{
    [Fact]
    public void Format_CountsElapsedTimeAndWhatRunsNow()
    {
        var text = ProgressLine.Format("run", 3, 12, TimeSpan.FromSeconds(42), "scenarios, 1 failed", "features/kms.feature:12 A key can be fetched", 120);

        text.Should().Be("run: 3/12 · scenarios, 1 failed · 0:42 · features/kms.feature:12 A key can be fetched");
    }

    [Fact]
    public void Format_WithoutATotal_CountsAlone()
    {
        ProgressLine.Format("bench", 1500, 0, TimeSpan.FromMinutes(61), "ops", null, 80).Should().Be("bench: 1500 · ops · 1:01:00");
    }

    [Fact]
    public void Format_LongerThanTheTerminal_IsCutToOneColumnLessSoItNeverWraps()
    {
        var text = ProgressLine.Format("run", 1, 2, TimeSpan.Zero, null, new string('x', 200), 40);

        text.Should().HaveLength(39).And.EndWith("…").And.StartWith("run: 1/2 · 0:00 · xxx");
    }

    [Fact]
    public void Show_OnATerminal_RewritesOneLineWithCarriageReturns_ClearErasesIt()
    {
        var terminal = new StringWriter();
        using var progress = new ProgressLine(terminal, () => 80, () => TimeSpan.FromSeconds(7));

        progress.Show("vectors", 1, 3);
        progress.Show("vectors", 2, 3);
        progress.Clear();

        terminal.ToString().Should().StartWith("\rvectors: 1/3 · 0:07\u001b[K\rvectors: 2/3 · 0:07\u001b[K").And.EndWith("\r\u001b[K");
        terminal.ToString().Should().NotContain("\n");
    }

    [Fact]
    public async Task Run_OnATerminal_KeepsOneProgressLineOnStderr()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("one.feature"), "Feature: One\n  Scenario: A KMS\n    Given a KMS\n");

        // util-linux's script gives the CLI a pseudo-terminal (stdout and stderr both on it).
        using var run = await ChildProcess.RunAsync("script",
            ["-qec", $"'{Cli.Dotnet}' '{Cli.HarnessDll}' run --no-color '{dir.Sub("one.feature")}'", "/dev/null"], Cli.DefaultTimeout);

        run.ExitCode.Should().Be(0, run.Describe());
        // The progress line is rewritten in place: '\r' (which splits the lines read here), the text, then erase-to-end-of-line.
        run.StdoutLines.Should().Contain(l => l.StartsWith("run: 0/1 · scenario · ") && l.EndsWith("\u001b[K"), run.Describe());
        run.StdoutLines.Should().Contain(l => l.StartsWith("run: 1/1 · scenario · "), run.Describe());
        run.StdoutLines.Last(l => l.Trim().Length > 0).Should().EndWith("1 passed, 0 failed");
    }
}
