namespace Harness.Cli.Tests;

/// <summary>Exit code 2 and a one-line reason on stderr for bad usage (README: "Exit codes").</summary>
public sealed class UsageTests
{
    [Fact]
    public async Task UnknownCommand_ExitsWith2AndNamesIt()
    {
        using var run = await Cli.RunAsync("frobnicate");

        var reason = Cli.ReasonOf(run);
        reason.Should().Contain("unknown command 'frobnicate'").And.Contain("pki").And.Contain("serve");
    }

    [Theory]
    [InlineData("pki", "init", "--out", "/tmp/never-written", "--colour", "blue")]
    [InlineData("bench", "--target", "127.0.0.1:1", "--pki", "/tmp", "--colour", "blue")]
    [InlineData("vectors", "--target", "127.0.0.1:1", "--pki", "/tmp", "--colour", "blue", "x.xml")]
    public async Task UnknownOption_ExitsWith2AndNamesIt(params string[] args)
    {
        using var run = await Cli.RunAsync(args);

        Cli.ReasonOf(run).Should().Contain("unknown option --colour");
        Directory.Exists("/tmp/never-written").Should().BeFalse("a rejected command writes nothing");
    }

    [Theory]
    [InlineData("--transport", "http", "--transport is tls or https, not 'http'")]
    [InlineData("--encoding", "yaml", "--encoding is ttlv, xml or json, not 'yaml'")]
    [InlineData("--encoding", "XML", "--encoding is ttlv, xml or json, not 'XML'")]
    [InlineData("--encoding", "json", "--encoding json needs --transport https: KMIP over plain TLS is TTLV only")]
    public async Task Vectors_BadTransportOrEncoding_ExitsWith2SayingWhy(string option, string value, string reason)
    {
        var file = Path.Combine(Harness.Testing.RepoPaths.Shared, "kmip-vectors", "v1.4", "XML", "mandatory", "SKLC-M-1-14.xml");

        using var run = await Cli.RunAsync("vectors", "--target", "127.0.0.1:1", "--pki", "/tmp", option, value, file);

        run.ExitCode.Should().Be(2, run.Describe());
        Cli.ReasonOf(run).Should().StartWith("harness vectors: " + reason);
    }

    [Fact]
    public async Task UnknownOption_ServeWithValidPki_ExitsWith2BeforeListening()
    {
        using var dir = new Harness.Testing.TempDir();
        Harness.Pki.TestPki.Init(dir.Sub("pki"));

        using var run = await Cli.RunAsync("serve", "--kmip", "127.0.0.1:0", "--data", dir.Sub("data"), "--pki", dir.Sub("pki"), "--colour", "blue");

        Cli.ReasonOf(run).Should().Contain("unknown option --colour");
        Directory.Exists(dir.Sub("data")).Should().BeFalse("the server never started");
    }

    [Theory]
    [InlineData("run")]
    [InlineData("certify")]
    [InlineData("bench")]
    [InlineData("play")]
    public async Task Help_AfterACommand_IsNotAValueItNeeds(string command)
    {
        using var run = await Cli.RunAsync(command, "--help");

        run.ExitCode.Should().Be(0, run.Describe());
        run.Stdout.Should().Contain("Options:");
    }

    [Theory]
    [InlineData("--encrypted", "2", "--encrypted must be a share from 0 to 1 (0.3: every third VM), not '2'")]
    [InlineData("--encrypted", "lots", "--encrypted must be a share from 0 to 1 (0.3: every third VM), not 'lots'")]
    [InlineData("--vms-per-host", "x", "--vms-per-host must be a non-negative whole number, not 'x'")]
    [InlineData("--clusters", "0", "--clusters must be a positive whole number, not '0'")]
    [InlineData("--hosts-per-cluster", "none", "--hosts-per-cluster must be a positive whole number, not 'none'")]
    public async Task Demo_BadSiteSize_ExitsWith2BeforeBuildingAnything(string option, string value, string reason)
    {
        using var dir = new Harness.Testing.TempDir();

        using var run = await Cli.RunAsync("demo", "--dir", dir.Sub("demo"), option, value);

        Cli.ReasonOf(run).Should().Contain(reason);
        Directory.Exists(dir.Sub("demo")).Should().BeFalse("the demo never started");
    }

    [Fact]
    public async Task OptionWithoutValue_ExitsWith2()
    {
        using var run = await Cli.RunAsync("pki", "init", "--out");

        Cli.ReasonOf(run).Should().Contain("--out needs a value");
    }

    [Fact]
    public async Task NoArguments_PrintsUsageAndAReasonOnStderrAndExitsWith2()
    {
        using var run = await Cli.RunAsync();

        run.ExitCode.Should().Be(2);
        run.Stderr.Should().Contain("./harness pki init --out DIR").And.Contain("Exit codes").And.Contain("no command given");
        run.Stdout.Should().BeEmpty();
    }

    [Fact]
    public async Task Help_PrintsUsageAndExitsWith0()
    {
        using var run = await Cli.RunAsync("--help");

        run.ExitCode.Should().Be(0);
        run.Stdout.Should().Contain("./harness serve [--kmip HOST:PORT] --data DIR --pki DIR").And.Contain("Exit codes");
    }
}
