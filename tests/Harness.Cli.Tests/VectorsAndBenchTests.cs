using System.Text.RegularExpressions;
using Harness.Pki;
using Harness.Testing;

namespace Harness.Cli.Tests;

/// <summary>One `harness serve` child, with its HTTPS binding, for the client-side commands (vectors, bench).</summary>
public sealed class ServeFixture : IAsyncLifetime
{
    private readonly TempDir _dir = new("harness-cli-serve-");

    public PkiPaths Pki { get; private set; } = null!;
    public ServeProcess Serve { get; private set; } = null!;
    public string Target => $"127.0.0.1:{Serve.Port}";
    public string HttpsTarget => $"127.0.0.1:{Serve.HttpsPort}";

    public async ValueTask InitializeAsync()
    {
        try
        {
            Pki = TestPki.Init(_dir.Sub("pki"));
            Serve = await ServeProcess.StartAsync(Pki.Directory, _dir.Sub("data"), null, "--https", "127.0.0.1:0");
        }
        catch
        {
            _dir.Dispose(); // xunit does not call DisposeAsync when InitializeAsync fails
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        Serve?.Dispose();
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }
}

[Collection(ServerProcesses.Name)]
public sealed class VectorsAndBenchTests(ServeFixture server) : IClassFixture<ServeFixture>
{
    private static string Vector(string name) => Path.Combine(RepoPaths.Shared, "kmip-vectors", "v1.4", "XML", "mandatory", name);

    /// <summary>
    /// A vector that registers a key and fails at step 2, leaving the key: CS-BC-M-7-14 with a larger Usage Limits Total,
    /// so that the Encrypt it expects refused succeeds.
    /// </summary>
    private static string VectorThatLeavesAKey(TempDir dir)
    {
        var text = File.ReadAllText(Vector("CS-BC-M-7-14.xml"));
        var path = Path.Combine(dir.Path, "CS-BC-M-7-14-larger-limits.xml");
        File.WriteAllText(path, text.Replace("<UsageLimitsTotal type=\"LongInteger\" value=\"16\"/>", "<UsageLimitsTotal type=\"LongInteger\" value=\"64\"/>"));
        File.ReadAllText(path).Should().NotBe(text, "the vector's Usage Limits Total was changed");
        return path;
    }

    [Fact]
    public async Task Vectors_SklcM114AgainstServe_PrintsPassAndOnePassed()
    {
        var file = Vector("SKLC-M-1-14.xml");
        File.Exists(file).Should().BeTrue($"the OASIS vector should be at {file}");

        using var run = await Cli.RunAsync("vectors", "--target", server.Target, "--pki", server.Pki.Directory, file);

        run.ExitCode.Should().Be(0, run.Describe());
        run.StdoutLines.Should().Contain(l => l.StartsWith("PASS SKLC-M-1-14.xml"));
        run.StdoutLines.Last().Should().Be("1 passed, 0 failed");
    }

    [Fact]
    public async Task Vectors_FreshClient_RunsEachFileAsANewClient_ThatDoesNotSeeTheObjectsOfAnother()
    {
        // TL-M-3 locates the tape key TL-M-2 made: on one client it finds it; as a new client, it finds nothing.
        string second = Vector("TL-M-2-14.xml"), third = Vector("TL-M-3-14.xml");
        using var fresh = await Cli.RunAsync("vectors", "--fresh-client", "--target", server.Target, "--pki", server.Pki.Directory, second, third);

        fresh.ExitCode.Should().Be(1, fresh.Describe());
        fresh.StdoutLines.Should().Contain(l => l.StartsWith("PASS TL-M-2-14.xml"));
        fresh.StdoutLines.Should().Contain(l => l.StartsWith("FAIL TL-M-3-14.xml: step 0") && l.Contains("missing UniqueIdentifier"));
        fresh.StdoutLines.Should().Contain("cleaned up the objects of 1 fresh client, each with its own identity");
        fresh.StdoutLines.Last().Should().Be("1 passed, 1 failed");

        using var shared = await Cli.RunAsync("vectors", "--target", server.Target, "--pki", server.Pki.Directory, second, third);
        shared.StdoutLines.Last().Should().Be("2 passed, 0 failed", shared.Describe());
    }

