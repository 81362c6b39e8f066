using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Harness.Browser.Tests;

/// <summary>
/// The runbook player in Chromium: the "keys missing on the KMS cluster" runbook (seed 000 step 3: a deactivated key,
/// a reboot, the lock, the key ID read from VirtualMachine.config.keyId.keyId, the key reactivated, the VM unlocked)
/// played to the end with Next, checking after every step that the page shows what the site's REST API says: the lock
/// icon, the alarm, the lock event's message, the key ID in the property browser; and that all clear after the unlock.
/// </summary>
public class RunbookPlayerBrowserTests(ChromiumFixture chromium, ITestOutputHelper output) : IClassFixture<ChromiumFixture>
{
    private const string Runbook = "vsphere/locked-vms.feature";
    private const int Scenario = 72; // A deactivated key locks the VM at the next reboot; reactivating it and unlocking recovers
    private const string LockMessage = "Virtual machine is locked because keys are missing on KMS cluster.";

    [Fact]
    public async Task Player_KeysMissingOnTheKmsRunbook_PlaysToTheEndShowingLockAlarmEventAndKeyIdAtEachStep()
    {
        await using var d = await DashboardPage.OpenAsync(chromium);
        var page = d.Page;

        // Pick the runbook and the scenario; Play builds the starting state (the Background runs at once).
        await page.Locator("#runbook-feature").SelectOptionAsync(Runbook);
        await page.Locator("#runbook-scenario").SelectOptionAsync(Scenario.ToString());
        await page.Locator("#player-start").ClickAsync();
        await Expect(page.Locator("#player-next")).ToBeEnabledAsync(new() { Timeout = 30_000 }); // the set-up steps have run
        await Expect(page.Locator("#player-verdict")).ToHaveAttributeAsync("data-verdict", "playing");
        await Expect(page.Locator("#site-label")).ToHaveAttributeAsync("data-home", "false");
        var steps = page.Locator("#player-steps li");
        var player = await d.GetAsync("api/player");
        int stepCount = player.GetProperty("steps").GetArrayLength();
        await Expect(steps).ToHaveCountAsync(stepCount);
        int first = player.GetProperty("next").GetInt32();
        player.GetProperty("steps")[first].GetProperty("keyword").GetString().Should().Be("When", "Play stops before the first When");
        for (int i = 0; i < first; i++) await Expect(steps.Nth(i)).ToHaveAttributeAsync("data-status", "passed");
        await Expect(steps.Nth(first)).ToHaveClassAsync(new Regex(@"\bcurrent\b"));
        // The inventory is the runbook's site now: cluster cl01 with esx01 and esx02, VM app01 unlocked.
        await Expect(page.Locator("li.cluster[data-cluster=cl01] li.host")).ToHaveCountAsync(2);
        await Expect(d.Vm("app01")).ToHaveAttributeAsync("data-crypto-state", "unlocked");
        var keyId = (await d.GetAsync("api/vms/app01")).GetProperty("keyId").GetString()!;

        bool sawLocked = false;
        for (int i = first; i < stepCount; i++)
        {
            await d.ShowTabAsync("player");
            var text = (await steps.Nth(i).TextContentAsync())!;
            await page.Locator("#player-next").ClickAsync();
            await Expect(steps.Nth(i)).ToHaveAttributeAsync("data-status", "passed", new() { Timeout = 30_000 });
            await Expect(page.Locator("#player-last")).ToHaveAttributeAsync("data-index", i.ToString());

            // What the site says now (the REST API), and the page must show the same.
            var vm = await d.GetAsync("api/vms/app01");
            bool locked = vm.GetProperty("cryptoState").GetString() == "locked";
            bool alarmed = vm.GetProperty("activeAlarms").GetArrayLength() > 0;
            sawLocked |= locked;
            output.WriteLine($"step {i}: {text.Trim()} → {(locked ? "locked" : "unlocked")}{(alarmed ? ", alarm" : "")}");

            await Expect(d.Vm("app01")).ToHaveAttributeAsync("data-crypto-state", locked ? "locked" : "unlocked");
            await Expect(d.Vm("app01").Locator("[data-role=lock-icon]")).ToHaveCountAsync(locked ? 1 : 0);
            await Expect(page.Locator("#alarms tr.alarm[data-object=app01]")).ToHaveCountAsync(alarmed ? 1 : 0);
            if (locked)
            {
                var lockEvent = page.Locator("#events tr.event[data-object=app01][data-type-id=\"com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnKMS\"]");
                await Expect(lockEvent).ToHaveCountAsync(1);
                await Expect(lockEvent.Locator(".message")).ToHaveTextAsync(LockMessage);
            }
            // The key ID the KMS administrator needs, read where seed 000 step 3a says: config → keyId → keyId.
            (await d.KeyIdInPropertyBrowserAsync("app01")).Should().Be(keyId, $"the property browser shows the VM's key ID after step {i}");

            if (text.Contains("host \"esx01\" reboots"))
            {
                locked.Should().BeTrue("the VM locks at the reboot: its key is deactivated on the KMS");
                await Expect(page.Locator("#player-last .events li[data-type-id=\"com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnKMS\"]")).ToContainTextAsync(LockMessage);
                await d.ScreenshotAsync("property-browser.png");
                await d.ShowTabAsync("player");
                await d.ScreenshotAsync("player.png");
                await d.ScreenshotAsync("inventory.png");
                await page.Locator("#event-filter").FillAsync("app01");
                await Expect(page.Locator("#events tr.event.filtered-out")).Not.ToHaveCountAsync(0);
                await d.ScreenshotAsync("event-log.png");
                await page.Locator("#event-filter-clear").ClickAsync();
                await d.ShowTabAsync("kms");
                await Expect(page.Locator($"#kms-panel tr[data-key=\"{keyId}\"]")).ToHaveAttributeAsync("data-state", "Deactivated");
                await d.ScreenshotAsync("kms-panel.png");
                await page.Locator("#presenter-toggle").ClickAsync();
                await d.ShowTabAsync("player");
                await d.ScreenshotAsync("player-presenter.png");
                await page.Locator("#presenter-toggle").ClickAsync();
            }
        }

        // The end: the runbook passed; the lock, its icon and the alarm have cleared.
        sawLocked.Should().BeTrue();
        await d.ShowTabAsync("player");
        await Expect(page.Locator("#player-verdict")).ToHaveAttributeAsync("data-verdict", "passed");
        await Expect(page.Locator("#player-next")).ToBeDisabledAsync();
        await Expect(d.Vm("app01")).ToHaveAttributeAsync("data-crypto-state", "unlocked");
        await Expect(d.Vm("app01").Locator("[data-role=lock-icon]")).ToHaveCountAsync(0);
        await Expect(page.Locator("#alarms tr.alarm")).ToHaveCountAsync(0);
        await Expect(page.Locator("#no-alarms")).ToBeVisibleAsync();
        await Expect(d.Vm("app01").Locator("[data-role=power]")).ToHaveTextAsync("poweredOn");

        // Reset rebuilds the starting state; Stop brings the home site back.
        await page.Locator("#player-reset").ClickAsync();
        await Expect(page.Locator("#player-next")).ToBeEnabledAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator("#player-verdict")).ToHaveAttributeAsync("data-verdict", "playing");
        await Expect(steps.Nth(first)).ToHaveClassAsync(new Regex(@"\bcurrent\b"));
        await Expect(page.Locator("#alarms tr.alarm")).ToHaveCountAsync(0);
        await page.Locator("#player-stop").ClickAsync();
        await Expect(page.Locator("#site-label")).ToHaveAttributeAsync("data-home", "true");
        await Expect(page.Locator("li.cluster[data-cluster=DC0_C0]")).ToHaveCountAsync(1);

        d.Navigations.Should().Be(1, "the page followed every step without reloading");
        d.ConsoleErrors.Should().BeEmpty("the page's scripts run without errors");
    }
}
