using Harness.Scenarios;
using Reqnroll;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Harness.Browser.Tests;

/// <summary>
/// The Cucumber HTML report Reqnroll's formatter writes for a hosted run, as a person sees it: opened in Chromium over
/// file://, read with locators, and photographed (TestResults/html-report.png next to the test assembly, and attached to
/// the test).
/// </summary>
public class HtmlReportBrowserTests(ITestOutputHelper output)
{
    private const string Feature = """
        Feature: Key report in a browser
          Scenario: Everything works
            Given a report step that passes
            Then a report step that passes

          Scenario: The key is missing
            Given a report step that passes
            When a report step fails with "key 7f3a is not on the KMS"
            Then a report step that passes
        """;

    [Fact]
    public async Task HtmlReport_RunWithAFailingStep_ShowsTheScenariosAndTheError()
    {
        var results = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults")).FullName;
        var htmlPath = Path.Combine(results, "html-report.html");
        await using (var engine = new ScenarioEngine(StepCatalog.FromAssemblies(typeof(ReportSteps).Assembly)))
        {
            var run = await engine.RunAsync([FeatureLoader.Parse(Feature, "features/report.feature")], new RunOptions(HtmlReport: htmlPath));
            run.Passed.Should().Be(1);
            run.Failed.Should().Be(1);
        }

        await using var session = await ChromiumSession.StartAsync();
        var page = await session.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 1000 } });
        var consoleErrors = new List<string>();
        page.PageError += (_, e) => consoleErrors.Add(e);
        await page.GotoAsync(new Uri(htmlPath).AbsoluteUri);

        await Expect(page.GetByText("Key report in a browser").First).ToBeVisibleAsync();
        var body = page.Locator("body");
        await Expect(body).ToContainTextAsync("features/report.feature");
        await Expect(body).ToContainTextAsync("The key is missing");
        await Expect(body).ToContainTextAsync("key 7f3a is not on the KMS");

        var screenshot = Path.Combine(results, "html-report.png");
        var png = await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        png.Length.Should().BeGreaterThan(10_000);
        TestContext.Current.AddAttachment("html-report.png", png, "image/png");
        output.WriteLine($"report: {htmlPath}\nscreenshot: {screenshot}");
        consoleErrors.Should().BeEmpty("the report's script runs without errors");
    }
}

/// <summary>Steps of the browser report test (this assembly's only Reqnroll bindings).</summary>
[Binding]
public sealed class ReportSteps
{
    [Given("a report step that passes")]
    [Then("a report step that passes")]
    public void Passes() { }

    [When("a report step fails with {string}")]
    public void Fails(string message) => throw new InvalidOperationException(message);
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
