using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Harness.Pki.Tests;

public sealed class TestPkiTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Init_EmptyDirectory_WritesSixPemFiles()
    {
        var paths = TestPki.Init(_temp.Sub("pki"));

        foreach (var file in paths.All) File.Exists(file).Should().BeTrue(file);
        Directory.GetFiles(paths.Directory).Select(Path.GetFileName).Should()
            .BeEquivalentTo("ca.crt", "ca.key", "server.crt", "server.key", "client.crt", "client.key");
        File.ReadAllText(paths.Ca).Should().StartWith("-----BEGIN CERTIFICATE-----");
        foreach (var key in new[] { paths.CaKey, paths.ServerKey, paths.ClientKey })
            File.ReadAllText(key).Should().StartWith("-----BEGIN PRIVATE KEY-----", "keys are PKCS#8 PEM");
    }

    [Fact]
    public void Init_DefaultAlgorithm_KeysAreEcdsaP256()
    {
        var paths = TestPki.Init(_temp.Sub("pki"));

        using var server = PkiFiles.LoadCertificateWithKey(paths.ServerCert, paths.ServerKey);
        using var key = server.GetECDsaPrivateKey();
        key.Should().NotBeNull();
        key!.KeySize.Should().Be(256);
    }

    [Fact]
    public void Init_Rsa2048_KeysAreRsa2048()
    {
        var paths = TestPki.Init(_temp.Sub("pki"), keyAlgorithm: PkiKeyAlgorithm.Rsa2048);

        using var client = PkiFiles.LoadCertificateWithKey(paths.ClientCert, paths.ClientKey);
        using var key = client.GetRSAPrivateKey();
        key.Should().NotBeNull();
        key!.KeySize.Should().Be(2048);
        Certs.ChainErrors(client, PkiFiles.LoadCertificate(paths.Ca), Certs.ClientAuth).Should().Be(X509ChainStatusFlags.NoError);
    }

    [Fact]
    public void Init_Ca_IsCertificateAuthorityWithKeyCertSign()
    {
        var paths = TestPki.Init(_temp.Sub("pki"));

        using var ca = PkiFiles.LoadCertificate(paths.Ca);
        var constraints = ca.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        constraints.CertificateAuthority.Should().BeTrue();
        constraints.Critical.Should().BeTrue();
        ca.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages.Should().HaveFlag(X509KeyUsageFlags.KeyCertSign);
        ca.SubjectName.Name.Should().Be("CN=Harness Test CA");
        ca.Issuer.Should().Be(ca.Subject);
    }

    [Fact]
    public void Init_ServerCertificate_HasServerAuthEkuLoopbackSanAndKmsName()
    {
        var paths = TestPki.Init(_temp.Sub("pki"));

        using var server = PkiFiles.LoadCertificate(paths.ServerCert);
        server.GetNameInfo(X509NameType.SimpleName, false).Should().Be("Harness KMS");
        Certs.Ekus(server).Should().Equal(Certs.ServerAuth);
        var san = Certs.San(server);
        san.Should().NotBeNull();
        san!.EnumerateDnsNames().Should().Equal("localhost");
        san.EnumerateIPAddresses().Should().Equal(IPAddress.Loopback);
        server.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority.Should().BeFalse();
    }

    [Fact]
    public void Init_ClientCertificate_HasClientAuthEkuAndClientName()
    {
        var paths = TestPki.Init(_temp.Sub("pki"));

        using var client = PkiFiles.LoadCertificate(paths.ClientCert);
        client.GetNameInfo(X509NameType.SimpleName, false).Should().Be("Harness Client");
        Certs.Ekus(client).Should().Equal(Certs.ClientAuth);
    }

    [Fact]
    public void Init_LeafCertificates_ChainToCaForTheirPurpose()
    {
        var paths = TestPki.Init(_temp.Sub("pki"));

        using var ca = PkiFiles.LoadCertificate(paths.Ca);
        using var server = PkiFiles.LoadCertificate(paths.ServerCert);
        using var client = PkiFiles.LoadCertificate(paths.ClientCert);
        Certs.ChainErrors(server, ca, Certs.ServerAuth).Should().Be(X509ChainStatusFlags.NoError);
        Certs.ChainErrors(client, ca, Certs.ClientAuth).Should().Be(X509ChainStatusFlags.NoError);
        Certs.ChainErrors(client, ca, Certs.ServerAuth).Should().HaveFlag(X509ChainStatusFlags.NotValidForUsage);
    }

    [Fact]
    public void Init_Validity_IsBackdatedOneDayForTenYears()
    {
        var before = DateTime.UtcNow;
        var paths = TestPki.Init(_temp.Sub("pki"));

        foreach (var path in new[] { paths.Ca, paths.ServerCert, paths.ClientCert })
        {
            using var cert = PkiFiles.LoadCertificate(path);
            cert.NotBefore.ToUniversalTime().Should().BeCloseTo(before.AddDays(-1), TimeSpan.FromMinutes(5), path);
            cert.NotAfter.ToUniversalTime().Should().BeAfter(before.AddYears(10).AddDays(-2), path);
            cert.NotAfter.ToUniversalTime().Should().BeBefore(before.AddYears(10).AddDays(2), path);
        }
    }

    [Fact]
    public void Init_KeyFiles_AreReadableByOwnerOnly()
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("Unix file modes do not exist on Windows");
        var paths = TestPki.Init(_temp.Sub("pki"));

        foreach (var key in new[] { paths.CaKey, paths.ServerKey, paths.ClientKey })
            if (!OperatingSystem.IsWindows()) File.GetUnixFileMode(key).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite, key);
    }

    [Fact]
    public void Init_NonEmptyDirectory_RefusesAndLeavesFilesAlone()
    {
        var dir = _temp.Sub("pki");
        var paths = TestPki.Init(dir);
        var caBefore = File.ReadAllText(paths.Ca);

        var act = () => TestPki.Init(dir);

        act.Should().Throw<PkiDirectoryNotEmptyException>()
            .WithMessage($"*'{Path.GetFullPath(dir)}'*not empty*ca.crt*force*");
        File.ReadAllText(paths.Ca).Should().Be(caBefore);
    }

    [Fact]
    public void Init_DirectoryWithUnrelatedFile_Refuses()
    {
        var dir = _temp.Sub("pki");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "keep me");

        var act = () => TestPki.Init(dir);

        act.Should().Throw<PkiDirectoryNotEmptyException>().Which.Entries.Should().Equal("notes.txt");
    }

    [Fact]
    public void Init_ExistingEmptyDirectory_Writes()
    {
        var dir = _temp.Sub("empty");
        Directory.CreateDirectory(dir);

        TestPki.Init(dir).Directory.Should().Be(Path.GetFullPath(dir));
        File.Exists(Path.Combine(dir, "ca.crt")).Should().BeTrue();
    }

    [Fact]
    public void Init_NonEmptyDirectoryWithForce_ReplacesThePki()
    {
        var dir = _temp.Sub("pki");
        var paths = TestPki.Init(dir);
        var caBefore = File.ReadAllText(paths.Ca);

        TestPki.Init(dir, force: true);

        File.ReadAllText(paths.Ca).Should().NotBe(caBefore);
        using var ca = PkiFiles.LoadCertificate(paths.Ca);
        using var client = PkiFiles.LoadCertificate(paths.ClientCert);
        Certs.ChainErrors(client, ca, Certs.ClientAuth).Should().Be(X509ChainStatusFlags.NoError);
        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(paths.ClientKey).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public void Init_PathIsAFile_ThrowsPkiException()
    {
        var file = _temp.Sub("file");
        File.WriteAllText(file, "x");

        var act = () => TestPki.Init(file, force: true);

        act.Should().Throw<PkiException>().WithMessage("*is a file*");
    }

    [Fact]
    public void LoadIdentities_WrittenPki_PairCertificatesWithCa()
    {
        var paths = TestPki.Init(_temp.Sub("pki"));

        var server = paths.LoadServerIdentity();
        var client = paths.LoadClientIdentity();

        server.Certificate.HasPrivateKey.Should().BeTrue();
        client.Certificate.HasPrivateKey.Should().BeTrue();
        client.TrustedCa.Thumbprint.Should().Be(server.TrustedCa.Thumbprint);
    }
}
