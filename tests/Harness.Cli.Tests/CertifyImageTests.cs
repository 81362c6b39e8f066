using System.Text.Json;
using System.Text.RegularExpressions;
using Harness.Simulator.KmsAdministration;
using Harness.Testing;

namespace Harness.Cli.Tests;

/// <summary>
/// `harness certify --image`: the KMS under test ships as a container image. The Harness KMS itself is packaged as a
/// local image (tools/build-kms-image.sh from the Release build), certified Compatible and gone afterwards; bad inputs
/// end clearly and quickly: an image that is not there (never pulled), --target with --image, a container that exits
/// at once (Not compatible, quoting its output), no Docker at all. Docker must answer (`./harness test` starts it with
/// tools/start-dockerd.sh): without it these tests fail saying so, they do not skip.
/// </summary>
[Collection(ServerProcesses.Name)]
public sealed partial class CertifyImageTests(KmsImageFixture image) : IClassFixture<KmsImageFixture>
{
    private static JsonElement ReadJson(string folder) => JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "report.json"))).RootElement;

    [GeneratedRegex(@"as (harness-certify-[0-9a-f]+)")]
    private static partial Regex ContainerName();

    /// <summary>The container certify named in its output ("… as harness-certify-…") no longer exists.</summary>
    private static async Task AssertContainerRemovedAsync(ChildProcess run)
    {
        var name = ContainerName().Match(run.Stdout).Groups[1].Value;
        name.Should().NotBeEmpty(run.Stdout);
        (await KmsImageFixture.ContainerExistsAsync(name)).Should().BeFalse($"certify removes its container {name}");
    }

    [Fact]
    public async Task CertifyImage_TheHarnessKmsImage_IsCompatibleAndTheContainerIsGoneAfterwards()
    {
        var tag = image.Tag;
        using var dir = new TempDir("harness-certify-image-");
        // The container sees the test's folder as /work: the PKI, and the data folder whose admin.token the KMS
        // administrator's steps (tools/harness-admin-command.sh, through --admin-command) need.
        var pki = dir.Sub("pki");
        (await Cli.RunAsync("pki", "init", "--out", pki)).ExitCode.Should().Be(0);
        int port = RepoPaths.FreePort(), admin = RepoPaths.FreePort();
        var adminCommand = Cli.HarnessAdminCommand(dir, new Uri($"http://127.0.0.1:{admin}/"), dir.Sub("data/admin.token"));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var run = await Cli.RunAsync("certify", "--image", tag, "--port", port.ToString(), "--pki", pki, "--out", dir.Sub("out"),
            "--connections", "8", "--image-timeout", "60",
            "--image-command", $"serve --kmip 127.0.0.1:{port} --data /work/data --pki /work/pki --admin 127.0.0.1:{admin}",
            "--mount", $"{dir.Path}:/work", "--admin-command", adminCommand);
        var took = clock.Elapsed;

        run.ExitCode.Should().Be(0, run.Describe());
        run.Stdout.Should().Contain("Verdict: Compatible");
        var json = ReadJson(dir.Sub("out"));
        json.GetProperty("verdict").GetString().Should().Be("Compatible");
        json.GetProperty("target").GetString().Should().Be($"127.0.0.1:{port}");
        var requirements = json.GetProperty("requirements").EnumerateArray().ToList();
        requirements.Select(r => r.GetProperty("id").GetString()).Should().Contain(["I1", "T1", "T3", "T5", "C1", "C2", "C5", "C11", "C12", "R1", "R10"]);
        requirements.Should().OnlyContain(r => r.GetProperty("outcome").GetString() == "Passed", run.Stdout);
        // The report names what was certified: the tag and the local image id.
        json.GetProperty("image").GetProperty("tag").GetString().Should().Be(tag);
        json.GetProperty("image").GetProperty("id").GetString().Should().Be(image.Id);
        File.ReadAllText(dir.Sub("out/report.html")).Should().Contain(tag).And.Contain(image.Id);
        File.ReadAllText(dir.Sub("out/report.xml")).Should().Contain(image.Id);

        await AssertContainerRemovedAsync(run);
        took.Should().BeLessThan(TimeSpan.FromSeconds(60), run.Stdout);
    }

    [Fact]
    public async Task CertifyImage_AContainerThatExitsAtOnce_IsNotCompatibleQuotingItsOutput()
    {
        var tag = image.Tag;
        using var dir = new TempDir("harness-certify-image-");
        var pki = dir.Sub("pki");
        (await Cli.RunAsync("pki", "init", "--out", pki)).ExitCode.Should().Be(0);
        int port = RepoPaths.FreePort();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        // No --mount: the KMS finds no PKI in the container and stops with a message on stderr.
        using var run = await Cli.RunAsync("certify", "--image", tag, "--port", port.ToString(), "--pki", pki, "--out", dir.Sub("out"),
            "--image-timeout", "120", "--image-command", $"serve --kmip 127.0.0.1:{port} --data /data --pki /no-such-pki");

        run.ExitCode.Should().Be(1, run.Describe());
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(25), "an exited container is noticed at once, not after --image-timeout");
        run.Stdout.Should().Contain("Verdict: Not compatible");
        var json = ReadJson(dir.Sub("out"));
        json.GetProperty("verdict").GetString().Should().Be("NotCompatible");
        var reason = json.GetProperty("reason").GetString();
        reason.Should().StartWith("I1").And.Contain("exited with code").And.Contain("/no-such-pki/ca.crt does not exist", "the reason quotes the container's output");
        var rows = json.GetProperty("requirements").EnumerateArray().ToList();
        rows.Where(r => r.GetProperty("id").GetString() != "I1").Should().OnlyContain(r => r.GetProperty("outcome").GetString() == "Skipped");
        // The recovery scenarios the run announced are there too, skipped for the same reason.
        rows.Where(r => r.GetProperty("area").GetString() == "Recovery scenarios").Should().NotBeEmpty()
            .And.OnlyContain(r => r.GetProperty("detail").GetString() == "not run: I1 failed");
        json.GetProperty("image").GetProperty("tag").GetString().Should().Be(tag);

        await AssertContainerRemovedAsync(run);
    }

    [Fact]
    public async Task CertifyImage_AKmsThatNeverListensOnThePort_IsNotCompatibleAfterTheImageTimeout()
    {
        var tag = image.Tag;
        using var dir = new TempDir("harness-certify-image-");
        int port = RepoPaths.FreePort(), other = RepoPaths.FreePort();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The KMS listens, but on another port than --port says.
        using var run = await Cli.RunAsync("certify", "--image", tag, "--port", port.ToString(), "--pki", image.Pki, "--out", dir.Sub("out"),
            "--image-timeout", "4", "--image-command", $"serve --kmip 127.0.0.1:{other} --data /data --pki /pki", "--mount", $"{image.Pki}:/pki:ro");

        run.ExitCode.Should().Be(1, run.Describe());
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "--image-timeout 4 bounds the wait");
        var reason = ReadJson(dir.Sub("out")).GetProperty("reason").GetString();
        reason.Should().Contain($"nothing accepted connections on 127.0.0.1:{port} within 4 s")
            .And.Contain($"listening on 127.0.0.1:{other}", "the reason quotes the container's output");
        await AssertContainerRemovedAsync(run);
    }

    [Fact]
    public async Task CertifyImage_AnImageThatIsNotThere_ExitsWith2SayingHarnessNeverPulls()
    {
        _ = image.Tag; // Docker answers (else this would test the no-Docker message)
        using var dir = new TempDir("harness-certify-image-");
        var missing = $"harness-kms-missing:{Guid.NewGuid():N}"[..32];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var run = await Cli.RunAsync("certify", "--image", missing, "--port", RepoPaths.FreePort().ToString(),
            "--pki", image.Pki, "--out", dir.Sub("out"));

        Cli.ReasonOf(run).Should().Contain(missing).And.Contain("never pulls");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20));
        Directory.Exists(dir.Sub("out")).Should().BeFalse("nothing was tested, so there is no report");
    }

    [Theory]
    [InlineData(new[] { "--port", "0" }, "--port must be 1 to 65535, not '0'")]
    [InlineData(new[] { "--port", "abc" }, "--port must be 1 to 65535, not 'abc'")]
    [InlineData(new string[0], "--image needs --port N")]
    [InlineData(new[] { "--port", "5696", "--image-timeout", "0" }, "--image-timeout must be 1 to 3600 seconds, not 0")]
    [InlineData(new[] { "--port", "5696", "--mount", "/tmp" }, "--mount must be HOSTDIR:CONTAINERDIR or HOSTDIR:CONTAINERDIR:ro, not '/tmp'")]
    [InlineData(new[] { "--port", "5696", "--mount", "/tmp:relative" }, "with an absolute CONTAINERDIR")]
    [InlineData(new[] { "--port", "5696", "--mount", "/no/such/dir:/pki" }, "--mount: /no/such/dir does not exist")]
    public async Task CertifyImage_BadImageOptions_AreUsageErrorsBeforeDockerIsAsked(string[] options, string message)
    {
        using var dir = new TempDir("harness-certify-image-");
        using var run = await Cli.RunAsync(["certify", "--image", "harness-kms:never-started", "--pki", image.Pki, "--out", dir.Sub("out"), .. options]);
        Cli.ReasonOf(run).Should().Contain(message);
        Directory.Exists(dir.Sub("out")).Should().BeFalse();
    }

    [Fact]
    public async Task CertifyImage_APortSomethingAlreadyAnswersOn_ExitsWith2BeforeStartingAnything()
    {
        _ = image.Tag;
        using var dir = new TempDir("harness-certify-image-");
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        using var run = await Cli.RunAsync("certify", "--image", image.Tag, "--port", port.ToString(), "--pki", image.Pki, "--out", dir.Sub("out"));
        Cli.ReasonOf(run).Should().Contain(port.ToString());
        run.Stdout.Should().NotContain("starting");
        Directory.Exists(dir.Sub("out")).Should().BeFalse();
    }

    [Fact]
    public async Task CertifyImage_WithTarget_IsAUsageError()
    {
        using var dir = new TempDir("harness-certify-image-");
        using var run = await Cli.RunAsync("certify", "--target", "127.0.0.1:5696", "--image", "harness-kms:any", "--port", "5696",
            "--pki", dir.Path, "--out", dir.Sub("out"));

        Cli.ReasonOf(run).Should().Contain("--target and --image are mutually exclusive");
    }

    [Fact]
    public async Task CertifyImage_WithoutDocker_ExitsWith2SayingHowToStartIt()
    {
        using var dir = new TempDir("harness-certify-image-");
        var pki = dir.Sub("pki");
        (await Cli.RunAsync("pki", "init", "--out", pki)).ExitCode.Should().Be(0);
        using var run = ChildProcess.Start(Cli.Dotnet, [Cli.HarnessDll, "certify", "--image", "harness-kms:any", "--port", "5696",
            "--pki", pki, "--out", dir.Sub("out")], environment: new Dictionary<string, string> { ["DOCKER_HOST"] = $"unix://{dir.Sub("no-docker.sock")}" });
        await run.WaitForExitAsync(Cli.DefaultTimeout);

        Cli.ReasonOf(run).Should().Contain("Docker is not running").And.Contain("tools/start-dockerd.sh");
    }
}