    [Theory]
    [InlineData("ttlv")]
    [InlineData("xml")]
    [InlineData("json")]
    public async Task Vectors_OverHttps_EachEncoding_PassAsOverTls_AndCleanUpThere(string encoding)
    {
        // Byte strings, dates, enumerations named by an Attribute Name, masks, Locate with identifiers from earlier files.
        string[] files = [Vector("SKLC-M-1-14.xml"), Vector("TL-M-2-14.xml"), Vector("CS-BC-M-1-14.xml"), Vector("SKLC-M-2-14.xml")];
        using var run = await Cli.RunAsync(["vectors", "--transport", "https", "--encoding", encoding, "--target", server.HttpsTarget, "--pki", server.Pki.Directory, .. files]);

        run.ExitCode.Should().Be(0, run.Describe());
        run.StdoutLines.Where(l => l.StartsWith("PASS ")).Should().HaveCount(files.Length);
        // TL-M-2 leaves its tape key; the others destroy their own objects.
        run.StdoutLines.Should().Contain(l => l.StartsWith("cleaned up 1 object (revoked if active, destroyed);"));
        run.StdoutLines.Last().Should().Be($"{files.Length} passed, 0 failed");
    }

    [Fact]
    public async Task Vectors_OverHttpsAsFreshClients_CleanUpWithEachClientsIdentity()
    {
        using var run = await Cli.RunAsync("vectors", "--fresh-client", "--transport", "https", "--encoding", "xml", "--target", server.HttpsTarget,
            "--pki", server.Pki.Directory, Vector("SKLC-M-1-14.xml"), Vector("TL-M-2-14.xml"));

        run.ExitCode.Should().Be(0, run.Describe());
        run.StdoutLines.Should().Contain("cleaned up the objects of 2 fresh clients, each with its own identity");
        run.StdoutLines.Last().Should().Be("2 passed, 0 failed");
    }

    [Fact]
    public async Task Vectors_HttpsTransportAgainstTheTlsPort_FailsSayingTheExchangeFailed()
    {
        using var run = await Cli.RunAsync("vectors", "--transport", "https", "--target", server.Target, "--pki", server.Pki.Directory, Vector("SKLC-M-1-14.xml"));

        run.ExitCode.Should().Be(1, run.Describe());
        run.StdoutLines.Should().Contain(l => l.StartsWith("FAIL SKLC-M-1-14.xml: step 0: the exchange failed"));
    }

    [Fact]
    public async Task Vectors_FreshClientWithoutTheCasKey_ExitsWith2SayingWhy()
    {
        var pki = Path.Combine(Path.GetTempPath(), $"harness-pki-no-ca-key-{Guid.NewGuid():N}");
        Directory.CreateDirectory(pki);
        try
        {
            foreach (var file in new[] { "ca.crt", "client.crt", "client.key" }) File.Copy(Path.Combine(server.Pki.Directory, file), Path.Combine(pki, file));

            using var run = await Cli.RunAsync("vectors", "--fresh-client", "--target", server.Target, "--pki", pki, Vector("SKLC-M-1-14.xml"));

            run.ExitCode.Should().Be(2, run.Describe());
            Cli.ReasonOf(run).Should().Be($"harness vectors: --fresh-client issues client certificates with the CA's key: {Path.Combine(pki, "ca.key")} does not exist");
        }
        finally { Directory.Delete(pki, recursive: true); }
    }

    [Fact]
    public async Task Vectors_MissingFile_ExitsWith2()
    {
        using var run = await Cli.RunAsync("vectors", "--target", server.Target, "--pki", server.Pki.Directory, "/nonexistent/vector.xml");

        Cli.ReasonOf(run).Should().Contain("/nonexistent/vector.xml").And.Contain("neither a file nor a folder");
    }

