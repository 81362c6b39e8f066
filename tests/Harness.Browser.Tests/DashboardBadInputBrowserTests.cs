using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Harness.Browser.Tests;

/// <summary>
/// Bad input through the dashboard's buttons: the page shows the error (what to enter, or the API's refusal with its
/// fault and message), and nothing is half-done — the REST API's view of what the action would have changed is exactly
/// what it was before (its JSON compared).
/// </summary>
public class DashboardBadInputBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string Kms = "kms-prod";

    /// <summary>The VM buttons: each needs a VM name.</summary>
    public static readonly string[] VmActions =
        ["key-deactivate", "key-reactivate", "key-destroy", "remove-keys", "register", "unlock", "power-on", "power-off", "encrypt", "rekey", "deep-rekey"];

    private async Task<DashboardPage> OpenActionsAsync()
    {
        var d = await DashboardPage.OpenAsync(chromium);
        d.ExpectedConsoleError = DashboardPage.RefusedRequest; // checked by each test: OnlyRefusedRequestsLogged or BeEmpty
        await d.ShowTabAsync("actions");
        await Expect(d.Page.Locator("#tab-actions")).ToBeVisibleAsync();
        return d;
    }

    /// <summary>The whole site as the API shows it: VMs, hosts, KMS clusters (keys, clients, servers), vCenters, clock, events.</summary>
    private static async Task<Dictionary<string, string>> SiteAsync(DashboardPage d)
    {
        var site = new Dictionary<string, string>();
        foreach (var path in new[] { "api/vms", "api/hosts", "api/kms-clusters", "api/vcenters", "api/clock", "api/events", "api/alarms", "api/player" })
            site[path] = await d.SnapshotAsync(path);
        return site;
    }

    private static async Task ShowsErrorAsync(DashboardPage d, string action, string fault, string detail)
    {
        (await d.ClickActionAsync(action)).Should().Be("error", $"the {action} button should be refused; the page shows: {await d.Result.TextContentAsync()}");
        await Expect(d.Result.Locator(".fault")).ToHaveTextAsync(fault);
        await Expect(d.Result.Locator(".detail")).ToHaveTextAsync(detail);
        await Expect(d.Result.Locator(".did")).ToHaveCountAsync(0);
    }

    /// <summary>The browser reports each refused request ("Failed to load resource: ... 409"); nothing else may be an error.</summary>
    private static void OnlyRefusedRequestsLogged(DashboardPage d)
    {
        d.ConsoleErrors.Should().OnlyContain(e => DashboardPage.RefusedRequest(e));
        d.Navigations.Should().Be(1);
    }

    [Fact]
    public async Task EmptyVmName_EveryVmButtonSaysToEnterAVmNameAndSendsNothing()
    {
        await using var d = await OpenActionsAsync();
        var before = await SiteAsync(d);
        await Expect(d.Page.Locator("#act-vm")).ToHaveValueAsync("");

        foreach (var action in VmActions)
            await ShowsErrorAsync(d, action, "Not sent: ", "enter a VM name first");
        await d.Page.Locator("#act-vm").FillAsync("   ");
        await ShowsErrorAsync(d, "unlock", "Not sent: ", "enter a VM name first");

        d.Posts.Should().BeEmpty("a button with a missing input sends no request");
        (await SiteAsync(d)).Should().Equal(before);
        d.ConsoleErrors.Should().BeEmpty();
    }

    [Fact]
    public async Task EmptyVcenterName_NewVcenter_ShowsTheApisNameIsRequiredAndSetsUpNothing()
    {
        await using var d = await OpenActionsAsync();
        var before = await SiteAsync(d);
        await Expect(d.Page.Locator("#act-vcenter")).ToHaveValueAsync("");

        await ShowsErrorAsync(d, "vcenter-new", "bad request: ", "name is required and must not be empty");

        d.Posts.Should().ContainSingle().Which.Should().EndWith("/api/vcenters", "the API checks the name, and refused it");
        (await SiteAsync(d)).Should().Equal(before);
        await Expect(d.Page.Locator("#vcenter")).ToHaveTextAsync("vc01");
        await Expect(d.Page.Locator("#event-vcenter option")).ToHaveTextAsync(["current", "vc01 (current)"]);
        OnlyRefusedRequestsLogged(d);
    }

    [Fact]
    public async Task UnknownVm_ShowsTheNotFoundNamingItAndChangesNothing()
    {
        await using var d = await OpenActionsAsync();
        var before = await SiteAsync(d);
        await d.Page.Locator("#act-vm").FillAsync("nosuchvm");

        await ShowsErrorAsync(d, "power-on", "NotFound: ", "there is no VM \"nosuchvm\"");
        await ShowsErrorAsync(d, "key-destroy", "NotFound: ", "there is no VM \"nosuchvm\"");

        d.Posts.Should().HaveCount(2);
        (await SiteAsync(d)).Should().Equal(before);
        await Expect(d.Page.Locator("li.vm")).ToHaveCountAsync(6);
        OnlyRefusedRequestsLogged(d);
    }

    [Fact]
    public async Task PowerOnALockedVm_ShowsInvalidVmStateSayingItIsLockedAndTheVmStaysLockedAndOff()
    {
        await using var d = await OpenActionsAsync();
        var name = (await d.FirstVmAsync(encrypted: true)).Str("name");
        await d.PostAsync($"api/vms/{name}/remove-keys");
        var vm = await d.VmAsync(name);
        vm.Str("cryptoState").Should().Be("locked");
        vm.Str("powerState").Should().Be("poweredOff");
        await Expect(d.LockIcon(name)).ToHaveCountAsync(1);
        var before = await SiteAsync(d);
        await d.Page.Locator("#act-vm").FillAsync(name);

        await ShowsErrorAsync(d, "power-on", "InvalidVmState: ", $"VM \"{name}\" is locked: it cannot be powered on until it is unlocked");

        (await SiteAsync(d)).Should().Equal(before);
        await Expect(d.LockIcon(name)).ToHaveCountAsync(1);
        await Expect(d.Vm(name).Locator("[data-role=power]")).ToHaveTextAsync("poweredOff");
        OnlyRefusedRequestsLogged(d);
    }

    [Fact]
    public async Task UnlockWhileTheKmsIsUnreachable_ShowsTheKmsClusterErrorAndTheVmStaysLocked()
    {
        await using var d = await OpenActionsAsync();
        var vm = await d.FirstVmAsync(encrypted: true);
        var name = vm.Str("name");
        await d.PostAsync($"api/kms-clusters/{Kms}/unreachable");
        await d.PostAsync($"api/hosts/{vm.Str("host")}/reboot");
        var vmBefore = await d.SnapshotAsync($"api/vms/{name}");
        (await d.VmAsync(name)).Str("cryptoState").Should().Be("locked");
        var kmsBefore = await d.SnapshotAsync($"api/kms-clusters/{Kms}");
        await d.Page.Locator("#act-vm").FillAsync(name);

        (await d.ClickActionAsync("unlock")).Should().Be("error", await d.Result.TextContentAsync());
        await Expect(d.Result.Locator(".fault")).ToHaveTextAsync("InvalidState: ");
        await Expect(d.Result.Locator(".detail")).ToContainTextAsync("Virtual machine is locked because of a KMS cluster error.");

        (await d.SnapshotAsync($"api/vms/{name}")).Should().Be(vmBefore, "the VM is still locked, off, with its alarm");
        (await d.SnapshotAsync($"api/kms-clusters/{Kms}")).Should().Be(kmsBefore);
        await Expect(d.LockIcon(name)).ToHaveCountAsync(1);
        await Expect(d.Page.Locator($"#alarms tr.alarm[data-object=\"{name}\"]")).ToHaveCountAsync(1);
        await Expect(d.EventRow(name, "com.vmware.vc.vm.Crypto.VMUnlocked")).ToHaveCountAsync(0);
        OnlyRefusedRequestsLogged(d);
    }

    [Fact]
    public async Task AdvanceTheClockByMinusFive_ShowsTheApisRefusalAndTheClockStays()
    {
        await using var d = await OpenActionsAsync();
        var before = await SiteAsync(d);
        var clock = await d.ClockAsync();
        await d.Page.Locator("#act-minutes").FillAsync("-5");

        await ShowsErrorAsync(d, "advance-clock", "bad request: ", "minutes must be more than 0 and at most a year, not -5");

        (await SiteAsync(d)).Should().Equal(before);
        (await d.ClockAsync()).Should().Be(clock);
        await Expect(d.Page.Locator("#sim-time")).ToHaveTextAsync(DashboardPage.PageTime(clock));
        OnlyRefusedRequestsLogged(d);
    }

    [Fact]
    public async Task KmsServerNumberOutOfRange_ShowsTheApisNotFoundAndNoServerGoesDown()
    {
        await using var d = await OpenActionsAsync();
        var before = await SiteAsync(d);
        await d.Page.Locator("#act-kms").SelectOptionAsync(Kms);
        await d.Page.Locator("#act-kms-server").FillAsync("3");

        await ShowsErrorAsync(d, "kms-server-down", "not found: ", $"KMS cluster \"{Kms}\" has servers 1 to 2, not 3");
        await d.Page.Locator("#act-kms-server").FillAsync("");
        await ShowsErrorAsync(d, "kms-server-down", "Not sent: ", "enter a server number first");

        d.Posts.Should().ContainSingle();
        (await SiteAsync(d)).Should().Equal(before);
        OnlyRefusedRequestsLogged(d);
    }

    [Fact]
    public async Task Player_WithNothingPlaying_NextResetStopAreDisabledAndPlayWithoutAScenarioSaysWhatToPick()
    {
        await using var d = await DashboardPage.OpenAsync(chromium);
        var page = d.Page;
        await Expect(page.Locator("#tab-player")).ToBeVisibleAsync();
        await Expect(page.Locator("#player-next")).ToBeDisabledAsync();
        await Expect(page.Locator("#player-reset")).ToBeDisabledAsync();
        await Expect(page.Locator("#player-stop")).ToBeDisabledAsync();
        await Expect(page.Locator("#player-verdict")).ToHaveAttributeAsync("data-verdict", "idle");
        await Expect(page.Locator("#runbook-scenario option")).Not.ToHaveCountAsync(0);
        var before = await SiteAsync(d);

        // Next from outside the page is refused too, and the page stays idle.
        using var next = await d.Http.PostAsync("api/player/next", null, TestContext.Current.CancellationToken);
        next.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await next.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Should().Contain("no runbook is playing");

        // A runbook without scenarios (its scenario list empty): Play says what to pick and sends nothing.
        await page.Locator("#runbook-scenario").EvaluateAsync("s => s.replaceChildren()");
        await page.Locator("#player-start").ClickAsync();
        await Expect(page.Locator("#player-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#player-error")).ToHaveTextAsync("pick a runbook and a scenario first");

        d.Posts.Should().BeEmpty();
        (await SiteAsync(d)).Should().Equal(before);
        await Expect(page.Locator("#player")).ToHaveAttributeAsync("data-active", "false");
        await Expect(page.Locator("#site-label")).ToHaveAttributeAsync("data-home", "true");
        await Expect(page.Locator("#player-next")).ToBeDisabledAsync();
        d.ConsoleErrors.Should().BeEmpty();
        d.Navigations.Should().Be(1);
    }
}
