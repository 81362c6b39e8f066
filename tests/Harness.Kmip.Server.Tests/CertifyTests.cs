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
        new(Operation.Certify, KmipRequests.Payload(
            publicKey is null ? null : TtlvNode.Text(Tag.UniqueIdentifier, publicKey),
            csr is null ? null : TtlvNode.Enumeration(Tag.CertificateRequestType, CertificateRequestType.PKCS_10),
            csr is null ? null : TtlvNode.Bytes(v.IsV2 ? Tag.CertificateRequestValue : Tag.CertificateRequest, csr),
            v.IsV2 ? TtlvNode.Structure(Tag.Attributes, attributes.Select(a => a.ToV2())) : TtlvNode.Structure(Tag.TemplateAttribute, attributes.Select(a => a.ToV1()))));

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
        symmetric.ResultMessage.Should().EndWith("Certify certifies a public key");
    }
}