    [Fact]
    public async Task Vectors_NothingListens_PrintsFailAndExitsWith1()
    {
        var port = RepoPaths.FreePort();

        using var run = await Cli.RunAsync("vectors", "--target", $"127.0.0.1:{port}", "--pki", server.Pki.Directory, Vector("SKLC-M-1-14.xml"));

        run.ExitCode.Should().Be(1, run.Describe());
        run.StdoutLines.Should().Contain(l => l.StartsWith("FAIL SKLC-M-1-14.xml") && l.Contains("cannot connect"));
        run.StdoutLines.Last().Should().Be("0 passed, 1 failed");
    }

    [Theory]
    [InlineData("create")]
    [InlineData("get")]
    [InlineData("encrypt")]
    [InlineData("sign")]
    [InlineData("mac")]
    [InlineData("hash")]
    [InlineData("rng")]
    [InlineData("create-key-pair")]
    public async Task Bench_TwoConnectionsOneSecond_PrintsOpsPerSecondPercentilesAndNoErrors(string op)
    {
        using var run = await Cli.RunAsync("bench", "--target", server.Target, "--pki", server.Pki.Directory,
            "--op", op, "--connections", "2", "--seconds", "1");

        run.ExitCode.Should().Be(0, run.Describe());
        var line = run.StdoutLines.Should().ContainSingle(l => l.StartsWith(op + ":")).Subject;
        var m = Regex.Match(line, $@"^{Regex.Escape(op)}: (?<ops>[\d,]+) ops/s, p50 (?<p50>\d+(\.\d+)?) ms, p99 (?<p99>\d+(\.\d+)?) ms, 0 errors");
        m.Success.Should().BeTrue($"'{line}' should read like 'create: N ops/s, p50 X ms, p99 Y ms, 0 errors'");
        int.Parse(m.Groups["ops"].Value.Replace(",", "")).Should().BePositive();
        double.Parse(m.Groups["p99"].Value).Should().BeGreaterThanOrEqualTo(double.Parse(m.Groups["p50"].Value));
    }

    [Fact]
    public async Task Bench_UnknownOp_ExitsWith2()
    {
        using var run = await Cli.RunAsync("bench", "--target", server.Target, "--pki", server.Pki.Directory, "--op", "destroy");

        Cli.ReasonOf(run).Should().Contain("--op must be one of get, create, encrypt, sign, mac, hash, rng, create-key-pair, not 'destroy'");
    }

    [Fact]
    public async Task Bench_Ceiling_PrintsTheCannedReplyServersRateAndTheShareTheKmsReached()
    {
        using var run = await Cli.RunAsync("bench", "--target", server.Target, "--pki", server.Pki.Directory,
            "--op", "get", "--connections", "2", "--seconds", "1", "--ceiling");

        run.ExitCode.Should().Be(0, run.Describe());
        var line = run.StdoutLines.Should().ContainSingle(l => l.StartsWith("ceiling:")).Subject;
        Regex.IsMatch(line, @"^ceiling: [\d,]+ ops/s, p50 .* ms, p99 .* ms, 0 errors \(a TLS server process on this machine answering canned bytes\); the KMS reached \d+% of it$")
            .Should().BeTrue(line);
    }

    [Fact]
    public async Task Fuzz_300Messages_NothingHangsTheOtherClientIsServed_AndWhatItMadeIsDestroyed()
    {
        var before = await LiveObjectsAsync();

        using var run = await Cli.RunAsync("fuzz", "--target", server.Target, "--pki", server.Pki.Directory,
            "--messages", "300", "--seed", "7", "--connections", "2", "--seconds", "80");

        run.ExitCode.Should().Be(0, run.Describe());
        run.StdoutLines.Should().Contain(l => l.StartsWith("fuzz: 300 messages (seed 7)"));
        run.StdoutLines.Should().Contain(l => l.StartsWith("  result reasons: "));
        run.StdoutLines.Should().Contain("fuzz: PASSED (no hang; the other client was never refused nor kept waiting a second)");
        run.StdoutLines.Should().Contain(l => l.StartsWith("cleaned up "));
        (await LiveObjectsAsync()).Should().BeEquivalentTo(before, "the fuzzing's objects and the probe's key are destroyed");
    }

