using Harness.Scenarios;
using Harness.Scenarios.Reports;
using Harness.Scenarios.Tests.Reports;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Harness.Browser.Tests;

/// <summary>
/// The scenario HTML report as a person sees it: written to a file, opened in Chromium over file://, read with
/// locators, and photographed (TestResults/html-report.png next to the test assembly, and attached to the test).
/// </summary>
public class HtmlReportBrowserTests(ITestOutputHelper output)
{
    [Fact]
    public async Task HtmlReport_RunWithAFailingStep_ShowsTheCountsAndTheFailingStepOpen()
    {
        var results = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults")).FullName;
        var htmlPath = Path.Combine(results, "html-report.html");
        HtmlReport.Write(SampleRun.Create(), htmlPath);

        await using var session = await ChromiumSession.StartAsync();
        var page = await session.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 1000 } });
        var consoleErrors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") consoleErrors.Add(m.Text); };
        page.PageError += (_, e) => consoleErrors.Add(e);
        await page.GotoAsync(new Uri(htmlPath).AbsoluteUri);

        // The summary: the verdict and the counts.
        await Expect(page.Locator("#verdict")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"3 passed, 5 failed, 1 skipped"));
        await Expect(page.Locator("dd[data-count=passed]")).ToHaveTextAsync("3");
        await Expect(page.Locator("dd[data-count=failed]")).ToHaveTextAsync("5");
        await Expect(page.Locator("dd[data-count=skipped]")).ToHaveTextAsync("1");
        await Expect(page.Locator("#parse-errors")).ToContainTextAsync($"{SampleRun.BrokenUri}:4:3");

        // The failed scenario is open, and its failing step shows with its error; feature text is shown as text.
        var failedScenario = page.Locator("details.scenario[data-status=failed]");
        await Expect(failedScenario).ToHaveCountAsync(1);
        await Expect(failedScenario).ToHaveAttributeAsync("open", "");
        await Expect(failedScenario.Locator("summary .name")).ToHaveTextAsync("Key <b>attributes</b> & more");
        var failingStep = page.Locator("li.step.failed[data-status=failed]");
        await Expect(failingStep).ToHaveCountAsync(1);
        await Expect(failingStep).ToBeVisibleAsync();
        await Expect(failingStep.Locator(".text")).ToHaveTextAsync(SampleRun.FailingStepText);
        await Expect(failingStep.Locator("pre.error-message")).ToBeVisibleAsync();
        await Expect(failingStep.Locator("pre.error-message")).ToContainTextAsync("Expected keys to contain \"<b>\" but found <a>");
        await Expect(failingStep.Locator("pre.error-detail")).ToContainTextAsync("KeySteps.TheKeyListIs()");
        await Expect(failingStep.Locator(".badge")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("failed"));
        (await failingStep.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor")).Should().NotBe("rgba(0, 0, 0, 0)", "the failing step is highlighted");
        (await page.Locator("script:not([src])").CountAsync()).Should().Be(1);
        (await page.EvaluateAsync<int>("() => document.querySelectorAll('b, script[src], link, img').length")).Should().Be(0, "nothing from the feature file became markup");

        // A passing scenario is folded: its steps are hidden until expanded.
        var passedStep = page.Locator("details.scenario[data-status=passed]").First.Locator("li.step").First;
        await Expect(passedStep).ToBeHiddenAsync();
        await page.Locator("#expand-all").ClickAsync();
        await Expect(passedStep).ToBeVisibleAsync();
        await page.Locator("#collapse-all").ClickAsync();
        await Expect(failingStep).ToBeHiddenAsync();

        // The list of failures links to the failing step and opens its scenario.
        await page.Locator("#failures a").First.ClickAsync();
        await Expect(failingStep).ToBeVisibleAsync();

        // "Show only scenarios that did not pass" hides the passed ones.
        await page.Locator("#only-problems").CheckAsync();
        await Expect(page.Locator("details.scenario[data-status=passed]").First).ToBeHiddenAsync();
        await Expect(failedScenario).ToBeVisibleAsync();
        await page.Locator("#only-problems").UncheckAsync();

        // The screenshot shows the page as it opens.
        await page.GotoAsync(new Uri(htmlPath).AbsoluteUri);
        await Expect(failingStep).ToBeVisibleAsync();
        var screenshot = Path.Combine(results, "html-report.png");
        var png = await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        png.Length.Should().BeGreaterThan(10_000);
        TestContext.Current.AddAttachment("html-report.png", png, "image/png");
        output.WriteLine($"report: {htmlPath}\nscreenshot: {screenshot}");

        consoleErrors.Should().BeEmpty("the page's script runs without errors");
    }

    [Fact]
    public async Task HtmlReport_AllPassing_ShowsAPassedVerdictAndNoFailureList()
    {
        var results = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults")).FullName;
        var htmlPath = Path.Combine(results, "html-report-passing.html");
        HtmlReport.Write(SampleRun.AllPassing(), htmlPath);

        await using var session = await ChromiumSession.StartAsync();
        var page = await session.Browser.NewPageAsync();
        await page.GotoAsync(new Uri(htmlPath).AbsoluteUri);

        await Expect(page.Locator("#verdict")).ToContainTextAsync("3 passed, 0 failed");
        await Expect(page.Locator("#verdict")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bpassed\b"));
        await Expect(page.Locator("#failures")).ToHaveCountAsync(0);
        await Expect(page.Locator("details.scenario[open]")).ToHaveCountAsync(0);
    }
}

/// <summary>Playwright with Debian's Chromium. A missing Chromium fails the test (it does not skip it).</summary>
internal sealed class ChromiumSession : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private ChromiumSession(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<ChromiumSession> StartAsync()
    {
        if (!File.Exists(ExecutablePath))
            Assert.Fail($"Chromium is not installed ({ExecutablePath} is missing): run ./harness test as root, which installs it (apt-get install chromium).");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = ["--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
                Timeout = 60_000,
            });
            return new ChromiumSession(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright.Dispose();
    }
}
