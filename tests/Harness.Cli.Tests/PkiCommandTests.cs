using System.Security.Cryptography.X509Certificates;
using Harness.Testing;

namespace Harness.Cli.Tests;

public sealed class PkiCommandTests
{
    private static readonly string[] Files = ["ca.crt", "ca.key", "server.crt", "server.key", "client.crt", "client.key"];

    [Fact]
    public async Task PkiInit_EmptyOrMissingDirectory_WritesThePemFiles()
    {
        using var dir = new TempDir();
        var outDir = dir.Sub("pki");

        using var run = await Cli.RunAsync("pki", "init", "--out", outDir);

        run.ExitCode.Should().Be(0, run.Describe());
        Directory.EnumerateFiles(outDir).Select(Path.GetFileName).Should().BeEquivalentTo(Files);
        foreach (var f in Files)
            File.ReadAllText(Path.Combine(outDir, f)).Should().StartWith("-----BEGIN ", $"{f} is PEM");
        foreach (var key in Files.Where(f => f.EndsWith(".key")))
            File.GetUnixFileMode(Path.Combine(outDir, key)).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite, $"{key} is private");

        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(outDir, "ca.crt")));
        using var server = X509Certificate2.CreateFromPemFile(Path.Combine(outDir, "server.crt"), Path.Combine(outDir, "server.key"));
        using var client = X509Certificate2.CreateFromPemFile(Path.Combine(outDir, "client.crt"), Path.Combine(outDir, "client.key"));
        server.HasPrivateKey.Should().BeTrue();
        client.HasPrivateKey.Should().BeTrue();
        server.Issuer.Should().Be(ca.Subject);
        client.Issuer.Should().Be(ca.Subject);
        EkuOids(server).Should().Contain("1.3.6.1.5.5.7.3.1", "the server certificate has serverAuth");
        EkuOids(client).Should().Contain("1.3.6.1.5.5.7.3.2", "the client certificate has clientAuth");
        server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses()
            .Select(ip => ip.ToString()).Should().Contain("127.0.0.1");
        run.Stdout.Should().Contain("SHA-1 thumbprint");
    }

    [Fact]
    public async Task PkiInit_NonEmptyDirectory_RefusesWithExit2AndLeavesItAlone()
    {
        using var dir = new TempDir();
        var precious = dir.Sub("notes.txt");
        File.WriteAllText(precious, "keep me");

        using var run = await Cli.RunAsync("pki", "init", "--out", dir.Path);

        Cli.ReasonOf(run).Should().Contain("not empty").And.Contain(dir.Path);
        Directory.EnumerateFileSystemEntries(dir.Path).Should().ContainSingle().Which.Should().Be(precious);
        File.ReadAllText(precious).Should().Be("keep me");
    }

    [Fact]
    public async Task PkiInit_ExistingPkiWithForce_ReplacesTheCertificates()
    {
        using var dir = new TempDir();
        using (var first = await Cli.RunAsync("pki", "init", "--out", dir.Path)) first.ExitCode.Should().Be(0);
        var before = File.ReadAllText(dir.Sub("ca.crt"));

        using var run = await Cli.RunAsync("pki", "init", "--out", dir.Path, "--force");

        run.ExitCode.Should().Be(0, run.Describe());
        File.ReadAllText(dir.Sub("ca.crt")).Should().NotBe(before, "a new CA was minted");
    }

    [Fact]
    public async Task Pki_WithoutInit_ExitsWith2AndShowsUsage()
    {
        using var run = await Cli.RunAsync("pki", "--out", "/tmp/never-written");

        Cli.ReasonOf(run).Should().Contain("pki init --out DIR");
    }

    private static IEnumerable<string?> EkuOids(X509Certificate2 cert) =>
        cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()).Select(o => o.Value);
}