    [Fact]
    public async Task Fuzz_AServerThatNeverAnswers_CountsHangs_AndSavesEachMessageThatHung()
    {
        using var pki = TestPki.CreateInMemory();
        await using var silent = new Harness.Cli.Bench.CannedReplyServer(pki.Server, []); // reads every message, answers nothing
        using var saved = new TempDir("harness-fuzz-hangs-");
        var options = new Harness.Kmip.Client.KmipClientOptions
        {
            Host = "127.0.0.1", Port = silent.Endpoint.Port, ClientCertificate = pki.Client, TrustedCa = pki.Ca.PublicCertificate,
        };

        var folder = Path.Combine(saved.Path, "not", "there", "yet");
        // The server never answers: any wait is a hang, so half a second proves it as well as the default 5 s.
        var report = await new Harness.Cli.Fuzzing.FuzzRun(options, seed: 1, messages: 3, limit: TimeSpan.FromSeconds(60), connections: 1,
                hang: TimeSpan.FromMilliseconds(500))
            .RunAsync(null, _ => { }, TestContext.Current.CancellationToken, folder);

        report.Hung.Should().BeGreaterThan(0);
        report.SavedHangs.Should().HaveCount((int)report.Hung);
        foreach (var file in report.SavedHangs)
        {
            Path.GetDirectoryName(file).Should().Be(folder, "the folder is made when it does not exist");
            new FileInfo(file).Length.Should().BeGreaterThanOrEqualTo(8, "the message that hung, from its header on");
        }
        report.Lines(1).Should().Contain(l => l.StartsWith("  messages that hung: ") && l.Contains("hang-1.ttlv"));
        report.Passed.Should().BeFalse();
    }

    [Fact]
    public async Task Fuzz_SaveIsAFile_ExitsWith2BeforeSendingAnything()
    {
        using var dir = new TempDir("harness-fuzz-save-");
        var file = Path.Combine(dir.Path, "not-a-folder");
        File.WriteAllText(file, "x");

        using var run = await Cli.RunAsync("fuzz", "--target", server.Target, "--pki", server.Pki.Directory, "--save", file);

        Cli.ReasonOf(run).Should().Contain("--save").And.Contain("is a file").And.Contain("hang-N.ttlv");
    }

    [Fact]
    public async Task Fuzz_TargetBeyondThisMachine_ExitsWith2()
    {
        using var run = await Cli.RunAsync("fuzz", "--target", "10.1.2.3:5696", "--pki", server.Pki.Directory);

        Cli.ReasonOf(run).Should().Contain("only to this machine").And.Contain("10.1.2.3");
    }

    [Fact]
    public void MessageMutator_SameSeed_SameMessages_OtherSeed_Others()
    {
        static List<byte[]> Take(int seed) { var m = new Harness.Cli.Fuzzing.MessageMutator(seed); return Enumerable.Range(0, 50).Select(_ => m.Next()).ToList(); }
        var a = Take(3);
        var b = Take(3);
        var c = Take(4);
        a.Zip(b).Should().OnlyContain(p => Enumerable.SequenceEqual(p.First, p.Second));
        a.Zip(c).Should().Contain(p => !Enumerable.SequenceEqual(p.First, p.Second));
    }

    /// <summary>The IDs of the objects on the server that are not destroyed (through its admin interface).</summary>
    private async Task<List<string>> LiveObjectsAsync()
    {
        using var http = new HttpClient { BaseAddress = server.Serve.AdminUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", (await File.ReadAllTextAsync(server.Serve.AdminTokenFile, TestContext.Current.CancellationToken)).Trim());
        var objects = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("objects", TestContext.Current.CancellationToken)).RootElement;
        return objects.EnumerateArray().Where(o => o.GetProperty("state").GetString() != "Destroyed").Select(o => o.GetProperty("id").GetString()!).ToList();
    }

