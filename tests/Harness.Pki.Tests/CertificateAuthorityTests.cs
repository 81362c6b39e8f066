using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Harness.Pki.Tests;

public sealed class CertificateAuthorityTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly CertificateAuthority _ca = CertificateAuthority.Create();

    public void Dispose()
    {
        _ca.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void Load_PkiDirectory_IssuesCertificatesThatChainToCaCrt()
    {
        var paths = TestPki.Init(_temp.Sub("pki"));
        using var ca = CertificateAuthority.Load(paths.Directory);

        using var client = ca.IssueClient("vcenter-01");

        using var caCrt = PkiFiles.LoadCertificate(paths.Ca);
        Certs.ChainErrors(client, caCrt, Certs.ClientAuth).Should().Be(X509ChainStatusFlags.NoError);
        client.HasPrivateKey.Should().BeTrue();
    }

    [Fact]
    public void Load_LeafCertificateAsCa_ThrowsPkiException()
    {
        var paths = TestPki.Init(_temp.Sub("pki"));

        var act = () => CertificateAuthority.Load(paths.ClientCert, paths.ClientKey);

        act.Should().Throw<PkiException>().WithMessage("*is not a CA certificate*");
    }

    [Fact]
    public void Load_MissingDirectory_ThrowsPkiExceptionNamingFile()
    {
        var act = () => CertificateAuthority.Load(_temp.Sub("nowhere"));

        act.Should().Throw<PkiException>().WithMessage("*ca.crt*does not exist*");
    }

    [Fact]
    public void IssueClient_Default_HasClientAuthEkuAndCommonName()
    {
        using var client = _ca.IssueClient("vcenter-01.example");

        client.GetNameInfo(X509NameType.SimpleName, false).Should().Be("vcenter-01.example");
        Certs.Ekus(client).Should().Equal(Certs.ClientAuth);
        Certs.San(client).Should().BeNull();
        Certs.ChainErrors(client, _ca.PublicCertificate, Certs.ClientAuth).Should().Be(X509ChainStatusFlags.NoError);
    }

    [Fact]
    public void IssueClient_WithoutPurposeEku_IsNotValidForClientAuth()
    {
        using var client = _ca.IssueClient("no-client-auth", IssueOptions.Default with { WithoutPurposeEku = true });

        Certs.Ekus(client).Should().NotContain(Certs.ClientAuth);
        Certs.ChainErrors(client, _ca.PublicCertificate, Certs.ClientAuth).Should().HaveFlag(X509ChainStatusFlags.NotValidForUsage);
    }

    [Fact]
    public void IssueClient_Expired_ChainReportsNotTimeValid()
    {
        using var client = _ca.IssueClient("expired", IssueOptions.Default with { Validity = CertificateValidity.Expired });

        client.NotAfter.ToUniversalTime().Should().BeBefore(DateTime.UtcNow);
        Certs.ChainErrors(client, _ca.PublicCertificate, Certs.ClientAuth).Should().HaveFlag(X509ChainStatusFlags.NotTimeValid);
    }

    [Fact]
    public void IssueClient_NotYetValid_ChainReportsNotTimeValid()
    {
        using var client = _ca.IssueClient("future", IssueOptions.Default with { Validity = CertificateValidity.NotYetValid });

        client.NotBefore.ToUniversalTime().Should().BeAfter(DateTime.UtcNow);
        Certs.ChainErrors(client, _ca.PublicCertificate, Certs.ClientAuth).Should().HaveFlag(X509ChainStatusFlags.NotTimeValid);
    }

    [Fact]
    public void IssueServer_CustomNames_PutsThemInSan()
    {
        var options = IssueOptions.Default with
        {
            DnsNames = ["kms.example", "kms"],
            IpAddresses = [System.Net.IPAddress.Parse("10.0.0.5")],
        };

        using var server = _ca.IssueServer("kms.example", options);

        var san = Certs.San(server)!;
        san.EnumerateDnsNames().Should().Equal("kms.example", "kms");
        san.EnumerateIPAddresses().Should().Equal(System.Net.IPAddress.Parse("10.0.0.5"));
        Certs.Ekus(server).Should().Equal(Certs.ServerAuth);
    }

    [Fact]
    public void IssueClient_TwoCertificates_HaveDistinctSerialNumbers()
    {
        using var a = _ca.IssueClient("a");
        using var b = _ca.IssueClient("b");

        a.SerialNumber.Should().NotBe(b.SerialNumber);
        a.Issuer.Should().Be(_ca.Certificate.Subject);
    }

    [Fact]
    public void SignCsr_Pkcs10Der_IssuesClientCertificateForTheRequestKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=vcenter.example, O=VMware", key, HashAlgorithmName.SHA256);
        var der = request.CreateSigningRequest();

        using var signed = _ca.SignCsr(der);

        signed.Subject.Should().Be("CN=vcenter.example, O=VMware");
        signed.HasPrivateKey.Should().BeFalse();
        signed.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo().Should().Equal(key.ExportSubjectPublicKeyInfo());
        Certs.Ekus(signed).Should().Equal(Certs.ClientAuth);
        Certs.ChainErrors(signed, _ca.PublicCertificate, Certs.ClientAuth).Should().Be(X509ChainStatusFlags.NoError);
        using var withKey = signed.CopyWithPrivateKey(key);
        withKey.HasPrivateKey.Should().BeTrue();
    }

    [Fact]
    public void SignCsr_RsaPemRequest_IssuesCertificate()
    {
        using var key = RSA.Create(2048);
        var pem = new CertificateRequest("CN=vcenter-rsa", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();

        using var signed = _ca.SignCsr(pem);

        signed.GetRSAPublicKey()!.ExportSubjectPublicKeyInfo().Should().Equal(key.ExportSubjectPublicKeyInfo());
        signed.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages
            .Should().HaveFlag(X509KeyUsageFlags.KeyEncipherment);
        Certs.ChainErrors(signed, _ca.PublicCertificate, Certs.ClientAuth).Should().Be(X509ChainStatusFlags.NoError);
    }

    [Fact]
    public void SignCsr_RequestedExtensions_AreReplacedByThePurposes()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=greedy", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var der = request.CreateSigningRequest();

        using var signed = _ca.SignCsr(der, CertificatePurpose.Server);

        signed.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority.Should().BeFalse();
        Certs.Ekus(signed).Should().Equal(Certs.ServerAuth);
    }

    [Fact]
    public void SignCsr_Garbage_ThrowsPkiException()
    {
        var act = () => _ca.SignCsr([0x30, 0x03, 0x02, 0x01, 0x00]);

        act.Should().Throw<PkiException>().WithMessage("not a valid PKCS#10 certificate signing request*");
    }

    [Fact]
    public void SignCsr_TamperedSignature_ThrowsPkiException()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = new CertificateRequest("CN=tampered", key, HashAlgorithmName.SHA256).CreateSigningRequest();
        der[^3] ^= 0xFF;

        var act = () => _ca.SignCsr(der);

        act.Should().Throw<PkiException>();
    }

    [Fact]
    public void CreateSelfSigned_Certificate_DoesNotChainToTheCa()
    {
        using var stranger = CertificateAuthority.CreateSelfSigned("Stranger");

        stranger.HasPrivateKey.Should().BeTrue();
        stranger.Subject.Should().Be("CN=Stranger");
        stranger.Issuer.Should().Be(stranger.Subject);
        Certs.Ekus(stranger).Should().BeEquivalentTo(Certs.ClientAuth, Certs.ServerAuth);
        Certs.ChainErrors(stranger, _ca.PublicCertificate).Should().NotBe(X509ChainStatusFlags.NoError);
    }

    [Fact]
    public void Save_ThenLoad_RoundTripsTheCa()
    {
        var dir = _temp.Sub("ca");
        Directory.CreateDirectory(dir);

        _ca.Save(dir);
        using var loaded = CertificateAuthority.Load(dir);

        loaded.Certificate.Thumbprint.Should().Be(_ca.Certificate.Thumbprint);
        loaded.Certificate.HasPrivateKey.Should().BeTrue();
        using var issued = loaded.IssueServer();
        Certs.ChainErrors(issued, _ca.PublicCertificate, Certs.ServerAuth).Should().Be(X509ChainStatusFlags.NoError);
    }
}
