using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Harness.Runbooks;
using Harness.Simulator;
using Harness.Simulator.Web;
using Harness.Steps;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Harness.Browser.Tests;

/// <summary>
/// The simulator's dashboard (GET /) in Chromium, around a preset site behind the real REST API: the page follows what
/// REST calls do to the site live (EventSource on /api/stream), without a reload.
/// </summary>
public class DashboardBrowserTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dashboard_KmsUnreachableAndHostReboot_ShowsTheVmLockedAndTheLockEventLive()
    {
        var results = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults")).FullName;

        await using var driver = new SimulatedSite();
        await PresetInventory.BuildAsync(driver, clusters: 1, hostsPerCluster: 2, vmsPerHost: 3, encryptedShare: 0.3);
        await using var api = await SimulatorHost.StartAsync(driver, FeatureRunbooks.OfRepository());
        using var http = new HttpClient { BaseAddress = api.Url, Timeout = TimeSpan.FromSeconds(30) };

        // The encrypted VM and its host, as the API names them.
        var vms = await http.GetFromJsonAsync<JsonElement>("api/vms", Ct);
        var vm = vms.EnumerateArray().First(v => v.GetProperty("encrypted").GetBoolean());
        var vmName = vm.GetProperty("name").GetString()!;
        var hostName = vm.GetProperty("host").GetString()!;
        vm.GetProperty("cryptoState").GetString().Should().Be("unlocked");

        await using var session = await ChromiumSession.StartAsync();
        var page = await session.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 720 } });
        var consoleErrors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") consoleErrors.Add(m.Text); };
        page.PageError += (_, e) => consoleErrors.Add(e);
        var navigations = 0;
        page.FrameNavigated += (_, f) => { if (f == page.MainFrame) navigations++; };

        var response = await page.GotoAsync(api.Url.AbsoluteUri);
        response!.Status.Should().Be(200);
        response.Headers["content-type"].Should().StartWith("text/html");

        // The tree: datacenter → cluster → host → VM, with power and crypto states.
        var vmRow = page.Locator($"li.vm[data-vm=\"{vmName}\"]");
        await Expect(page.Locator("li.datacenter[data-datacenter=DC0]")).ToBeVisibleAsync();
        await Expect(page.Locator("li.cluster[data-cluster=DC0_C0]")).ToBeVisibleAsync();
        var hostRow = page.Locator($"li.host[data-host=\"{hostName}\"]");
        await Expect(hostRow).ToBeVisibleAsync();
        await Expect(hostRow.Locator(vmRow)).ToHaveCountAsync(1);
        await Expect(vmRow).ToHaveAttributeAsync("data-crypto-state", "unlocked");
        await Expect(vmRow.Locator("[data-role=power]")).ToHaveTextAsync("poweredOn");
        await Expect(hostRow).ToHaveAttributeAsync("data-crypto-state", new Regex("^(safe|prepared)$"));
        await Expect(page.Locator("li.vm")).ToHaveCountAsync(6);
        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");

        // Through the REST API: the KMS becomes unreachable, then the VM's host reboots.
        (await http.PostAsync("api/kms-clusters/kms-prod/unreachable", null, Ct)).EnsureSuccessStatusCode();
        using var reboot = await http.PostAsync($"api/hosts/{hostName}/reboot", null, Ct);
        var rebooted = await reboot.Content.ReadFromJsonAsync<JsonElement>(Ct);
        reboot.IsSuccessStatusCode.Should().BeTrue(rebooted.ToString());
        var lockEvent = rebooted.GetProperty("events").EnumerateArray()
            .Single(e => e.GetProperty("object").GetString() == vmName && e.GetProperty("typeId").GetString()!.StartsWith("com.vmware.vc.vm.Crypto.VMLocked"));
        var lockMessage = lockEvent.GetProperty("message").GetString()!;
        var lockType = lockEvent.GetProperty("typeId").GetString()!;

        // Live, no reload: the VM shows locked, the lock event is in the log, its alarm is active.
        await Expect(vmRow).ToHaveAttributeAsync("data-crypto-state", "locked");
        await Expect(vmRow.Locator("[data-role=crypto]")).ToContainTextAsync("locked");
        var eventRow = page.Locator($"tr.event[data-object=\"{vmName}\"][data-type-id=\"{lockType}\"]");
        await Expect(eventRow).ToHaveCountAsync(1);
        await Expect(eventRow.Locator(".message")).ToHaveTextAsync(lockMessage);
        await Expect(page.Locator("#events")).ToContainTextAsync(lockMessage);
        await Expect(page.Locator($"#alarms tr.alarm[data-object=\"{vmName}\"]")).Not.ToHaveCountAsync(0);
        navigations.Should().Be(1, "the page followed the changes without reloading");

        var screenshot = Path.Combine(results, "dashboard-locked.png");
        var png = await page.ScreenshotAsync(new() { Path = screenshot });
        png.Length.Should().BeGreaterThan(10_000);
        TestContext.Current.AddAttachment("dashboard-locked.png", png, "image/png");
        output.WriteLine($"dashboard: {api.Url}\nlock event: {lockType}: {lockMessage}\nscreenshot: {screenshot}");

        consoleErrors.Should().BeEmpty("the page's script runs without errors");
    }
}
