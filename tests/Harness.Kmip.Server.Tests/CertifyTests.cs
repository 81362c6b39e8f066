using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>Certify over mutual TLS: self-signed and CA-issued certificates for key pairs the server made, and for a PKCS#10 request made by .NET.</summary>
public class CertifyTests
{
    private static KmipAttribute Link(LinkType type, string id) =>
        KmipAttribute.Standard(Tag.Link, TtlvNode.Structure(Tag.Link, TtlvNode.Enumeration(Tag.LinkType, type), TtlvNode.Text(Tag.LinkedObjectIdentifier, id)));

    private static BatchItemRequest Certify(ProtocolVersion v, string? publicKey, IEnumerable<KmipAttribute> attributes, byte[]? csr = null) =>
        KmipBatchItems.Certify(v, publicKey, attributes, csr);

    private static async Task<X509Certificate2> CertificateAsync(KmipOperations ops, string id) =>
        X509CertificateLoader.LoadCertificate((await ops.GetAsync(id)).Object.Required(Tag.CertificateValue).AsBytes);

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task Certify_APublicKey_SelfSigned_ThenByThatCa_AndAPkcs10Request_VerifiedByDotNet(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, v);
        var ca = await ops.CreateKeyPairAsync([KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.EC), KmipAttribute.RecommendedCurve(RecommendedCurve.P_256)],
            [KmipAttribute.ObjectName("ca-key")], [KmipAttribute.ObjectName("ca-public")]);

        // Self-signed: the public key's own private key signs; the subject is the key's Name.
        var caCertId = (await client.OneAsync(v, Certify(v, ca.PublicKeyUniqueIdentifier, []))).EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        using var caCert = await CertificateAsync(ops, caCertId);
        caCert.Subject.Should().Be("CN=ca-public");
        caCert.Issuer.Should().Be(caCert.Subject);
        using (var caPublic = ECDsa.Create())
        {
            caPublic.ImportSubjectPublicKeyInfo((await ops.GetAsync(ca.PublicKeyUniqueIdentifier)).KeyBlock!.Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes, out _);
            caCert.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo().Should().Equal(caPublic.ExportSubjectPublicKeyInfo());
        }
        var publicLinks = (await ops.GetAttributesAsync(ca.PublicKeyUniqueIdentifier)).Where(a => a.Name == "Link").Select(a => a.Value.Required(Tag.LinkType).AsEnumOf<LinkType>());
        publicLinks.Should().Contain(LinkType.CertificateLink);
        (await client.OneAsync(v, KmipBatchItems.AddAttribute(v, ca.PrivateKeyUniqueIdentifier, Link(LinkType.CertificateLink, caCertId)))).EnsureSuccess();

        // Issued by the CA: a Private Key Link names the issuer; the subject comes from the request.
        var leaf = await ops.CreateKeyPairAsync([KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.RSA), KmipAttribute.CryptographicLength(2048)]);
        var subject = v.IsV2 ? [KmipAttribute.Text("Certificate Subject CN", "leaf.example"), KmipAttribute.Text("Certificate Subject O", "Harness")]
            : new List<KmipAttribute>();
        var leafCertId = (await client.OneAsync(v, Certify(v, leaf.PublicKeyUniqueIdentifier, [.. subject, Link(LinkType.PrivateKeyLink, ca.PrivateKeyUniqueIdentifier)])))
            .EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        using var leafCert = await CertificateAsync(ops, leafCertId);
        leafCert.Issuer.Should().Be("CN=ca-public");
        if (v.IsV2) leafCert.Subject.Should().Be("CN=leaf.example, O=Harness");
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(caCert);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.Build(leafCert).Should().BeTrue("the CA's key signed it: " + string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        }

        // A PKCS#10 request made by .NET: its subject and key; the CA signs.
        using var requester = RSA.Create(2048);
        var csr = new CertificateRequest("CN=from a CSR", requester, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequest();
        var fromCsr = (await client.OneAsync(v, Certify(v, null, [Link(LinkType.PrivateKeyLink, ca.PrivateKeyUniqueIdentifier)], csr)))
            .EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        using var csrCert = await CertificateAsync(ops, fromCsr);
        csrCert.Subject.Should().Be("CN=from a CSR");
        csrCert.GetRSAPublicKey()!.ExportParameters(false).Modulus.Should().Equal(requester.ExportParameters(false).Modulus);

        var tampered = csr.ToArray();
        tampered[^5] ^= 1;
        var refused = await client.OneAsync(v, Certify(v, null, [Link(LinkType.PrivateKeyLink, ca.PrivateKeyUniqueIdentifier)], tampered));
        refused.ResultReason.Should().Be(v.IsV2 ? ResultReason.InvalidCSR : ResultReason.InvalidField);
        var symmetric = await client.OneAsync(v, Certify(v, await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt), []));
        symmetric.ResultReason.Should().Be(v.IsV2 ? ResultReason.InvalidObjectType : ResultReason.InvalidField);
        symmetric.ResultMessage.Should().EndWith("Certify certifies a public key or a certificate request");
    }

    private static BatchItemRequest ReCertify(ProtocolVersion v, string certificate, IEnumerable<KmipAttribute> attributes, string? request = null) =>
        KmipBatchItems.ReCertify(v, certificate, attributes, request);

    private static async Task<List<string>> LinksAsync(KmipOperations ops, string id, LinkType type) =>
        (await ops.GetAttributesAsync(id)).Where(a => a.Name == "Link" && a.Value.Required(Tag.LinkType).AsEnumOf<LinkType>() == type)
            .Select(a => a.Value.Required(Tag.LinkedObjectIdentifier).AsText).ToList();

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task ReCertify_ASelfSignedCertificateAndACaIssuedOne_RenewsThemForTheSameKey_LinkedAndNamedAsTheSpecSays(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, v);
        var ca = await ops.CreateKeyPairAsync([KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.EC), KmipAttribute.RecommendedCurve(RecommendedCurve.P_256)],
            [], [KmipAttribute.ObjectName("ca")]);
        var caCertId = IdOf(await client.OneAsync(v, Certify(v, ca.PublicKeyUniqueIdentifier, [KmipAttribute.ObjectName("ca certificate")])));
        (await client.OneAsync(v, KmipBatchItems.AddAttribute(v, ca.PrivateKeyUniqueIdentifier, Link(LinkType.CertificateLink, caCertId)))).EnsureSuccess();
        using var caCert = await CertificateAsync(ops, caCertId);

        // Self-signed: renewed by the same pair, with the same subject and key, a new serial; the name moves.
        var renewedCaId = IdOf(await client.OneAsync(v, ReCertify(v, caCertId, [])));
        using var renewedCa = await CertificateAsync(ops, renewedCaId);
        renewedCa.Subject.Should().Be(caCert.Subject);
        renewedCa.Issuer.Should().Be(caCert.Subject);
        renewedCa.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo().Should().Equal(caCert.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo());
        renewedCa.SerialNumber.Should().NotBe(caCert.SerialNumber);
        (await LinksAsync(ops, renewedCaId, LinkType.ReplacedObjectLink)).Should().Equal(caCertId);
        (await LinksAsync(ops, caCertId, LinkType.ReplacementObjectLink)).Should().Equal(renewedCaId);
        (await LinksAsync(ops, ca.PublicKeyUniqueIdentifier, LinkType.CertificateLink)).Should().Equal([renewedCaId], "the public key's Certificate Link moves to the new certificate");
        (await ops.GetAttributesAsync(renewedCaId)).Where(a => a.Name == "Name").Select(a => a.Value.Required(Tag.NameValue).AsText).Should().Equal("ca certificate");
        (await ops.GetAttributesAsync(caCertId)).Should().NotContain(a => a.Name == "Name");

        // Issued by the CA: Re-certify finds the issuer's key from the certificate the client holds, with no Private Key Link.
        var leaf = await ops.CreateKeyPairAsync([KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.RSA), KmipAttribute.CryptographicLength(2048)]);
        var leafCertId = await ops.CertifyAsync(leaf.PublicKeyUniqueIdentifier, [Link(LinkType.PrivateKeyLink, ca.PrivateKeyUniqueIdentifier)]);
        var renewedLeafId = await ops.ReCertifyAsync(leafCertId);
        using var renewedLeaf = await CertificateAsync(ops, renewedLeafId);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(caCert);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.Build(renewedLeaf).Should().BeTrue("the CA's key signed the renewal: " + string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        renewedLeaf.GetRSAPublicKey()!.ExportParameters(false).Modulus.Should().Equal((await CertificateAsync(ops, leafCertId)).GetRSAPublicKey()!.ExportParameters(false).Modulus);

        // The certificate attributes of its version: X.509 Certificate Subject (DER), the Digital Signature Algorithm,
        // and under 1.x the text Certificate Subject too.
        var attributes = await ops.GetAttributesAsync(renewedLeafId);
        attributes.Single(a => a.Name == "X.509 Certificate Subject").Value.Required(Tag.SubjectDistinguishedName).AsBytes.Should().Equal(renewedLeaf.SubjectName.RawData);
        attributes.Single(a => a.Name == "X.509 Certificate Identifier").Value.Required(Tag.CertificateSerialNumber).AsBytes.Should().Equal(renewedLeaf.SerialNumberBytes.ToArray());
        attributes.Single(a => a.Name == "Digital Signature Algorithm").Value.AsEnumOf<DigitalSignatureAlgorithm>().Should().Be(DigitalSignatureAlgorithm.ECDSAWithSHA256);
        if (v.IsV2) attributes.Should().NotContain(a => a.Name == "Certificate Subject", "KMIP 2.0 dropped the 1.0 text attributes");
        else attributes.Single(a => a.Name == "Certificate Subject").Value.Required(Tag.CertificateSubjectDistinguishedName).AsText.Should().Be(renewedLeaf.Subject);
    }

    [Fact]
    public async Task CertificateRequestObject_RegisteredThenCertifiedAndReCertifiedByItsIdentifier_AndABadOneIsRefused()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var ca = await ops.CreateKeyPairAsync([KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.EC), KmipAttribute.RecommendedCurve(RecommendedCurve.P_256)]);
        using var requester = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        TtlvNode RequestObject(byte[] der) => TtlvNode.Structure(Tag.CertificateRequest,
            TtlvNode.Enumeration(Tag.CertificateRequestType, CertificateRequestType.PKCS_10), TtlvNode.Bytes(Tag.CertificateRequestValue, der));
        var csr = new CertificateRequest("CN=registered request", requester, HashAlgorithmName.SHA256).CreateSigningRequest();
        var requestId = IdOf(await client.OneAsync(V21, KmipBatchItems.Register(V21, ObjectType.CertificateRequest, RequestObject(csr), [])));

        var certId = IdOf(await client.OneAsync(V21, Certify(V21, requestId, [Link(LinkType.PrivateKeyLink, ca.PrivateKeyUniqueIdentifier)])));
        using var cert = await CertificateAsync(ops, certId);
        cert.Subject.Should().Be("CN=registered request");
        cert.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo().Should().Equal(requester.ExportSubjectPublicKeyInfo());

        // Re-certify by a new request for a new subject: the request takes precedence over the existing certificate.
        var renewal = new CertificateRequest("CN=renewed subject", requester, HashAlgorithmName.SHA256).CreateSigningRequest();
        var renewalId = IdOf(await client.OneAsync(V21, KmipBatchItems.Register(V21, ObjectType.CertificateRequest, RequestObject(renewal), [])));
        using var renewed = await CertificateAsync(ops, IdOf(await client.OneAsync(V21, ReCertify(V21, certId, [Link(LinkType.PrivateKeyLink, ca.PrivateKeyUniqueIdentifier)], renewalId))));
        renewed.Subject.Should().Be("CN=renewed subject");

        var tampered = csr.ToArray();
        tampered[^5] ^= 1;
        var badRequest = await client.OneAsync(V21, KmipBatchItems.Register(V21, ObjectType.CertificateRequest, RequestObject(tampered), []));
        badRequest.ResultReason.Should().Be(ResultReason.InvalidCSR);
        badRequest.ResultMessage.Should().Be("the certificate request's signature does not verify with the key it carries");
        var underV14 = await client.OneAsync(V14, KmipBatchItems.Register(V14, ObjectType.CertificateRequest, RequestObject(csr), []));
        underV14.ResultReason.Should().Be(ResultReason.InvalidField);
        underV14.ResultMessage.Should().StartWith("Certificate Request objects are KMIP 2.0's");
        var notARequest = await client.OneAsync(V21, ReCertify(V21, certId, [], ca.PublicKeyUniqueIdentifier));
        notARequest.ResultReason.Should().Be(ResultReason.InvalidObjectType);
        notARequest.ResultMessage.Should().Be($"'{ca.PublicKeyUniqueIdentifier}' is a PublicKey, not a Certificate Request");
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task ReCertify_NotACertificate_OrOneWhoseIssuerIsNotOnTheServer_IsRefusedSayingWhy(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, v);
        var key = await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
        var notCertificate = await client.OneAsync(v, ReCertify(v, key, []));
        notCertificate.ResultReason.Should().Be(v.IsV2 ? ResultReason.InvalidObjectType : ResultReason.InvalidField);
        notCertificate.ResultMessage.Should().Be($"'{key}' is not an X.509 certificate: Re-certify renews one");

        // A certificate made elsewhere: the server holds neither its key nor its issuer's.
        using var outside = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var foreign = new CertificateRequest("CN=made elsewhere", outside, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(30));
        var registered = IdOf(await client.OneAsync(v, KmipBatchItems.Register(v, ObjectType.Certificate, TtlvNode.Structure(Tag.Certificate,
            TtlvNode.Enumeration(Tag.CertificateType, CertificateType.X_509), TtlvNode.Bytes(Tag.CertificateValue, foreign.RawData)), [])));
        int stored = kms.Server.State.Store.Count;
        var noIssuer = await client.OneAsync(v, ReCertify(v, registered, []));
        noIssuer.ResultReason.Should().Be(ResultReason.InvalidField);
        noIssuer.ResultMessage.Should().Be($"the key that signed '{registered}' is not on the server: give the issuer's private key by a Private Key Link in the attributes");
        kms.Server.State.Store.Count.Should().Be(stored);
    }
}
