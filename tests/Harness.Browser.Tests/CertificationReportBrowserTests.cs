using System.Net;
using System.Text.RegularExpressions;
using Harness.Certification;
using Harness.Kmip.Server;
using Harness.Pki;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Harness.Browser.Tests;

/// <summary>
/// The report of `harness certify` (report.html, self-contained) as a vendor sees it: certify a KMS, write the report
/// into TestResults, open it from disk (file://) in Chromium, read the verdict, a requirement row and its evidence, and
/// photograph it (TestResults/certify-*.png, attached to the test). One compatible KMS (the Harness KMS, in-process) and
/// one that is not (nothing listens on the port).
/// </summary>
public class CertificationReportBrowserTests(ChromiumFixture chromium, ITestOutputHelper output) : IClassFixture<ChromiumFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CertifyReport_HarnessKms_ShowsCompatibleAndTheCreateExchangeInItsEvidence()
    {
        var work = Directory.CreateTempSubdirectory("harness-certify-browser-");
        try
        {
            var pki = TestPki.Init(Path.Combine(work.FullName, "pki"));
            var identity = pki.LoadServerIdentity();
            CertificationReport report;
            await using (var kms = await KmipServer.StartAsync(new KmipServerOptions
            {
                KmipEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
                ServerCertificate = identity.Certificate,
                ClientCa = identity.TrustedCa,
                DataDirectory = Path.Combine(work.FullName, "data"),
                AdminEndpoint = null,
            }))
            {
                report = await new Certifier(new CertifyOptions
                {
                    Host = "127.0.0.1", Port = kms.Endpoint.Port, Pki = pki.Directory, Connections = 2, Rounds = 2,
                    // One recovery scenario (the others need the admin interface this KMS lacks, or just take time).
                    Scenarios = RecoveryScenarios.Load(Harness.Steps.FeaturesFolder.Find()!)
                        .Where(s => s.DisplayName.StartsWith("A host that reboots while the KMS is unreachable locks its VMs")).ToList(),
                }).RunAsync(Ct);
            }
            report.Verdict.Should().Be(Verdict.Compatible, string.Join("\n", report.Requirements.Select(r => $"{r.Id} {r.Outcome}: {r.Detail}")));
            var keyId = Regex.Match(report.Requirements.Single(r => r.Id == "C2").Detail, "^created key (.+)$").Groups[1].Value;
            keyId.Should().NotBeEmpty();

            var (html, _, _) = ReportWriter.WriteAll(report, Path.Combine(DashboardPage.ResultsFolder, "certify-compatible"));
            var (page, requests, errors) = await OpenAsync(html);

            var verdict = page.Locator("#verdict");
            await Expect(verdict).ToHaveTextAsync("Compatible");
            await Expect(verdict).ToHaveAttributeAsync("data-verdict", "Compatible");
            await Expect(verdict).ToHaveClassAsync(new Regex(@"\bok\b"));
            await Expect(verdict).ToBeVisibleAsync();
            await Expect(page.Locator("#reason")).ToHaveCountAsync(0);
            await Expect(page.Locator("tr.requirement")).ToHaveCountAsync(report.Requirements.Count);
            await Expect(page.Locator("tr.requirement:not([data-outcome=Passed])")).ToHaveCountAsync(0);

            // The Create row: its outcome, what happened, and its evidence folded until opened.
            var create = page.Locator("tr.requirement[data-id=C2]");
            await Expect(create).ToHaveAttributeAsync("data-outcome", "Passed");
            await Expect(create.Locator("td.outcome")).ToHaveTextAsync("Passed");
            await Expect(create.Locator(".detail")).ToHaveTextAsync($"created key {keyId}");
            var evidence = create.Locator("details.evidence");
            await Expect(evidence).ToHaveCountAsync(1);
            await Expect(evidence.Locator("summary")).ToHaveTextAsync("Create");
            var request = evidence.Locator("pre.request");
            var response = evidence.Locator("pre.response");
            await Expect(request).ToBeHiddenAsync();
            await Expect(response).ToBeHiddenAsync();

            await evidence.Locator("summary").ClickAsync();
            await Expect(evidence).ToHaveAttributeAsync("open", "");
            await Expect(request).ToBeVisibleAsync();
            await Expect(response).ToBeVisibleAsync();
            await Expect(request).ToContainTextAsync("RequestMessage (Structure)");
            await Expect(request).ToContainTextAsync("Operation (Enumeration): Create");
            await Expect(request).ToContainTextAsync("AttributeName (TextString): \"Cryptographic Algorithm\"");
            await Expect(response).ToContainTextAsync("ResponseMessage (Structure)");
            await Expect(response).ToContainTextAsync("Operation (Enumeration): Create");
            await Expect(response).ToContainTextAsync("ResultStatus (Enumeration): Success");
            await Expect(response).ToContainTextAsync($"UniqueIdentifier (TextString): \"{keyId}\"");
            // The recovery scenario's row: its steps as they ran against this KMS.
            var scenario = page.Locator("tr.requirement[data-id=R1]");
            await Expect(scenario).ToHaveAttributeAsync("data-outcome", "Passed");
            await Expect(scenario).ToContainTextAsync("A host that reboots while the KMS is unreachable locks its VMs");
            await Expect(scenario.Locator("details.evidence summary")).ToHaveTextAsync(new Regex(@"^Scenario features/vsphere/locked-vms\.feature:\d+$"));
            await scenario.Locator("details.evidence summary").ClickAsync();
            var steps = scenario.Locator("pre.steps");
            await Expect(steps).ToBeVisibleAsync();
            await Expect(steps).ToContainTextAsync("✔ When the KMS cluster \"kms-prod\" becomes unreachable");
            await Expect(steps).ToContainTextAsync("✔ Then VM \"app01\" is locked");
            await Expect(steps).ToContainTextAsync("✔ Then the data of VM \"app01\" reads back intact");
            // Another row's evidence stays folded.
            await Expect(page.Locator("tr.requirement[data-id=C5] pre.request")).ToBeHiddenAsync();

            await Expect(page.Locator("#latency tr", new() { HasText = "Create" })).ToHaveCountAsync(1);
            await ScreenshotAsync(page, "certify-compatible.png");
            output.WriteLine($"report: {html}");

            requests.Should().Equal([new Uri(html).AbsoluteUri], "the report is self-contained: it loads nothing besides itself");
            errors.Should().BeEmpty();
            await page.Context.CloseAsync();
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task CertifyReport_RefusedPort_ShowsNotCompatibleAndWhy()
    {
        var work = Directory.CreateTempSubdirectory("harness-certify-browser-");
        try
        {
            var pki = TestPki.Init(Path.Combine(work.FullName, "pki"));
            int port = FreePort(); // nothing listens there
            var report = await new Certifier(new CertifyOptions { Host = "127.0.0.1", Port = port, Pki = pki.Directory }).RunAsync(Ct);
            report.Verdict.Should().Be(Verdict.NotCompatible);

            var (html, _, _) = ReportWriter.WriteAll(report, Path.Combine(DashboardPage.ResultsFolder, "certify-not-compatible"));
            var (page, _, errors) = await OpenAsync(html);

            var verdict = page.Locator("#verdict");
            await Expect(verdict).ToHaveTextAsync("Not compatible");
            await Expect(verdict).ToHaveAttributeAsync("data-verdict", "NotCompatible");
            await Expect(verdict).ToHaveClassAsync(new Regex(@"\bbad\b"));
            var reason = page.Locator("#reason");
            await Expect(reason).ToBeVisibleAsync();
            await Expect(reason).ToContainTextAsync("Why:");
            await Expect(reason).ToContainTextAsync("T1 Mutual TLS connection with the vendor's client certificate");
            await Expect(reason).ToContainTextAsync("the connection was refused (nothing listens on the port)");

            var t1 = page.Locator("tr.requirement[data-id=T1]");
            await Expect(t1).ToHaveAttributeAsync("data-outcome", "Failed");
            await Expect(t1.Locator("td.outcome")).ToHaveTextAsync("Failed");
            await Expect(t1.Locator(".detail")).ToContainTextAsync("refused");
            // Nothing else could be run, and the report says so rather than passing or failing it.
            await Expect(page.Locator("tr.requirement")).ToHaveCountAsync(17);
            await Expect(page.Locator("tr.requirement[data-outcome=Skipped]")).ToHaveCountAsync(16);
            await Expect(page.Locator("tr.requirement[data-id=C2] .detail")).ToContainTextAsync("not run");

            await ScreenshotAsync(page, "certify-not-compatible.png");
            output.WriteLine($"report: {html}");
            errors.Should().BeEmpty();
            await page.Context.CloseAsync();
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Opens the report from disk in a new browser context, recording every request and console error.</summary>
    private async Task<(IPage Page, List<string> Requests, List<string> Errors)> OpenAsync(string html)
    {
        var context = await chromium.Session.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 1000 } });
        var page = await context.NewPageAsync();
        var requests = new List<string>();
        var errors = new List<string>();
        page.Request += (_, r) => { lock (requests) requests.Add(r.Url); };
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        page.PageError += (_, e) => errors.Add(e);
        var response = await page.GotoAsync(new Uri(html).AbsoluteUri);
        response.Should().NotBeNull();
        return (page, requests, errors);
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(DashboardPage.ResultsFolder, name);
        var png = await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        png.Length.Should().BeGreaterThan(10_000);
        TestContext.Current.AddAttachment(name, png, "image/png");
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }
}
