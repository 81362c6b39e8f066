using System.Text.Json;
using System.Text.RegularExpressions;
using Harness.Testing;

namespace Harness.Cli.Tests;

/// <summary>`harness demo` as a child process: a real dashboard host with its runbook player, on a free port.</summary>
public sealed partial class DemoFixture : IAsyncLifetime
{
    private readonly TempDir _dir = new("harness-cli-demo-");
    private ChildProcess? _demo;

    public Uri Dashboard { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        try
        {
            _demo = Cli.Start("demo", "--api", "127.0.0.1:0", "--dir", _dir.Path, "--features", Path.Combine(RepoPaths.Root, "features"));
            var line = await _demo.WaitForLineAsync(l => DashboardLine().IsMatch(l), TimeSpan.FromSeconds(90));
            Dashboard = new Uri(DashboardLine().Match(line).Groups[1].Value + "/");
        }
        catch
        {
            _demo?.Dispose();
            _dir.Dispose();
            throw;
        }
    }

    public async Task<JsonElement> PlayerAsync()
    {
        using var http = new HttpClient { BaseAddress = Dashboard };
        return JsonDocument.Parse(await http.GetStringAsync("api/player", TestContext.Current.CancellationToken)).RootElement.Clone();
    }

    public async Task StopPlayerAsync()
    {
        using var http = new HttpClient { BaseAddress = Dashboard };
        (await http.PostAsync("api/player/stop", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
    }

    public ValueTask DisposeAsync()
    {
        _demo?.Dispose();
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }

    [GeneratedRegex(@"^Dashboard: (http://\S+?)/?\s")]
    private static partial Regex DashboardLine();
}

/// <summary>`harness play` against a running dashboard: start a runbook, pause it, and go on with --continue.</summary>
[Collection(ServerProcesses.Name)]
public sealed partial class PlayCommandTests(DemoFixture demo) : IClassFixture<DemoFixture>
{
    private const string Runbook = "vsphere/locked-vms.feature:72"; // A deactivated key locks the VM at the next reboot; …

    /// <summary>"step 7 of 12: When …" as the dashboard lists the player's steps (from 1), for its current (next) step.</summary>
    private static string CurrentStep(JsonElement player)
    {
        var next = player.GetProperty("next").GetInt32();
        var step = player.GetProperty("steps")[next];
        return $"step {next + 1} of {player.GetProperty("steps").GetArrayLength()}: {step.GetProperty("keyword").GetString()!.Trim()} {step.GetProperty("text").GetString()}";
    }

    [Fact]
    public async Task Play_ThenContinue_GoesOnFromTheStepTheDashboardShowsAsCurrent()
    {
        var url = demo.Dashboard.AbsoluteUri;

        using var first = await Cli.RunAsync("play", "--dashboard", url, Runbook, "--steps", "1");
        first.ExitCode.Should().Be(0, first.Describe());
        var paused = await demo.PlayerAsync();
        var current = CurrentStep(paused);
        first.StdoutLines.Last().Should().StartWith($"paused before {current} (the dashboard marks it as current;");
        int ran = paused.GetProperty("next").GetInt32();

        using var second = await Cli.RunAsync("play", "--dashboard", url, "--continue", "--steps", "1");
        second.ExitCode.Should().Be(0, second.Describe());
        second.StdoutLines[0].Should().EndWith($"at {current}");
        second.StdoutLines.Where(l => l.StartsWith("  ✔ ") || l.StartsWith("  ✘ ")).Should().ContainSingle("one step ran, the one that was current")
            .Which.Should().StartWith($"  ✔ {current[(current.IndexOf(": ") + 2)..]}");
        var after = await demo.PlayerAsync();
        after.GetProperty("next").GetInt32().Should().Be(ran + 1);
        second.StdoutLines.Last().Should().StartWith($"paused before {CurrentStep(after)}");

        using var rest = await Cli.RunAsync("play", "--dashboard", url, "--continue");
        rest.ExitCode.Should().Be(0, rest.Describe());
        rest.StdoutLines.Last().Should().Be("runbook complete: every step passed");
        var done = await demo.PlayerAsync();
        done.GetProperty("verdict").GetString().Should().Be("passed");
        done.GetProperty("steps").EnumerateArray().Should().OnlyContain(s => s.GetProperty("status").GetString() == "passed");
    }

    [Fact]
    public async Task Continue_WhenNothingIsPlaying_ExitsWith2SayingHowToStartOne()
    {
        await demo.StopPlayerAsync();

        using var run = await Cli.RunAsync("play", "--dashboard", demo.Dashboard.AbsoluteUri, "--continue");

        Cli.ReasonOf(run).Should().Be($"harness play: no runbook is playing on the dashboard at {demo.Dashboard}: start one with ./harness play --dashboard {demo.Dashboard} FEATURE:LINE");
    }

    [Fact]
    public async Task Continue_WithAScenarioToo_ExitsWith2()
    {
        using var run = await Cli.RunAsync("play", "--dashboard", demo.Dashboard.AbsoluteUri, "--continue", Runbook);

        Cli.ReasonOf(run).Should().StartWith("harness play: give FEATURE:LINE to start a runbook, or --continue to go on with the one playing, not both");
    }
}