/// <summary>
/// The Harness KMS as a local image, built once for the class with tools/build-kms-image.sh from the Release build of
/// tools/Harness.Cli (the build the tests run on), tagged uniquely and removed at the end. When Docker does not answer,
/// every test that needs it fails with the reason.
/// </summary>
public sealed class KmsImageFixture : IAsyncLifetime
{
    private readonly TempDir _dir = new("harness-kms-image-");
    private string? _tag, _id, _error;

    public string Pki => _dir.Sub("pki");

    public async ValueTask InitializeAsync()
    {
        (await Cli.RunAsync("pki", "init", "--out", Pki)).ExitCode.Should().Be(0);
        using var info = await DockerAsync(TimeSpan.FromSeconds(30), "info", "--format", "{{.ServerVersion}}");
        if (info is not { ExitCode: 0 })
        {
            _error = "Docker does not answer (`docker info` failed), so certify --image cannot be tested. `./harness test` " +
                     "starts it with tools/start-dockerd.sh when run as root; otherwise run `sudo tools/start-dockerd.sh` first.\n" +
                     (info?.Describe(10) ?? "no docker command on PATH");
            return;
        }
        var app = HarnessBuild();
        var tag = $"harness-kms-test:{Guid.NewGuid():N}"[..29];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var build = ChildProcess.Start("bash", [Path.Combine(RepoPaths.Root, "tools", "build-kms-image.sh"), app, tag]);
        try { await build.WaitForExitAsync(TimeSpan.FromSeconds(180)); }
        catch (TimeoutException e) { _error = e.Message; return; }
        if (build.ExitCode != 0)
        {
            _error = $"tools/build-kms-image.sh {app} {tag} failed:\n{build.Describe()}";
            return;
        }
        _tag = tag;
        _id = build.Stdout.Trim().Split(' ')[0];
        TestContext.Current.SendDiagnosticMessage($"image {tag} ({_id}) built from {app} in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>The image's tag; fails the test (with the reason) when Docker or the image build did not work.</summary>
    public string Tag => _tag ?? throw new InvalidOperationException(_error ?? "no image");

    /// <summary>The image's id (sha256:…).</summary>
    public string Id => _id ?? throw new InvalidOperationException(_error ?? "no image");

    public async ValueTask DisposeAsync()
    {
        if (_tag is not null) (await DockerAsync(TimeSpan.FromSeconds(60), "rmi", "-f", _tag))?.Dispose();
        _dir.Dispose();
    }

    /// <summary>Whether Docker still knows a container of that name (running or stopped).</summary>
    public static async Task<bool> ContainerExistsAsync(string name)
    {
        using var ps = await DockerAsync(TimeSpan.FromSeconds(30), "ps", "-a", "-q", "--filter", $"name={name}");
        ps.Should().NotBeNull();
        ps!.ExitCode.Should().Be(0, ps.Describe());
        return ps.Stdout.Trim().Length > 0;
    }

    /// <summary>The Release (or Debug) build folder of tools/Harness.Cli that matches this test build.</summary>
    private static string HarnessBuild()
    {
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));          // …/bin/Release/net10.0
        var build = Path.Combine(RepoPaths.Root, "tools", "Harness.Cli", "bin", tfm.Parent!.Name, tfm.Name);
        return File.Exists(Path.Combine(build, "harness.dll")) ? build
            : throw new InvalidOperationException($"no harness.dll in {build}: build Harness.sln first");
    }

    private static async Task<ChildProcess?> DockerAsync(TimeSpan timeout, params string[] args)
    {
        try { return await ChildProcess.RunAsync("docker", args, timeout); }
        catch (System.ComponentModel.Win32Exception) { return null; } // no docker command
        catch (TimeoutException) { return null; }                      // a daemon that hangs
    }
}
