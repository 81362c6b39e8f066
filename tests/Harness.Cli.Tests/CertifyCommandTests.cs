using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using System.Xml.Linq;
using Harness.Simulator.KmsAdministration;
using Harness.Testing;

namespace Harness.Cli.Tests;

/// <summary>
/// `harness certify` as a vendor runs it: against the Harness KMS (Compatible, every requirement passed, the three
/// reports written), and against KMSs that are not compatible: one that refuses connections, one that speaks TLS without
/// asking for a client certificate, one that answers garbage bytes. Each ends Not compatible with its reason, in bounded time.
/// </summary>
[Collection(ServerProcesses.Name)]
public sealed class CertifyCommandTests(ServeFixture server) : IClassFixture<ServeFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonElement ReadJson(string folder) => JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "report.json"))).RootElement;

    /// <summary>An --admin-command for the fixture's Harness KMS: tools/harness-admin-command.sh with its admin URL and token.</summary>
    private string AdminCommand(TempDir dir) => Cli.HarnessAdminCommand(dir, server.Serve.AdminUrl, server.Serve.AdminTokenFile);

    private static List<JsonElement> Requirements(JsonElement json) => json.GetProperty("requirements").EnumerateArray().ToList();

    private static JsonElement Requirement(JsonElement json, string id) => Requirements(json).Single(r => r.GetProperty("id").GetString() == id);

    [Fact]
    public async Task Certify_TheHarnessKms_IsCompatibleWithEveryRequirementPassed()
    {
        using var dir = new TempDir("harness-certify-");
        var keysBefore = await LiveKeysAsync();
        var run = await Cli.RunAsync("certify", "--target", server.Target, "--pki", server.Pki.Directory, "--out", dir.Path, "--connections", "8",
            "--admin-command", AdminCommand(dir));
        run.ExitCode.Should().Be(0, run.Describe());
        run.Stdout.Should().Contain("Verdict: Compatible");
        var json = ReadJson(dir.Path);
        json.GetProperty("verdict").GetString().Should().Be("Compatible");
        var requirements = Requirements(json);
        requirements.Select(r => r.GetProperty("id").GetString()).Should().Contain(["T1", "T2", "T3", "T4", "T5", "C1", "C2", "C4", "C5", "C9", "C10", "C11", "C12"]);
        requirements.Should().OnlyContain(r => r.GetProperty("outcome").GetString() == "Passed", run.Stdout);
        // Evidence: the Create request and response as TTLV dumps.
        var create = Requirement(json, "C2").GetProperty("evidence")[0];
        create.GetProperty("request").GetString().Should().Contain("Operation").And.Contain("Create");
        create.GetProperty("response").GetString().Should().Contain("UniqueIdentifier");
        json.GetProperty("latencies").EnumerateArray().Select(l => l.GetProperty("operation").GetString()).Should().Contain(["Create", "Get"]);
        var junit = XDocument.Load(Path.Combine(dir.Path, "report.xml"));
        junit.Descendants("testcase").Should().HaveCount(requirements.Count);
        junit.Descendants("failure").Should().BeEmpty();
        File.ReadAllText(Path.Combine(dir.Path, "report.html")).Should().Contain("data-verdict=\"Compatible\"");

        // The recovery scenarios: every @certification scenario of features/ ran against this KMS, with its steps as evidence.
        var scenarios = requirements.Where(r => r.GetProperty("area").GetString() == "Recovery scenarios").ToList();
        scenarios.Should().HaveCount(CertificationScenarioCount());
        scenarios.Select(r => r.GetProperty("title").GetString()).Should().Contain(
            "A deactivated key locks the VM at the next reboot; reactivating it and unlocking recovers");
        var deactivated = scenarios.Single(r => r.GetProperty("title").GetString()!.StartsWith("A deactivated key locks"));
        var evidence = deactivated.GetProperty("evidence")[0];
        evidence.GetProperty("steps").EnumerateArray().Select(s => s.GetString()).Should().Contain(
            "✔ When the KMS administrator deactivates the key of VM \"app01\"", "✔ Then VM \"app01\" is locked",
            "✔ And the KMS holds the key of VM \"app01\" in state \"Deactivated\"");
        // The administrator's steps went through the --admin-command script (called with the action and the key ID).
        evidence.GetProperty("text").GetString().Should().MatchRegex(@"admin-command\.sh deactivate [0-9a-f-]{36} → exit 0")
            .And.MatchRegex(@"admin-command\.sh reactivate [0-9a-f-]{36} → exit 0");

        // The keys the checks and the scenarios made are destroyed afterwards: the vendor's KMS is left as it was.
        var cleaned = json.GetProperty("keysCleanedUp").GetInt32();
        cleaned.Should().BeGreaterThan(8 * 5, "C12 alone makes a key per round and connection");
        (await LiveKeysAsync()).Should().BeEquivalentTo(keysBefore);
        // One clean-up count, the same on the console and in every report.
        run.StdoutLines.Should().Contain($"Clean-up: {cleaned} test objects destroyed afterwards");
        File.ReadAllText(Path.Combine(dir.Path, "report.html")).Should().Contain($"{cleaned} test objects destroyed afterwards");
        run.StdoutLines.Should().Contain($"  … clean-up: {cleaned} test objects destroyed afterwards", "the run's log says the same number");
        run.Stdout.Should().NotMatchRegex(@"destroyed \d+ of the \d+ objects", "no second count of a part of the clean-up");
        json.GetProperty("summary").GetString().Should().Be("Compatible");
    }

    /// <summary>The IDs of the keys on the fixture's KMS that are not destroyed (through its admin interface).</summary>
    private async Task<List<string>> LiveKeysAsync()
    {
        using var http = new HttpClient { BaseAddress = server.Serve.AdminUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", (await File.ReadAllTextAsync(server.Serve.AdminTokenFile, Ct)).Trim());
        var objects = JsonDocument.Parse(await http.GetStringAsync("objects", Ct)).RootElement;
        return objects.EnumerateArray().Where(o => o.GetProperty("state").GetString() != "Destroyed").Select(o => o.GetProperty("id").GetString()!).ToList();
    }

    /// <summary>How many scenarios of the repository's features carry @certification (what certify and run --tags pick).</summary>
    internal static int CertificationScenarioCount() =>
        Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "features"), "*.feature", SearchOption.AllDirectories)
            .Sum(f => File.ReadLines(f).Count(l => l.Trim() == "@certification"));

    [Fact]
    public async Task Certify_WithoutAnAdministrator_ReportsTheScenarioThatNeedsOneAsSuchNotAsFailed()
    {
        using var dir = new TempDir("harness-certify-");
        var run = await Cli.RunAsync("certify", "--target", server.Target, "--pki", server.Pki.Directory, "--out", dir.Path, "--connections", "2");
        run.ExitCode.Should().Be(0, run.Describe());
        var json = ReadJson(dir.Path);
        json.GetProperty("verdict").GetString().Should().Be("CompatibleWithWarnings");
        var needs = Requirements(json).Where(r => r.GetProperty("outcome").GetString() == "NeedsAdministrator").ToList();
        needs.Should().ContainSingle(run.Stdout);
        // The verdict sums up its warnings, on the console and in the reports.
        var summary = $"Compatible with 1 warning: {needs[0].GetProperty("id").GetString()} {needs[0].GetProperty("title").GetString()} (needs a KMS administrator)";
        run.StdoutLines.Should().Contain($"Verdict: {summary}");
        json.GetProperty("summary").GetString().Should().Be(summary);
        json.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()).Should().Equal(needs[0].GetProperty("id").GetString());
        File.ReadAllText(Path.Combine(dir.Path, "report.html")).Should().Contain(System.Net.WebUtility.HtmlEncode(summary));
        needs[0].GetProperty("title").GetString().Should().StartWith("A deactivated key locks");
        needs[0].GetProperty("detail").GetString().Should()
            .Contain("stopped at \"When the KMS administrator deactivates the key of VM \"app01\"\"")
            .And.Contain("needs a KMS administrator to deactivate key").And.Contain("--admin-command");
        Requirements(json).Where(r => r.GetProperty("outcome").GetString() != "NeedsAdministrator")
            .Should().OnlyContain(r => r.GetProperty("outcome").GetString() == "Passed", run.Stdout);
        XDocument.Load(Path.Combine(dir.Path, "report.xml")).Descendants("failure").Should().BeEmpty();
    }

    [Fact]
    public async Task Certify_AnAdminCommandThatFails_FailsThatScenarioWithTheScriptsOutput()
    {
        using var dir = new TempDir("harness-certify-");
        var script = dir.Sub("refuse.sh");
        File.WriteAllText(script, "#!/bin/sh\necho \"no such key on this appliance: $2 ($1)\" >&2\nexit 3\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var run = await Cli.RunAsync("certify", "--target", server.Target, "--pki", server.Pki.Directory, "--out", dir.Path, "--connections", "2",
            "--admin-command", script);
        run.ExitCode.Should().Be(1, run.Describe());
        var json = ReadJson(dir.Path);
        json.GetProperty("verdict").GetString().Should().Be("NotCompatible");
        var failed = Requirements(json).Where(r => r.GetProperty("outcome").GetString() == "Failed").ToList();
        failed.Should().ContainSingle(run.Stdout);
        failed[0].GetProperty("detail").GetString().Should().MatchRegex(@"refuse\.sh deactivate [0-9a-f-]{36} exited with 3: no such key on this appliance");
    }

    [Fact]
    public async Task Certify_AKmsThatWantsAUsernameAndPassword_IsCompatibleWithUserAndNotWithout()
    {
        // vCenter's "KMS password protection": every message, the scenarios' vCenter and hosts included, carries the credential.
        using var dir = new TempDir("harness-certify-user-");
        var pki = Harness.Pki.TestPki.Init(dir.Sub("pki"));
        using var kms = await ServeProcess.StartAsync(pki.Directory, dir.Sub("data"), null, "--user", "vcenter:s3cret pass");
        var target = $"127.0.0.1:{kms.Port}";
        var run = await Cli.RunAsync("certify", "--target", target, "--pki", pki.Directory, "--out", dir.Sub("with"), "--connections", "2",
            "--user", "vcenter:s3cret pass", "--admin-command", Cli.HarnessAdminCommand(dir, kms.AdminUrl, kms.AdminTokenFile));
        run.ExitCode.Should().Be(0, run.Describe());
        var json = ReadJson(dir.Sub("with"));
        json.GetProperty("verdict").GetString().Should().Be("Compatible", run.Stdout);
        Requirements(json).Count(r => r.GetProperty("area").GetString() == "Recovery scenarios").Should().Be(CertificationScenarioCount());

        run = await Cli.RunAsync("certify", "--target", target, "--pki", pki.Directory, "--out", dir.Sub("without"), "--connections", "2", "--no-scenarios");
        run.ExitCode.Should().Be(1, run.Describe());
        ReadJson(dir.Sub("without")).GetProperty("reason").GetString().Should().Contain("AuthenticationNotSuccessful");
    }

    /// <summary>The deactivation scenario against the fixture's KMS with an operator at the terminal who answers <paramref name="answers"/>.</summary>
    private async Task<(Harness.Certification.RequirementResult Row, string Asked)> WithOperatorAsync(string answers)
    {
        var scenarios = Harness.Certification.RecoveryScenarios.Load(Path.Combine(RepoPaths.Root, "features"))
            .Where(s => s.DisplayName.StartsWith("A deactivated key locks the VM")).ToList();
        scenarios.Should().ContainSingle();
        var asked = new StringWriter();
        var report = await new Harness.Certification.Certifier(new Harness.Certification.CertifyOptions
        {
            Host = "127.0.0.1", Port = server.Serve.Port, Pki = server.Pki.Directory, Connections = 1, Rounds = 1, Scenarios = scenarios,
            Administrator = new OperatorPrompt(new StringReader(answers), asked, server.Target),
        }).RunAsync(Ct);
        return (report.Requirements.Single(r => r.Area == Harness.Certification.RecoveryScenarios.Area), asked.ToString());
    }

    [Fact]
    public async Task Certify_AtATerminal_TheOperatorWhoSkipsTheAdministratorsStep_LeavesTheScenarioNeedingAnAdministrator()
    {
        var (row, asked) = await WithOperatorAsync("skip\n");
        asked.Should().MatchRegex(@"^KMS administrator needed on 127\.0\.0\.1:\d+: deactivate the key [0-9a-f-]{36}\. Press Enter when it is done, or type skip");
        row.Outcome.Should().Be(Harness.Certification.Outcome.NeedsAdministrator, row.Detail);
        row.Detail.Should().Contain("(the operator skipped it)");
        row.Evidence[0].Text.Should().MatchRegex(@"operator asked to deactivate the key [0-9a-f-]{36}: skipped");
    }

    [Fact]
    public async Task Certify_AtATerminal_TheOperatorWhoSaysDoneWithoutDoingIt_FailsTheScenarioWhereTheVmShouldLock()
    {
        // Enter means "done": the scenario goes on, and finds the key was not deactivated after all.
        var (row, asked) = await WithOperatorAsync("\n\n");
        asked.Should().Contain("deactivate the key");
        row.Outcome.Should().Be(Harness.Certification.Outcome.Failed);
        row.Detail.Should().Contain("Then VM \"app01\" is locked");
        row.Evidence[0].Text.Should().MatchRegex(@"operator asked to deactivate the key [0-9a-f-]{36}: done");
    }

    [Fact]
    public async Task Certify_InterruptedBySigterm_ExitsWith130AndLeavesTheKmsWithTheKeysItHad()
    {
        using var dir = new TempDir("harness-certify-");
        var keysBefore = await LiveKeysAsync();
        using var certify = Cli.Start("certify", "--target", server.Target, "--pki", server.Pki.Directory, "--out", dir.Sub("out"), "--connections", "2",
            "--admin-command", AdminCommand(dir));
        // Once the recovery scenarios run, the conversation checks have made their keys and a scenario is making its own.
        await certify.WaitForLineAsync(l => l.StartsWith("  … R2 "), TimeSpan.FromSeconds(60));
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", certify.Id.ToString()])) await kill.WaitForExitAsync(Ct);
        (await certify.WaitForExitAsync(TimeSpan.FromSeconds(60))).Should().Be(130, certify.Describe());
        certify.Stderr.Should().Contain("harness certify: interrupted; the test keys made so far were destroyed, no report written");
        certify.Stdout.Should().NotContain("… R10 ", "the run stops after the scenario it was in, not at the end");
        Directory.Exists(dir.Sub("out")).Should().BeFalse();
        (await LiveKeysAsync()).Should().BeEquivalentTo(keysBefore);
    }

    [Fact]
    public async Task AdminCommand_ThatOutlivesItsTimeout_IsKilledAndFailsTheStepSayingSo()
    {
        using var dir = new TempDir("harness-admin-command-");
        var script = dir.Sub("slow.sh");
        File.WriteAllText(script, "#!/bin/sh\necho \"asking the appliance to $1 $2\"\nexec sleep 30\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var admin = new AdminCommand(script, "127.0.0.1", 5696) { Timeout = TimeSpan.FromSeconds(1) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var act = () => admin.PerformAsync("reactivate", "key-1", Ct);
        (await act.Should().ThrowAsync<KmsAdministrationException>())
            .WithMessage($"--admin-command: {script} reactivate key-1 did not finish within 1 s (killed*");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "the timeout bounds the wait");
        admin.Log.Should().ContainSingle().Which.Should().Contain("stopped after 1 s");
    }

    [Fact]
    public async Task AdminCommand_WhoseChildKeepsItsOutputOpen_DoesNotHangTheRun()
    {
        // The script ends at once, but a process it started in the background still holds its stdout.
        using var dir = new TempDir("harness-admin-command-");
        var script = dir.Sub("forks.sh");
        var pidFile = dir.Sub("child.pid");
        File.WriteAllText(script, $"#!/bin/sh\nsleep 30 &\necho $! > '{pidFile}'\necho done\nexit 0\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var admin = new AdminCommand(script, "127.0.0.1", 5696) { Timeout = TimeSpan.FromSeconds(1) };
        try
        {
            var act = () => admin.PerformAsync("deactivate", "key-2", Ct);
            (await act.Should().ThrowAsync<KmsAdministrationException>()).WithMessage("*did not finish within 1 s*");
        }
        finally
        {
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var child))
                try { System.Diagnostics.Process.GetProcessById(child).Kill(); } catch (ArgumentException) { /* gone */ }
        }
    }

    [Fact]
    public void Reports_OfAKmsThatAnswersWithControlCharacters_AreWrittenAndTheXmlParses()
    {
        // A vendor's KMS that colours its log (kept as a container's output) or puts a control byte in a ResultMessage.
        using var dir = new TempDir("harness-certify-report-");
        var report = new Harness.Certification.CertificationReport { Target = "127.0.0.1:5696" };
        report.Requirements.Add(new Harness.Certification.RequirementResult("I1", "Container image", "The image starts")
        {
            Outcome = Harness.Certification.Outcome.Failed,
            Detail = "the container exited: \u001b[31mFATAL\u001b[0m no licence",
            Evidence = { new Harness.Certification.Evidence("output") { Text = "\u0007bell\u0000" } },
        });
        var (html, json, junit) = Harness.Certification.ReportWriter.WriteAll(report, dir.Path);
        var xml = XDocument.Load(junit);
        xml.Descendants("failure").Single().Attribute("message")!.Value.Should().Contain("\\u001B[31mFATAL");
        File.ReadAllText(html).Should().Contain("FATAL");
        ReadJson(dir.Path).GetProperty("verdict").GetString().Should().Be("NotCompatible");
    }

    [Theory]
    [InlineData("--admin-command", "/no/such/script.sh", "--admin-command /no/such/script.sh does not exist")]
    [InlineData("--features", "/no/such/folder", "--features /no/such/folder is not a folder")]
    public async Task Certify_BadScenarioOptions_AreRefusedBeforeAnythingRuns(string option, string value, string message)
    {
        using var dir = new TempDir("harness-certify-");
        var run = await Cli.RunAsync("certify", "--target", server.Target, "--pki", server.Pki.Directory, "--out", dir.Path, option, value);
        run.ExitCode.Should().Be(2, run.Describe());
        run.Stderr.Should().Contain(message);
        File.Exists(Path.Combine(dir.Path, "report.json")).Should().BeFalse();
    }

    [Fact]
    public async Task Certify_WithVectors_ReplaysEachOasisVectorFileAsARequirementWithTheDifferenceAsEvidence()
    {
        using var dir = new TempDir("harness-certify-");
        var vectors = dir.Sub("vectors");
        Directory.CreateDirectory(vectors);
        var source = Path.Combine(RepoPaths.Shared, "kmip-vectors", "v1.4", "XML", "mandatory");
        File.Copy(Path.Combine(source, "SKLC-M-1-14.xml"), Path.Combine(vectors, "SKLC-M-1-14.xml"));
        // OMOS-O-1-14 expects a 1.3 header back to a 1.4 request, which the Harness KMS does not give: a conformance gap,
        // reported as a warning.
        File.Copy(Path.Combine(source, "..", "optional", "OMOS-O-1-14.xml"), Path.Combine(vectors, "OMOS-O-1-14.xml"));
        var keysBefore = await LiveKeysAsync();
        var run = await Cli.RunAsync("certify", "--target", server.Target, "--pki", server.Pki.Directory, "--out", dir.Sub("out"), "--connections", "2",
            "--no-scenarios", "--vectors", vectors);
        run.ExitCode.Should().Be(0, run.Describe());
        run.Stdout.Should().Contain("2 OASIS vectors");
        var json = ReadJson(dir.Sub("out"));
        json.GetProperty("verdict").GetString().Should().Be("CompatibleWithWarnings");
        Requirements(json).Should().NotContain(r => r.GetProperty("area").GetString() == "Recovery scenarios");
        var header = Requirement(json, "V1");
        header.GetProperty("title").GetString().Should().Be("OMOS-O-1-14.xml");
        header.GetProperty("outcome").GetString().Should().Be("Warning");
        header.GetProperty("detail").GetString().Should().Contain("step 1").And.Contain("expected Integer 3, got 4");
        var exchange = header.GetProperty("evidence")[0];
        exchange.GetProperty("request").GetString().Should().Contain("Operation (Enumeration): Destroy");
        exchange.GetProperty("response").GetString().Should().Contain("Success");
        // The objects the vectors made (SKLC creates a key) are destroyed afterwards like the checks' keys.
        (await LiveKeysAsync()).Should().BeEquivalentTo(keysBefore);
        json.GetProperty("keysCleanedUp").GetInt32().Should().BeGreaterThan(0);
        var sklc = Requirement(json, "V2");
        sklc.GetProperty("title").GetString().Should().Be("SKLC-M-1-14.xml");
        sklc.GetProperty("outcome").GetString().Should().Be("Passed", sklc.GetProperty("detail").GetString());
        Requirements(json).Where(r => !r.GetProperty("id").GetString()!.StartsWith('V'))
            .Should().OnlyContain(r => r.GetProperty("outcome").GetString() == "Passed");
    }

    [Fact]
    public async Task Certify_AnOutFolderThatCannotBeWritten_IsRefusedBeforeAnythingRuns()
    {
        using var dir = new TempDir("harness-certify-");
        var file = dir.Sub("a-file");
        File.WriteAllText(file, "not a folder");

        using var isAFile = await Cli.RunAsync("certify", "--target", server.Target, "--pki", server.Pki.Directory, "--out", file, "--no-scenarios");
        using var underAFile = await Cli.RunAsync("certify", "--target", server.Target, "--pki", server.Pki.Directory, "--out", Path.Combine(file, "report"), "--no-scenarios");

        Cli.ReasonOf(isAFile).Should().Be($"harness certify: --out {file} is a file; give a folder for report.html, report.json and report.xml");
        Cli.ReasonOf(underAFile).Should().StartWith($"harness certify: --out {Path.Combine(file, "report")} cannot be created");
        isAFile.Stdout.Should().BeEmpty("nothing ran");
        underAFile.Stdout.Should().BeEmpty("nothing ran");
    }

    [Fact]
    public async Task Certify_VectorsThatDoNotExist_AreRefusedBeforeAnythingRuns()
    {
        using var dir = new TempDir("harness-certify-");
        var run = await Cli.RunAsync("certify", "--target", server.Target, "--pki", server.Pki.Directory, "--out", dir.Path, "--vectors", "/no/such/vectors");
        run.ExitCode.Should().Be(2, run.Describe());
        run.Stderr.Should().Contain("--vectors /no/such/vectors is neither a folder nor a file");
        var empty = dir.Sub("empty");
        Directory.CreateDirectory(empty);
        run = await Cli.RunAsync("certify", "--target", server.Target, "--pki", server.Pki.Directory, "--out", dir.Path, "--vectors", empty);
        run.ExitCode.Should().Be(2, run.Describe());
        run.Stderr.Should().Contain("holds no .xml vector file");
    }

    [Fact]
    public async Task Certify_AFeaturesFolderWithoutCertificationScenarios_IsRefused()
    {
        using var dir = new TempDir("harness-certify-");
        var features = dir.Sub("features");
        Directory.CreateDirectory(features);
        File.WriteAllText(Path.Combine(features, "a.feature"), "Feature: a\n  Scenario: b\n    Given a KMS cluster \"k\"\n");
        var run = await Cli.RunAsync("certify", "--target", server.Target, "--pki", server.Pki.Directory, "--out", dir.Sub("out"), "--features", features);
        run.ExitCode.Should().Be(2, run.Describe());
        run.Stderr.Should().Contain("has no scenario tagged @certification");
    }

    [Fact]
    public async Task Certify_AKmsThatRefusesConnections_IsNotCompatibleSayingSo()
    {
        using var dir = new TempDir("harness-certify-");
        int port = RepoPaths.FreePort();
        var run = await Cli.RunAsync("certify", "--target", $"127.0.0.1:{port}", "--pki", server.Pki.Directory, "--out", dir.Path);
        run.ExitCode.Should().Be(1, run.Describe());
        run.Stdout.Should().Contain("Verdict: Not compatible").And.Contain("refused");
        var json = ReadJson(dir.Path);
        json.GetProperty("verdict").GetString().Should().Be("NotCompatible");
        json.GetProperty("reason").GetString().Should().Contain("T1").And.Contain("refused");
    }

    [Fact]
    public async Task Certify_AKmsThatAcceptsTlsWithoutAClientCertificate_IsNotCompatible()
    {
        using var dir = new TempDir("harness-certify-");
        // A KMS stand-in that wants no client certificate and answers every KMIP request through the real Harness KMS.
        var serverCert = Harness.Pki.PkiFiles.LoadCertificateWithKey(server.Pki.ServerCert, server.Pki.ServerKey);
        using var fake = new FakeKms(async (client, ct) =>
        {
            await using var tls = new SslStream(client.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = serverCert, ClientCertificateRequired = false, EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            }, ct);
            // Relay to the real KMS with the vendor's client identity.
            await using var kms = await Harness.Kmip.Client.KmipClient.ConnectAsync(
                Harness.Kmip.Client.KmipClientOptions.FromPki("127.0.0.1", server.Serve.Port, server.Pki), ct);
            var header = new byte[8];
            while (true)
            {
                await tls.ReadExactlyAsync(header, ct);
                int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
                var message = new byte[8 + length];
                header.CopyTo(message, 0);
                await tls.ReadExactlyAsync(message.AsMemory(8), ct);
                await tls.WriteAsync(await kms.SendRawAsync(message, ct), ct);
            }
        });
        var run = await Cli.RunAsync("certify", "--target", $"127.0.0.1:{fake.Port}", "--pki", server.Pki.Directory, "--out", dir.Path, "--connections", "2");
        run.ExitCode.Should().Be(1, run.Describe());
        var json = ReadJson(dir.Path);
        json.GetProperty("verdict").GetString().Should().Be("NotCompatible");
        var t3 = json.GetProperty("requirements").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "T3");
        t3.GetProperty("outcome").GetString().Should().Be("Failed");
        t3.GetProperty("detail").GetString().Should().Contain("without a client certificate");
    }

    [Fact]
    public async Task Certify_AKmsThatAnswersGarbage_IsNotCompatibleInBoundedTime()
    {
        using var dir = new TempDir("harness-certify-");
        using var fake = new FakeKms(async (client, ct) =>
        {
            await client.GetStream().WriteAsync(System.Text.Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\n\r\nthis is not a KMS\r\n"), ct);
            await Task.Delay(TimeSpan.FromSeconds(30), ct); // and then nothing: the certifier must not wait for ever
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = await Cli.RunAsync("certify", "--target", $"127.0.0.1:{fake.Port}", "--pki", server.Pki.Directory, "--out", dir.Path);
        run.ExitCode.Should().Be(1, run.Describe());
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(80), "every network step has a bounded timeout");
        var json = ReadJson(dir.Path);
        json.GetProperty("verdict").GetString().Should().Be("NotCompatible");
        json.GetProperty("reason").GetString().Should().Contain("T1").And.Contain("TLS");
    }
}

/// <summary>A TCP server on 127.0.0.1 that runs a handler for each connection (a misbehaving KMS); disposing stops it.</summary>
internal sealed class FakeKms : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public FakeKms(Func<TcpClient, CancellationToken, Task> handle)
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient accepted;
                try { accepted = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception) { return; } // stopped
                _ = Task.Run(async () =>
                {
                    using var client = accepted;
                    try { await handle(client, _stop.Token); }
                    catch (Exception) { /* the certifier hung up, or the fake stopped */ }
                });
            }
        });
    }

    public int Port { get; }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
