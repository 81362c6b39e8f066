using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Harness.Browser.Tests;

/// <summary>
/// The dashboard follows what is done to the site from outside the page, without a reload: a runbook played through
/// the REST API (start, then Next from the test's HTTP client), the same runbook played by `harness play --dashboard`
/// as a child process, and a plain REST action.
/// </summary>
public class DashboardLiveBrowserTests(ChromiumFixture chromium, ITestOutputHelper output) : IClassFixture<ChromiumFixture>
{
    private const string Runbook = "vsphere/locked-vms.feature";
    private const int Scenario = 72; // A deactivated key locks the VM at the next reboot; reactivating it and unlocking recovers
    private const string LockType = "com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnKMS";
    private const string LockMessage = "Virtual machine is locked because keys are missing on KMS cluster.";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunbookPlayedThroughTheRestApi_ThePageShowsTheRunbookSiteEachStepAndTheLockLive()
    {
        await using var d = await DashboardPage.OpenAsync(chromium);
        var page = d.Page;
        await Expect(page.Locator("#site-label")).ToHaveAttributeAsync("data-home", "true");
        await Expect(page.Locator("#player-verdict")).ToHaveAttributeAsync("data-verdict", "idle");

        var state = await d.PostAsync("api/player/start", new { feature = Runbook, scenario = Scenario });
        int first = state.GetProperty("next").GetInt32();
        var steps = state.GetProperty("steps");
        int count = steps.GetArrayLength();

        // The page switched to the runbook's site and shows the player with the set-up steps passed.
        await Expect(page.Locator("#site-label")).ToHaveAttributeAsync("data-home", "false");
        await Expect(page.Locator("#site-label")).ToHaveTextAsync("runbook site");
        await Expect(page.Locator("li.cluster[data-cluster=cl01] li.host")).ToHaveCountAsync(2);
        await Expect(page.Locator("li.cluster[data-cluster=DC0_C0]")).ToHaveCountAsync(0);
        await Expect(page.Locator("#player-verdict")).ToHaveAttributeAsync("data-verdict", "playing");
        await Expect(page.Locator("#player-steps li")).ToHaveCountAsync(count);
        for (int i = 0; i < first; i++) await Expect(Step(page, i)).ToHaveAttributeAsync("data-status", "passed");
        await Expect(Step(page, first)).ToHaveAttributeAsync("data-status", "pending-run");
        await Expect(d.Vm("app01")).ToHaveAttributeAsync("data-crypto-state", "unlocked");

        bool sawLock = false;
        for (int i = first; i < count; i++)
        {
            state = await d.PostAsync("api/player/next");
            var step = state.GetProperty("steps")[i];
            step.GetProperty("status").GetString().Should().Be("passed", step.GetRawText());
            var text = step.GetProperty("text").GetString()!;
            var vm = await d.VmAsync("app01");
            bool locked = vm.Str("cryptoState") == "locked";
            output.WriteLine($"step {i}: {text} → {vm.Str("cryptoState")}");

            await Expect(Step(page, i)).ToHaveAttributeAsync("data-status", "passed");
            await Expect(page.Locator("#player-last")).ToHaveAttributeAsync("data-index", i.ToString());
            await Expect(d.Vm("app01")).ToHaveAttributeAsync("data-crypto-state", locked ? "locked" : "unlocked");
            await Expect(d.LockIcon("app01")).ToHaveCountAsync(locked ? 1 : 0);
            if (text.Contains("host \"esx01\" reboots"))
            {
                locked.Should().BeTrue("the VM locks at the reboot: its key is deactivated on the KMS");
                sawLock = true;
                await Expect(d.EventRow("app01", LockType).Locator(".message")).ToHaveTextAsync(LockMessage);
                await Expect(page.Locator($"#player-last .events li[data-type-id=\"{LockType}\"]")).ToContainTextAsync(LockMessage);
            }
        }

        sawLock.Should().BeTrue();
        state.GetProperty("verdict").GetString().Should().Be("passed");
        state.GetProperty("next").ValueKind.Should().Be(JsonValueKind.Null);
        await Expect(page.Locator("#player-verdict")).ToHaveAttributeAsync("data-verdict", "passed");
        await Expect(page.Locator("#player-next")).ToBeDisabledAsync();
        (await d.VmAsync("app01")).Str("cryptoState").Should().Be("unlocked");
        await Expect(d.Vm("app01")).ToHaveAttributeAsync("data-crypto-state", "unlocked");
        await Expect(d.LockIcon("app01")).ToHaveCountAsync(0);
        await Expect(d.Vm("app01").Locator("[data-role=power]")).ToHaveTextAsync("poweredOn");
        await Expect(page.Locator("#alarms tr.alarm")).ToHaveCountAsync(0);

        d.Posts.Should().BeEmpty("the page itself sent nothing: it only followed");
        d.Navigations.Should().Be(1, "the page followed every step without reloading");
        d.ConsoleErrors.Should().BeEmpty();
    }

