using System.Net.Http.Json;
using System.Text;
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
/// One Chromium for all the tests of a class (launching it takes 1.5–2 s on two cores); each test still gets a fresh
/// site, REST API and browser context (<see cref="DashboardPage"/>).
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    internal ChromiumSession Session { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        // The page follows the site through a stream and a refresh: allow for two busy cores running three test classes.
        SetDefaultExpectTimeout(15_000);
        Session = await ChromiumSession.StartAsync();
    }

    public async ValueTask DisposeAsync() => await Session.DisposeAsync();
}

/// <summary>
/// A dashboard under test: a preset site behind the real REST API, the repository's features as the player's runbooks,
/// and the dashboard at 1280×720 on a new browser context of a shared Chromium, recording console errors, navigations
/// and the page's POSTs; plus what the tests need: the API's JSON, POSTs that must succeed, the action result box.
/// </summary>
internal sealed class DashboardPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;

    private DashboardPage(SimulatedSite driver, SimulatorHost api, IBrowserContext context, IPage page)
    {
        Driver = driver;
        Api = api;
        _context = context;
        Page = page;
        Http = new HttpClient { BaseAddress = api.Url, Timeout = TimeSpan.FromSeconds(60) };
        page.Console += (_, m) => { if (m.Type == "error") lock (ConsoleErrors) ConsoleErrors.Add(m.Text); };
        page.PageError += (_, e) => { lock (ConsoleErrors) ConsoleErrors.Add(e); };
        page.FrameNavigated += (_, f) => { if (f == page.MainFrame) Navigations++; };
        page.Request += (_, r) => { if (r.Method == "POST") lock (Posts) Posts.Add(r.Url); };
    }

    public SimulatedSite Driver { get; }
    public SimulatorHost Api { get; }
    public IPage Page { get; }
    public HttpClient Http { get; }
    public List<string> ConsoleErrors { get; } = [];

    /// <summary>
    /// Console errors a test expects (e.g. the browser's "Failed to load resource: ... 409" for a refused request);
    /// any other console or page error fails the test when the page is disposed.
    /// </summary>
    public Func<string, bool> ExpectedConsoleError { get; set; } = _ => false;

    /// <summary>What Chromium logs for a request the API refused (4xx): expected where a test clicks a refused action.</summary>
    public static bool RefusedRequest(string error) => error.StartsWith("Failed to load resource: the server responded with a status of 4");
    public int Navigations { get; private set; }

    /// <summary>Every POST the page sent (the test's own HttpClient calls are not here).</summary>
    public List<string> Posts { get; } = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static string ResultsFolder => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults")).FullName;

    /// <summary>The repository's features folder (the player's runbooks), as the player finds it.</summary>
    public static string FeaturesFolder { get; } = FeatureRunbooks.FindFeaturesFolder()
        ?? throw new DirectoryNotFoundException($"no features/vsphere folder above {AppContext.BaseDirectory}");


    /// <summary>The preset: cluster DC0_C0 of two hosts of three VMs, every second VM encrypted.</summary>
    public static async Task<DashboardPage> OpenAsync(ChromiumFixture chromium, string query = "", int width = 1280, int height = 720)
    {
        var driver = new SimulatedSite();
        SimulatorHost? api = null;
        IBrowserContext? context = null;
        try
        {
            await PresetInventory.BuildAsync(driver, clusters: 1, hostsPerCluster: 2, vmsPerHost: 3, encryptedShare: 0.5);
            api = await SimulatorHost.StartAsync(driver, new FeatureRunbooks(FeaturesFolder));
            context = await chromium.Session.Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height } });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(20_000);
            var dashboard = new DashboardPage(driver, api, context, page);
            var response = await page.GotoAsync(api.Url.AbsoluteUri + query);
            response!.Status.Should().Be(200);
            await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");
            await Expect(page.Locator("li.vm")).ToHaveCountAsync(6);
            return dashboard;
        }
        catch
        {
            if (context is not null) await context.DisposeAsync();
            if (api is not null) await api.DisposeAsync();
            await driver.DisposeAsync();
            throw;
        }
    }

    // ---- the REST API ----------------------------------------------------------------------------------------

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await Http.GetAsync(path, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.IsSuccessStatusCode.Should().BeTrue($"GET {path} should succeed, but answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The JSON text of a GET, to compare a state before and after.</summary>
    public async Task<string> SnapshotAsync(string path) => (await GetAsync(path)).GetRawText();

    /// <summary>A POST from the test (setting up a precondition) that must succeed.</summary>
    public async Task<JsonElement> PostAsync(string path, object? body = null)
    {
        using var content = body is null ? null : new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(path, content, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.IsSuccessStatusCode.Should().BeTrue($"POST {path} should succeed, but answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> VmAsync(string name) => await GetAsync($"api/vms/{name}");

    /// <summary>The first VM (in inventory order) that the API says is encrypted, or not.</summary>
    public async Task<JsonElement> FirstVmAsync(bool encrypted) =>
        (await GetAsync("api/vms")).EnumerateArray().First(v => v.GetProperty("encrypted").GetBoolean() == encrypted);

    public async Task<JsonElement> KmsAsync() => await GetAsync("api/kms-clusters/kms-prod");

    /// <summary>The KMS's view of a key (from its admin API, through GET /api/kms-clusters/kms-prod).</summary>
    public async Task<JsonElement> KmsKeyAsync(string keyId) =>
        (await KmsAsync()).GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("id").GetString() == keyId);

    public async Task<DateTimeOffset> ClockAsync() => (await GetAsync("api/clock")).GetProperty("now").GetDateTimeOffset();

    public async Task<int> EventCountAsync() => (await GetAsync("api/events")).GetArrayLength();

    // ---- the page ------------------------------------------------------------------------------------------------

    public ILocator Vm(string name) => Page.Locator($"li.vm[data-vm=\"{name}\"]");

    public ILocator LockIcon(string vm) => Vm(vm).Locator("[data-role=lock-icon]");

    public ILocator EventRow(string obj, string typeId) =>
        Page.Locator($"#events tr.event[data-object=\"{obj}\"][data-type-id=\"{typeId}\"]");

    public ILocator Result => Page.Locator("#action-result");

    public Task ShowTabAsync(string tab) => Page.Locator($".tabs [data-tab={tab}]").ClickAsync();

    /// <summary>As the page shows a simulation time (H.fmtTime): "2025-01-01 12:00:00Z".</summary>
    public static string PageTime(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Clicks an action button and waits for its outcome; answers it ("ok" or "error").</summary>
    public async Task<string> ClickActionAsync(string action)
    {
        await Page.Locator($"#tab-actions button[data-action=\"{action}\"]").ClickAsync();
        await Expect(Result).ToHaveAttributeAsync("data-action", action);
        await Expect(Result).ToHaveAttributeAsync("data-outcome", new Regex("^(ok|error)$"));
        await Expect(Result).ToBeVisibleAsync();
        return (await Result.GetAttributeAsync("data-outcome"))!;
    }

    /// <summary>Clicks an action button that must succeed, and checks the page says what the API did ("Done: " + did).</summary>
    public async Task ActAsync(string action, string did)
    {
        var outcome = await ClickActionAsync(action);
        outcome.Should().Be("ok", $"the {action} button should succeed; the page shows: {await Result.TextContentAsync()}");
        await Expect(Result.Locator(".did")).ToHaveTextAsync("Done: " + did);
    }

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
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var png = await Page.ScreenshotAsync(new() { Path = path });
        png.Length.Should().BeGreaterThan(10_000, "a 1280×720 screenshot of the dashboard");
        TestContext.Current.AddAttachment(name, png, "image/png");
        return path;
    }

    /// <summary>
    /// Closes the page, the API and the site; then fails if Chromium logged a console error or a page error the test
    /// did not expect (<see cref="ExpectedConsoleError"/>), so every dashboard test checks the page's scripts.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _context.DisposeAsync();
        await Api.DisposeAsync();
        await Driver.DisposeAsync();
        List<string> unexpected;
        lock (ConsoleErrors) unexpected = ConsoleErrors.Where(e => !ExpectedConsoleError(e)).ToList();
        unexpected.Should().BeEmpty("Chromium logs no console error or page error during a dashboard test");
    }
}

internal static class Json
{
    public static string Str(this JsonElement e, string property) => e.GetProperty(property).GetString()!;
    public static bool Bool(this JsonElement e, string property) => e.GetProperty(property).GetBoolean();
    public static IEnumerable<JsonElement> Items(this JsonElement e, string property) => e.GetProperty(property).EnumerateArray();
}