    private static int Counted(ChildProcess run, string pattern)
    {
        var line = run.StdoutLines.Should().ContainSingle(l => Regex.IsMatch(l, pattern), run.Describe()).Subject;
        return int.Parse(Regex.Match(line, pattern).Groups[1].Value, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Vectors_ThatRegisterKeys_LeaveTheServerWithTheObjectsItHad()
    {
        var before = await LiveObjectsAsync();

        using var dir = new TempDir("harness-vectors-");
        using var run = await Cli.RunAsync("vectors", "--target", server.Target, "--pki", server.Pki.Directory, VectorThatLeavesAKey(dir));

        Counted(run, @"^cleaned up (\d+) objects? \(revoked if active, destroyed\)$").Should().BePositive("the vector registers a key and stops before destroying it");
        (await LiveObjectsAsync()).Should().BeEquivalentTo(before);
        run.StdoutLines.Last().Should().MatchRegex(@"^\d passed, \d failed$");
    }

    [Fact]
    public async Task Vectors_Keep_LeavesTheObjectsTheyMadeAndSaysHowMany()
    {
        var before = await LiveObjectsAsync();

        using var dir = new TempDir("harness-vectors-");
        using var run = await Cli.RunAsync("vectors", "--keep", "--target", server.Target, "--pki", server.Pki.Directory, VectorThatLeavesAKey(dir));

        var kept = Counted(run, @"^kept (\d+) objects? on the server \(--keep\)$");
        var after = await LiveObjectsAsync();
        after.Except(before).Should().HaveCount(kept).And.NotBeEmpty();
    }

    [Fact]
    public async Task Vectors_AServerThatAnswersAnError_FailLineCarriesItsResultReasonAndMessage()
    {
        using var dir = new TempDir("harness-vectors-user-");
        // A KMS that requires a Credential refuses the vectors' messages, which carry their own headers.
        using var kms = await ServeProcess.StartAsync(server.Pki.Directory, dir.Sub("data"), null, "--user", "alice:secret");

        using var run = await Cli.RunAsync("vectors", "--target", $"127.0.0.1:{kms.Port}", "--pki", server.Pki.Directory, Vector("SKLC-M-1-14.xml"));

        run.ExitCode.Should().Be(1, run.Describe());
        run.StdoutLines.Should().ContainSingle(l => l.StartsWith("FAIL SKLC-M-1-14.xml: ")).Which
            .Should().MatchRegex(@"\(the server answered .+ with Result Reason [A-Za-z]+, Result Message "".+""\)$");
    }

    [Theory]
    [InlineData("create")]
    [InlineData("get")]
    [InlineData("sign")]
    [InlineData("create-key-pair")]
    public async Task Bench_DestroysTheKeysItMade(string op)
    {
        var before = await LiveObjectsAsync();

        using var run = await Cli.RunAsync("bench", "--target", server.Target, "--pki", server.Pki.Directory, "--op", op, "--connections", "2", "--seconds", "1");

        run.ExitCode.Should().Be(0, run.Describe());
        var operations = Counted(run, @"^[\w-]+: .* ([\d,]+) operations\)$");
        var cleaned = Counted(run, @"^cleaned up (\d+) keys? \(revoked if active, destroyed\)$");
        cleaned.Should().Be(op switch { "create" => operations, "create-key-pair" => 2 * operations, "sign" => 2, _ => 1 },
            "each create made a key and each create-key-pair two; get made the key it fetches, sign the pair it signs with");
        (await LiveObjectsAsync()).Should().BeEquivalentTo(before);
    }

    [Fact]
    public async Task Bench_Keep_LeavesTheKeysOnTheServer()
    {
        var before = await LiveObjectsAsync();

        using var run = await Cli.RunAsync("bench", "--keep", "--target", server.Target, "--pki", server.Pki.Directory, "--op", "create", "--seconds", "1");

        run.ExitCode.Should().Be(0, run.Describe());
        var kept = Counted(run, @"^kept (\d+) keys? on the server \(--keep\)$");
        (await LiveObjectsAsync()).Except(before).Should().HaveCount(kept).And.NotBeEmpty();
    }

    [Fact]
    public async Task Bench_WithStderrRedirected_WritesNoProgressLine()
    {
        using var run = await Cli.RunAsync("bench", "--target", server.Target, "--pki", server.Pki.Directory, "--seconds", "1");

        run.ExitCode.Should().Be(0, run.Describe());
        run.Stderr.Should().BeEmpty();
    }
}