    [Fact]
    public async Task RunbookPlayedByHarnessPlay_ThePageShowsThePassedVerdictTheUnlockedVmAndTheLockEvent()
    {
        await using var d = await DashboardPage.OpenAsync(chromium);
        var page = d.Page;
        await Expect(page.Locator("#player-verdict")).ToHaveAttributeAsync("data-verdict", "idle");

        var run = await HarnessAsync(TimeSpan.FromSeconds(120), "play", "--dashboard", d.Api.Url.AbsoluteUri, $"{Runbook}:{Scenario}");
        output.WriteLine(run.Describe());
        run.ExitCode.Should().Be(0, run.Describe());
        run.Stdout.Should().Contain("runbook complete: every step passed", run.Describe());
        run.Stdout.Should().Contain($"event app01: {LockMessage}");

        await Expect(page.Locator("#site-label")).ToHaveAttributeAsync("data-home", "false");
        await Expect(page.Locator("#player-verdict")).ToHaveAttributeAsync("data-verdict", "passed");
        await Expect(page.Locator("#player-verdict")).ToHaveTextAsync("✔ runbook complete");
        var player = await d.GetAsync("api/player");
        int count = player.GetProperty("steps").GetArrayLength();
        await Expect(page.Locator("#player-steps li[data-status=passed]")).ToHaveCountAsync(count);
        (await d.VmAsync("app01")).Str("cryptoState").Should().Be("unlocked");
        await Expect(d.Vm("app01")).ToHaveAttributeAsync("data-crypto-state", "unlocked");
        await Expect(d.LockIcon("app01")).ToHaveCountAsync(0);
        var lockEvent = d.EventRow("app01", LockType);
        await Expect(lockEvent).ToHaveCountAsync(1);
        await Expect(lockEvent.Locator(".message")).ToHaveTextAsync(LockMessage);
        await Expect(d.EventRow("app01", "com.vmware.vc.vm.Crypto.VMUnlocked")).ToHaveCountAsync(1);

        d.Posts.Should().BeEmpty();
        d.Navigations.Should().Be(1, "the page followed the CLI's run without reloading");
        d.ConsoleErrors.Should().BeEmpty();
    }

    [Fact]
    public async Task RunbookPausedByHarnessPlay_ThePageMarksAsCurrentTheStepThatPlayContinueRunsNext()
    {
        await using var d = await DashboardPage.OpenAsync(chromium);
        var page = d.Page;
        var url = d.Api.Url.AbsoluteUri;

        var first = await HarnessAsync(TimeSpan.FromSeconds(120), "play", "--dashboard", url, $"{Runbook}:{Scenario}", "--steps", "1");
        first.ExitCode.Should().Be(0, first.Describe());
        var paused = System.Text.RegularExpressions.Regex.Match(first.Stdout, @"paused before step (\d+) of (\d+): (.+) \(the dashboard marks it as current");
        paused.Success.Should().BeTrue(first.Describe());
        int number = int.Parse(paused.Groups[1].Value);

        // The page's current step is the one the CLI named (the page lists the steps from 1, set-up steps included).
        await d.ShowTabAsync("player");
        var steps = page.Locator("#player-steps li");
        await Expect(steps).ToHaveCountAsync(int.Parse(paused.Groups[2].Value));
        var current = page.Locator("#player-steps li.current");
        await Expect(current).ToHaveAttributeAsync("data-index", (number - 1).ToString());
        await Expect(current).ToHaveTextAsync(paused.Groups[3].Value);

        var next = await HarnessAsync(TimeSpan.FromSeconds(120), "play", "--dashboard", url, "--continue", "--steps", "1");
        next.ExitCode.Should().Be(0, next.Describe());
        next.Stdout.Should().Contain($"at step {number} of {paused.Groups[2].Value}: {paused.Groups[3].Value}");
        await Expect(steps.Nth(number - 1)).ToHaveAttributeAsync("data-status", "passed");
        await Expect(current).ToHaveAttributeAsync("data-index", number.ToString());
        d.Posts.Should().BeEmpty("the page only followed the CLI");
        d.ConsoleErrors.Should().BeEmpty();
    }

    [Fact]
    public async Task KmsMadeUnreachableThroughTheRestApi_TheKmsPanelSaysUnreachableLive()
    {
        await using var d = await DashboardPage.OpenAsync(chromium);
        await d.ShowTabAsync("kms");
        var reachable = d.Page.Locator("#kms-panel .kms-cluster[data-kms=kms-prod] [data-role=reachable]");
        await Expect(reachable).ToHaveTextAsync("reachable");

        var result = await d.PostAsync("api/kms-clusters/kms-prod/unreachable");
        var because = result.GetProperty("kmsCluster").Str("unreachableBecause");

        await Expect(reachable).ToHaveTextAsync("unreachable: " + because);
        await Expect(reachable).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bbad\b"));
        (await d.KmsAsync()).Bool("reachable").Should().BeFalse();
        d.Posts.Should().BeEmpty();
        d.Navigations.Should().Be(1);
        d.ConsoleErrors.Should().BeEmpty();
    }

    private static ILocator Step(IPage page, int index) => page.Locator($"#player-steps li[data-index=\"{index}\"]");

    // ---- `dotnet harness.dll ARGS` as a child process --------------------------------------------------------------

    private sealed record Run(string CommandLine, int ExitCode, string Stdout, string Stderr)
    {
        public string Describe() => $"$ {CommandLine}\nexit code {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    /// <summary>Runs the harness CLI (harness.dll next to the tests) to its end; killed and failed after <paramref name="timeout"/>.</summary>
    private static async Task<Run> HarnessAsync(TimeSpan timeout, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "harness.dll");
        File.Exists(dll).Should().BeTrue($"harness.dll should be copied next to the test assembly ({AppContext.BaseDirectory})");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(timeout);
        try { await process.WaitForExitAsync(limit.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{dotnet} {string.Join(' ', info.ArgumentList)} did not finish within {timeout}");
        }
        return new Run($"{dotnet} {string.Join(' ', info.ArgumentList)}", process.ExitCode, await stdout, await stderr);
    }
}
