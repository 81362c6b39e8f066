using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Harness.Pki.Tests;

public sealed class PkiFilesTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void LoadCertificate_MissingFile_ThrowsPkiExceptionNamingPath()
    {
        var path = _temp.Sub("absent.crt");

        var act = () => PkiFiles.LoadCertificate(path);

        act.Should().Throw<PkiException>().WithMessage($"*'{path}' does not exist");
    }

    [Fact]
    public void LoadCertificate_NotACertificate_ThrowsPkiException()
    {
        var path = _temp.Sub("junk.crt");
        File.WriteAllText(path, "hello");

        var act = () => PkiFiles.LoadCertificate(path);

        act.Should().Throw<PkiException>().WithMessage($"*'{path}'*");
    }

    [Fact]
    public void LoadCertificate_DerFile_Loads()
    {
        using var cert = CertificateAuthority.CreateSelfSigned("der");
        var path = _temp.Sub("cert.der");
        File.WriteAllBytes(path, cert.RawData);

        using var loaded = PkiFiles.LoadCertificate(path);

        loaded.Thumbprint.Should().Be(cert.Thumbprint);
    }

    [Fact]
    public void LoadCertificateWithKey_KeyOfAnotherCertificate_ThrowsPkiException()
    {
        var paths = TestPki.Init(_temp.Sub("pki"));

        var act = () => PkiFiles.LoadCertificateWithKey(paths.ServerCert, paths.ClientKey);

        act.Should().Throw<PkiException>().WithMessage($"*'{paths.ServerCert}'*'{paths.ClientKey}'*");
    }

    [Fact]
    public void Save_IssuedCertificate_WritesPemPairWithPrivateKeyFileMode0600()
    {
        using var ca = CertificateAuthority.Create();
        using var cert = ca.IssueClient("saved");
        var crt = _temp.Sub("saved.crt");
        var key = _temp.Sub("saved.key");

        PkiFiles.Save(cert, crt, key);
        using var loaded = PkiFiles.LoadCertificateWithKey(crt, key);

        loaded.Thumbprint.Should().Be(cert.Thumbprint);
        loaded.HasPrivateKey.Should().BeTrue();
        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(key).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public async Task LoadCertificateWithKey_PemFiles_CompleteAMutualTlsHandshake()
    {
        var paths = TestPki.Init(_temp.Sub("pki"));
        var server = paths.LoadServerIdentity();
        var client = paths.LoadClientIdentity();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        X509Certificate? seenClient = null;

        var serverSide = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync(timeout.Token);
            await using var ssl = new SslStream(socket.GetStream());
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = server.Certificate,
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null &&
                    Certs.ChainErrors(X509CertificateLoader.LoadCertificate(cert.GetRawCertData()), server.TrustedCa, Certs.ClientAuth) == X509ChainStatusFlags.NoError,
            }, timeout.Token);
            seenClient = ssl.RemoteCertificate;
            await ssl.WriteAsync(new byte[] { 42 }, timeout.Token);
        }, timeout.Token);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        await using var clientSsl = new SslStream(tcp.GetStream());
        await clientSsl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificateContext = SslStreamCertificateContext.Create(client.Certificate, null, offline: true),
            RemoteCertificateValidationCallback = (_, cert, _, errors) => errors == SslPolicyErrors.None ||
                (cert is not null && Certs.ChainErrors(X509CertificateLoader.LoadCertificate(cert.GetRawCertData()), client.TrustedCa, Certs.ServerAuth) == X509ChainStatusFlags.NoError),
        }, timeout.Token);
        var buffer = new byte[1];
        await clientSsl.ReadExactlyAsync(buffer, timeout.Token);
        await serverSide;

        buffer[0].Should().Be(42);
        seenClient!.Subject.Should().Be("CN=Harness Client");
    }
}

public sealed class ThumbprintsTests
{
    [Fact]
    public void Sha1_Certificate_IsUppercaseHexPairsSeparatedByColons()
    {
        using var cert = CertificateAuthority.CreateSelfSigned("thumb");

        var thumbprint = Thumbprints.Sha1(cert);

        thumbprint.Should().MatchRegex("^([0-9A-F]{2}:){19}[0-9A-F]{2}$");
        thumbprint.Replace(":", "").Should().Be(cert.Thumbprint.ToUpperInvariant());
    }

    [Fact]
    public void Sha256_Certificate_Has32Pairs()
    {
        using var cert = CertificateAuthority.CreateSelfSigned("thumb");

        Regex.IsMatch(Thumbprints.Sha256(cert), "^([0-9A-F]{2}:){31}[0-9A-F]{2}$").Should().BeTrue();
    }

    [Fact]
    public void Format_Bytes_WritesVCenterStyle()
    {
        Thumbprints.Format([0xAB, 0xCD, 0x01]).Should().Be("AB:CD:01");
    }

    [Theory]
    [InlineData("ab:cd:01", "ABCD01")]
    [InlineData("AB CD 01", "ABCD01")]
    [InlineData("abcd01", "ABCD01")]
    [InlineData("AB-CD-01", "ABCD01")]
    public void Normalize_AnySpelling_GivesBareUppercaseHex(string input, string expected)
    {
        Thumbprints.Normalize(input).Should().Be(expected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("XY:ZZ")]
    [InlineData("ABC")]
    public void Normalize_NotHex_ThrowsFormatException(string input)
    {
        var act = () => Thumbprints.Normalize(input);

        act.Should().Throw<FormatException>();
    }

    [Fact]
    public void MatchesSha1_LowercaseWithoutSeparators_Matches()
    {
        using var cert = CertificateAuthority.CreateSelfSigned("thumb");
        using var other = CertificateAuthority.CreateSelfSigned("other");

        Thumbprints.MatchesSha1(cert, cert.Thumbprint.ToLowerInvariant()).Should().BeTrue();
        Thumbprints.MatchesSha1(cert, Thumbprints.Sha1(other)).Should().BeFalse();
    }
}
