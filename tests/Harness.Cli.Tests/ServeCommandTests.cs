using System.Net;
using System.Net.Sockets;
using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Pki;
using Harness.Testing;

namespace Harness.Cli.Tests;

[Collection(ServerProcesses.Name)]
public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_MissingPkiDirectory_ExitsWith2AndSaysHowToCreateOne()
    {
        using var dir = new TempDir();
        var missing = dir.Sub("no-such-pki");

        using var run = await Cli.RunAsync("serve", "--kmip", "127.0.0.1:0", "--data", dir.Sub("data"), "--pki", missing);

        Cli.ReasonOf(run).Should().Contain(Path.Combine(missing, "ca.crt")).And.Contain("does not exist").And.Contain("pki init");
        Directory.Exists(dir.Sub("data")).Should().BeFalse("nothing is created when the command is refused");
    }

    [Theory]
    [InlineData("mysql://kms@db:3306/keys", "harness serve: --store is sqlite or postgres://USER[:PASS]@HOST:PORT/DB, not 'mysql://kms@db:3306/keys'")]
    [InlineData("postgres://db:5432/keys", "harness serve: --store: 'postgres://db:5432/keys' names no user: use postgres://USER[:PASS]@HOST:PORT/DB")]
    [InlineData("postgres://kms:secret@db:5432/", "harness serve: --store: 'postgres://kms:***@db:5432/' names no database (or more than one path segment): use postgres://USER[:PASS]@HOST:PORT/DB")]
    public async Task Serve_StoreNeitherSqliteNorAPostgresLocation_ExitsWith2SayingWhatIsWrong(string store, string reason)
    {
        using var dir = new TempDir();
        TestPki.Init(dir.Sub("pki"));

        using var run = await Cli.RunAsync("serve", "--kmip", "127.0.0.1:0", "--data", dir.Sub("data"), "--pki", dir.Sub("pki"), "--store", store);

        Cli.ReasonOf(run).Should().Be(reason);
        Directory.Exists(dir.Sub("data")).Should().BeFalse("nothing is created when the command is refused");
    }

    [Fact]
    public async Task Serve_NoPkiOption_ExitsWith2()
    {
        using var dir = new TempDir();

        using var run = await Cli.RunAsync("serve", "--kmip", "127.0.0.1:0", "--data", dir.Sub("data"));

        Cli.ReasonOf(run).Should().Be("harness serve: --pki is required");
    }

    [Fact]
    public async Task Serve_PortAlreadyInUse_ExitsWith2AndNamesTheEndpoint()
    {
        using var dir = new TempDir();
        TestPki.Init(dir.Sub("pki"));
        using var taken = TakenPort(out var port);

        using var run = await Cli.RunAsync("serve", "--kmip", $"127.0.0.1:{port}", "--data", dir.Sub("data"), "--pki", dir.Sub("pki"));

        Cli.ReasonOf(run).Should().Contain($"cannot listen on 127.0.0.1:{port}");
    }

    [Fact]
    public async Task Serve_Sigint_StopsCleanlyWithExitCode0AndKeepsTheData()
    {
        using var dir = new TempDir();
        var pki = TestPki.Init(dir.Sub("pki"));
        string id;
        using (var serve = await ServeProcess.StartAsync(pki.Directory, dir.Sub("data")))
        {
            await using (var client = await KmipClient.ConnectAsync(KmipClientOptions.FromPki("127.0.0.1", serve.Port, pki)))
                id = await new KmipOperations(client, ProtocolVersion.V1_4).CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);

            // A shell that starts the tests in the background makes them ignore SIGINT, and the server inherits that
            // (.NET then leaves SIGINT ignored): there, the same clean stop is asked for with SIGTERM.
            var signal = SigIntIgnoredHere() ? "-TERM" : "-INT";
            using (var kill = await ChildProcess.RunAsync("kill", [signal, serve.Process.Id.ToString()], TimeSpan.FromSeconds(10)))
                kill.ExitCode.Should().Be(0);
            var exit = await serve.Process.WaitForExitAsync(TimeSpan.FromSeconds(30));

            exit.Should().Be(0, serve.Process.Describe());
            serve.Process.Stdout.Should().Contain("stopping");
        }

        using var again = await ServeProcess.StartAsync(pki.Directory, dir.Sub("data"));
        again.ObjectsAtStart.Should().Be(1);
        await using var second = await KmipClient.ConnectAsync(KmipClientOptions.FromPki("127.0.0.1", again.Port, pki));
        (await new KmipOperations(second, ProtocolVersion.V1_4).GetAsync(id)).KeyMaterial.Should().HaveCount(32);
    }

    [Fact]
    public async Task Serve_AdminNotOnLoopback_ExitsWith2InOneLine_AndCreatesNothing()
    {
        using var dir = new TempDir();
        TestPki.Init(dir.Sub("pki"));

        using var run = await Cli.RunAsync("serve", "--kmip", "127.0.0.1:0", "--admin", "0.0.0.0:0", "--data", dir.Sub("data"), "--pki", dir.Sub("pki"));

        Cli.ReasonOf(run).Should().Contain("loopback only").And.Contain("0.0.0.0");
        Directory.Exists(dir.Sub("data")).Should().BeFalse();
    }

    [Fact]
    public async Task Serve_AdminPortInUse_ExitsWith2_AndLeavesNoDataFolder()
    {
        using var dir = new TempDir();
        TestPki.Init(dir.Sub("pki"));
        using var taken = TakenPort(out var port);

        using var run = await Cli.RunAsync("serve", "--kmip", "127.0.0.1:0", "--admin", $"127.0.0.1:{port}", "--data", dir.Sub("data"), "--pki", dir.Sub("pki"));

        Cli.ReasonOf(run).Should().Contain($"cannot listen on 127.0.0.1:{port} (admin interface)");
        Directory.Exists(dir.Sub("data")).Should().BeFalse("a start that fails leaves no root.key, admin.token or kms.db behind");
    }

    [Fact]
    public async Task Serve_HttpsPortInUse_ExitsWith2_AndLeavesNoDataFolder()
    {
        using var dir = new TempDir();
        TestPki.Init(dir.Sub("pki"));
        using var taken = TakenPort(out var port);

        using var run = await Cli.RunAsync("serve", "--kmip", "127.0.0.1:0", "--https", $"127.0.0.1:{port}", "--data", dir.Sub("data"), "--pki", dir.Sub("pki"));

        Cli.ReasonOf(run).Should().Contain($"cannot listen on 127.0.0.1:{port} (KMIP HTTPS binding)");
        Directory.Exists(dir.Sub("data")).Should().BeFalse("a start that fails leaves no root.key, admin.token or kms.db behind");
    }

    [Fact]
    public async Task Serve_HttpsNotHostPort_ExitsWith2()
    {
        using var dir = new TempDir();
        TestPki.Init(dir.Sub("pki"));

        using var run = await Cli.RunAsync("serve", "--kmip", "127.0.0.1:0", "--https", "8443", "--data", dir.Sub("data"), "--pki", dir.Sub("pki"));

        Cli.ReasonOf(run).Should().Be("harness serve: --https must be HOST:PORT, not '8443'");
    }

    [Fact]
    public async Task Serve_Https_PrintsTheBindingsUrl_AndAnswersAnXmlQuery()
    {
        using var dir = new TempDir();
        var pki = TestPki.Init(dir.Sub("pki"));
        using var serve = await ServeProcess.StartAsync(pki.Directory, dir.Sub("data"), null, "--https", "127.0.0.1:0");

        serve.Process.StdoutLines.Should().Contain(l => l.StartsWith($"KMIP HTTPS binding: https://127.0.0.1:{serve.HttpsPort}/kmip"));
        await using var client = await KmipTransports.ConnectAsync(KmipClientOptions.FromPki("127.0.0.1", serve.HttpsPort!.Value, pki) with
        {
            Transport = KmipTransport.Https, Encoding = Harness.Kmip.Encodings.MessageEncoding.Xml,
        });
        var response = KmipResponse.Parse(await client.SendAsync(KmipRequests.Message(ProtocolVersion.V1_4, KmipBatchItems.Query([QueryFunction.QueryOperations]))));
        response.BatchItems[0].IsSuccess.Should().BeTrue();
    }

    [Fact]
    public async Task Serve_SecondServerOnTheSameData_ExitsWith2NamingTheFirstsPid()
    {
        using var dir = new TempDir();
        var pki = TestPki.Init(dir.Sub("pki"));
        using var first = await ServeProcess.StartAsync(pki.Directory, dir.Sub("data"));

        using var second = await Cli.RunAsync("serve", "--kmip", "127.0.0.1:0", "--data", dir.Sub("data"), "--pki", dir.Sub("pki"));

        Cli.ReasonOf(second).Should().Contain($"PID {first.Process.Id}").And.Contain("another Harness KMS");
        await using var client = await KmipClient.ConnectAsync(KmipClientOptions.FromPki("127.0.0.1", first.Port, pki));
        await new KmipOperations(client, ProtocolVersion.V1_4).CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
    }

    [Fact]
    public async Task Serve_LogFormatJson_WritesOneJsonObjectPerLogLine()
    {
        using var dir = new TempDir();
        var pki = TestPki.Init(dir.Sub("pki"));
        using var serve = await ServeProcess.StartAsync(pki.Directory, dir.Sub("data"), null, "--log-format", "json");

        var listening = serve.Process.StdoutLines.Single(l => l.Contains("KMIP server listening on"));
        using var json = System.Text.Json.JsonDocument.Parse(listening);
        json.RootElement.GetProperty("LogLevel").GetString().Should().Be("Information");
        json.RootElement.GetProperty("Message").GetString().Should().StartWith("KMIP server listening on");
    }

    [Theory]
    [InlineData("--read-timeout", "0")]
    [InlineData("--max-response", "-5")]
    public async Task Serve_LimitThatIsNotPositive_ExitsWith2(string option, string value)
    {
        using var dir = new TempDir();
        TestPki.Init(dir.Sub("pki"));

        using var run = await Cli.RunAsync("serve", "--kmip", "127.0.0.1:0", option, value, "--data", dir.Sub("data"), "--pki", dir.Sub("pki"));

        Cli.ReasonOf(run).Should().Contain($"{option} must be a");
    }

    /// <summary>A loopback port some other listener holds, until disposed.</summary>
    private static TcpListener TakenPort(out int port)
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        port = ((IPEndPoint)taken.LocalEndpoint).Port;
        return taken;
    }

    /// <summary>Whether this process ignores SIGINT (bit 2 of SigIgn in /proc/self/status); its children inherit that.</summary>
    private static bool SigIntIgnoredHere()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0;
    }

}

/// <summary>Tests that start `harness serve` children run one at a time (2 cores; the durability test wants the CPU).</summary>
[CollectionDefinition(Name)]
public sealed class ServerProcesses
{
    public const string Name = "harness serve child processes";
}
