using System.Text.Json;
using System.Xml.Linq;
using Harness.Certification;
using Harness.Pki;
using Harness.Testing;

namespace Harness.Interop.Tests;

/// <summary>
/// `harness certify`'s engine against a real third-party KMS: the Debian PyKMIP 0.10 server, started here with a
/// generated PKI and configuration (<see cref="PyKmipServer"/>, as tools/pykmip-server.sh does). PyKMIP does everything
/// vCenter needs except Add Attribute (its payload factory raises NotImplementedError, so the whole message of three
/// Add Attribute items is answered with one InvalidMessage item): the verdict is "Compatible with warnings", C4 is the
/// only warning and says so. The @certification recovery scenarios run against it too: without a KMS administrator
/// the one that deactivates a key "needs a KMS administrator", every other one passes. The report files say the same.
/// </summary>
public sealed class CertifyPyKmipServerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private PyKmipTestServer _kms = null!;

    private static readonly string[] Transport = ["T1", "T2", "T3", "T4", "T5"];
    private static readonly string[] Conversation = ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "C12"];

    public async ValueTask InitializeAsync() => _kms = await PyKmipTestServer.StartAsync("harness-certify-pykmip-");

    public async ValueTask DisposeAsync()
    {
        if (_kms is not null) await _kms.DisposeAsync(output);
    }

    [Fact]
    public async Task Certify_PyKmipServer_IsCompatibleWithOneWarning_AddAttributeMissing()
    {
        var report = await new Certifier(new CertifyOptions
        {
            Host = _kms.Server.Host,
            Port = _kms.Server.Port,
            Pki = _kms.Pki.Directory,
            Connections = 4,
            Scenarios = RecoveryScenarios.Load(Path.Combine(RepoPaths.Root, "features")),
            // PyKMIP handles each connection in a Python thread: allow for two busy cores.
            ReceiveTimeout = TimeSpan.FromSeconds(30),
        }).RunAsync(TestContext.Current.CancellationToken);
        var lines = string.Join("\n", report.Requirements.Select(r => $"{r.Outcome,-8} {r.Id,-4} {r.Title}: {r.Detail}"));
        output.WriteLine($"{CertificationReport.Describe(report.Verdict)}\n{lines}");

        report.Verdict.Should().Be(Verdict.CompatibleWithWarnings, lines);
        report.Reason.Should().BeNull("nothing failed");
        report.ServerVendor.Should().StartWith("PyKMIP 0.10");
        var scenarios = report.Requirements.Where(r => r.Area == RecoveryScenarios.Area).ToList();
        scenarios.Should().HaveCountGreaterThanOrEqualTo(10);
        report.Requirements.Select(r => r.Id).Should().Equal([.. Transport, .. Conversation, .. scenarios.Select((_, i) => $"R{i + 1}")]);
        report.Requirements.Where(r => r.Area != RecoveryScenarios.Area && r.Outcome != Outcome.Passed).Select(r => r.Id).Should().Equal(["C4"], lines);

        // vCenter recovers with PyKMIP: host reboots, unreachable KMS, keys missing on the host, a key destroyed over
        // KMIP. Deactivating a key is an administrator's act KMIP cannot express, and nobody was there to do it.
        var needs = scenarios.Where(r => r.Outcome != Outcome.Passed).ToList();
        needs.Should().ContainSingle(lines).Which.Outcome.Should().Be(Outcome.NeedsAdministrator);
        needs[0].Title.Should().StartWith("A deactivated key locks the VM");
        needs[0].Detail.Should().Contain("needs a KMS administrator to deactivate key");
        scenarios.Single(r => r.Title.StartsWith("Destroying one VM's key")).Evidence[0].Steps.Should()
            .Contain("✔ And the KMS holds the key of VM \"app01\" in state \"Destroyed\"");

        // The warning says precisely what PyKMIP lacks, how it answered, and that vCenter still works.
        var c4 = report.Requirements.Single(r => r.Id == "C4");
        c4.Outcome.Should().Be(Outcome.Warning);
        c4.Detail.Should().Contain("the message of 3 Add Attribute items was answered with 1 item(s)")
            .And.Contain("InvalidMessage")
            .And.Contain("the KMS does not support the Add Attribute operation")
            .And.Contain("x-Product_Version, x-Vendor, x-Product")
            .And.Contain("vCenter still works with this KMS")
            .And.Contain("keys are still created and served");
        c4.Evidence.Should().ContainSingle().Which.Response.Should().Contain("InvalidMessage");
        // …and that is what happened inside PyKMIP: it has no Add Attribute payload at all.
        _kms.Server.ReadLog().Should().Contain("_create_add_attribute_payload").And.Contain("NotImplementedError");

        // The rest passed for PyKMIP's reasons (not because a check was skipped): TLS 1.2 only, Pre-Active keys
        // served and activatable, Revoke gives Deactivated, a destroyed key is gone.
        Detail(report, "T1").Should().Contain("Tls12");
        Detail(report, "T2").Should().Be("accepted: TLS 1.2");
        Detail(report, "C6").Should().StartWith("State is PreActive");
        Detail(report, "C7").Should().Be("Pre-Active → Active");
        Detail(report, "C10").Should().StartWith("Deactivated; Get still returns it");
        Detail(report, "C11").Should().Be("destroyed; Get answers ItemNotFound");
        Detail(report, "C12").Should().StartWith("4 connections at once, 20 Create+Get rounds");

        // The report files say the same.
        var (html, json, junit) = ReportWriter.WriteAll(report, _kms.Dir.Sub("out"));
        var root = JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken)).RootElement;
        root.GetProperty("verdict").GetString().Should().Be("CompatibleWithWarnings");
        root.GetProperty("verdictText").GetString().Should().Be("Compatible with warnings");
        root.TryGetProperty("reason", out _).Should().BeFalse("a compatible KMS has no reason it is not");
        var rows = root.GetProperty("requirements").EnumerateArray()
            .ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("outcome").GetString());
        rows.Should().HaveCount(17 + scenarios.Count);
        rows.Where(r => r.Value != "Passed").Should().Equal([new KeyValuePair<string, string?>("C4", "Warning"),
            new KeyValuePair<string, string?>(needs[0].Id, "NeedsAdministrator")]);

        var xml = XDocument.Load(junit);
        xml.Root!.Attribute("name")!.Value.Should().EndWith("Compatible with warnings");
        xml.Descendants("failure").Should().BeEmpty();
        xml.Descendants("skipped").Should().ContainSingle().Which.Attribute("message")!.Value.Should().StartWith("needs a KMS administrator");
        var c4Case = xml.Descendants("testcase").Single(t => t.Attribute("name")!.Value.StartsWith("C4 "));
        c4Case.Element("system-out")!.Value.Should().StartWith("WARNING: ").And.Contain("does not support the Add Attribute operation");
        xml.Descendants("system-out").Count(o => o.Value.StartsWith("WARNING: ")).Should().Be(1);

        var page = await File.ReadAllTextAsync(html, TestContext.Current.CancellationToken);
        page.Should().Contain("data-verdict=\"CompatibleWithWarnings\"").And.Contain("<tr class=\"requirement\" data-id=\"C4\" data-outcome=\"Warning\">");
    }

    private static string Detail(CertificationReport report, string id) => report.Requirements.Single(r => r.Id == id).Detail;
}
