using System.Net.Http.Json;
using System.Text.Json;
using Harness.Simulator.Web;
using Harness.Steps;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Harness.Browser.Tests;

/// <summary>
/// A dashboard under test: a preset site (the "home site") behind the real REST API, the repository's features as the
/// player's runbooks, and a Chromium page on it at 1280×720 that records console errors and navigations.
/// </summary>
internal sealed class DashboardPage : IAsyncDisposable
{
    private readonly ChromiumSession _browser;

    private DashboardPage(VsphereDriver driver, SimulatorHost api, ChromiumSession browser, IPage page)
    {
        Driver = driver;
        Api = api;
        _browser = browser;
        Page = page;
        Http = new HttpClient { BaseAddress = api.Url, Timeout = TimeSpan.FromSeconds(60) };
        page.Console += (_, m) => { if (m.Type == "error") ConsoleErrors.Add(m.Text); };
        page.PageError += (_, e) => ConsoleErrors.Add(e);
        page.FrameNavigated += (_, f) => { if (f == page.MainFrame) Navigations++; };
    }

    public VsphereDriver Driver { get; }
    public SimulatorHost Api { get; }
    public IPage Page { get; }
    public HttpClient Http { get; }
    public List<string> ConsoleErrors { get; } = [];
    public int Navigations { get; private set; }

    public static string ResultsFolder => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults")).FullName;

    /// <summary>The repository's features folder (the player's runbooks), found from the test's output folder.</summary>
    public static string FeaturesFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "features", "vsphere"))) return Path.Combine(dir.FullName, "features");
        throw new DirectoryNotFoundException($"no features/vsphere folder above {AppContext.BaseDirectory}");
    }

    public static async Task<DashboardPage> OpenAsync(string query = "", int hostsPerCluster = 2, int vmsPerHost = 3)
    {
        var driver = new VsphereDriver();
        SimulatorHost? api = null;
        ChromiumSession? browser = null;
        try
        {
            await PresetInventory.BuildAsync(driver, clusters: 1, hostsPerCluster: hostsPerCluster, vmsPerHost: vmsPerHost, encryptedShare: 0.5);
            api = await SimulatorHost.StartAsync(driver, FeaturesFolder());
            browser = await ChromiumSession.StartAsync();
            var page = await browser.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 720 } });
            page.SetDefaultTimeout(20_000);
            var dashboard = new DashboardPage(driver, api, browser, page);
            var response = await page.GotoAsync(api.Url.AbsoluteUri + query);
            response!.Status.Should().Be(200);
            await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");
            await Expect(page.Locator("li.datacenter")).ToHaveCountAsync(1);
            return dashboard;
        }
        catch
        {
            if (browser is not null) await browser.DisposeAsync();
            if (api is not null) await api.DisposeAsync();
            await driver.DisposeAsync();
            throw;
        }
    }

    public async Task<JsonElement> GetAsync(string path) =>
        await Http.GetFromJsonAsync<JsonElement>(path, TestContext.Current.CancellationToken);

    public ILocator Vm(string name) => Page.Locator($"li.vm[data-vm=\"{name}\"]");

    public Task ShowTabAsync(string tab) => Page.Locator($".tabs [data-tab={tab}]").ClickAsync();

    /// <summary>Follows VirtualMachine → config → keyId → keyId in the property browser and answers the value shown.</summary>
    public async Task<string> KeyIdInPropertyBrowserAsync(string vm)
    {
        await Vm(vm).Locator(".name").ClickAsync();
        await Expect(Page.Locator("#tab-properties")).ToBeVisibleAsync();
        await Expect(Page.Locator("#mob-path [data-path=object]")).ToHaveTextAsync($"VirtualMachine {vm}");
        await Page.Locator("#mob-props tr[data-prop=config] a.follow").ClickAsync();
        await Expect(Page.Locator("#mob-path [data-path=config]")).ToHaveCountAsync(1);
        await Page.Locator("#mob-props tr[data-prop=keyId] a.follow").ClickAsync();
        await Expect(Page.Locator("#mob-path [data-path=keyId]")).ToHaveCountAsync(1);
        var cell = Page.Locator("#mob-props tr[data-prop=keyId] td.value");
        await Expect(cell).Not.ToBeEmptyAsync();
        return (await cell.TextContentAsync())!.Trim();
    }

    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(ResultsFolder, name);
        var png = await Page.ScreenshotAsync(new() { Path = path });
        png.Length.Should().BeGreaterThan(10_000, "a 1280×720 screenshot of the dashboard");
        TestContext.Current.AddAttachment(name, png, "image/png");
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _browser.DisposeAsync();
        await Api.DisposeAsync();
        await Driver.DisposeAsync();
    }
}
