using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// Re-Provision: the client's new credential (made by the server, signed from its request, or handed over) acts as
/// the same client, and the certificate it replaces is refused from then on, also after a restart.
/// </summary>
public class ReProvisionTests
{
    private static async Task<byte[]> ValueOfAsync(KmipClient client, string id, Tag objectTag) =>
        (await client.OneAsync(V21, KmipBatchItems.Get(id))).EnsureSuccess().RequiredPayload.Required(objectTag) switch
        {
            { } certificate when objectTag == Tag.Certificate => certificate.Required(Tag.CertificateValue).AsBytes,
            var key => key.Required(Tag.KeyBlock).Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes,
        };

    [Fact]
    public async Task WithNoParameters_TheServerMakesAKeyAndCertificate_TheNewCredentialSeesTheObjects_AndTheOldIsRefused()
    {
        var pki = Harness.Pki.TestPki.CreateInMemory();
        await using var kms = await KmsFixture.StartAsync(o => o.ClientCredentialIssuer = pki.Ca, pki);
        var original = kms.Pki.Ca.IssueClient("Client A");
        X509Certificate2 renewed;
        string key;
        await using (var client = await kms.ConnectAsync(original))
        {
            key = await new KmipOperations(client, V21).CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
            var privateKeyId = IdOf(await client.OneAsync(V21, new BatchItemRequest(Operation.ReProvision, KmipRequests.Payload())));
            var attributes = await new KmipOperations(client, V21).GetAttributesAsync(privateKeyId);
            var certificateId = attributes.Single(a => a.Name == "Link" && a.Value.Required(Tag.LinkType).AsEnumOf<LinkType>() == LinkType.CertificateLink)
                .Value.Required(Tag.LinkedObjectIdentifier).AsText;
            using var certificate = X509CertificateLoader.LoadCertificate(await ValueOfAsync(client, certificateId, Tag.Certificate));
            using var ec = ECDsa.Create();
            ec.ImportPkcs8PrivateKey(await ValueOfAsync(client, privateKeyId, Tag.PrivateKey), out _);
            renewed = Harness.Pki.PkiFiles.ForTls(certificate.CopyWithPrivateKey(ec));
            renewed.GetNameInfo(X509NameType.SimpleName, false).Should().Be("Client A");
            renewed.Issuer.Should().Be(kms.Pki.Ca.Certificate.Subject);
            (await client.OneAsync(V21, KmipBatchItems.Ping())).EnsureSuccess();
        }

        await using (var again = await kms.ConnectAsync(renewed))
            (await again.OneAsync(V21, KmipBatchItems.Get(key))).EnsureSuccess();
        await kms.ExpectRefusedAsync(original);
        kms.Log.Lines.Should().Contain(l => l.Contains("Re-Provision replaced it"));

        await kms.RestartAsync();
        await kms.ExpectRefusedAsync(original);
        await using (var afterRestart = await kms.ConnectAsync(renewed))
            (await afterRestart.OneAsync(V21, KmipBatchItems.Get(key))).EnsureSuccess();
    }

    [Fact]
    public async Task WithACertificateRequest_TheServersCaSignsIt_AndWithACertificate_ThatBecomesTheCredential()
    {
        var pki = Harness.Pki.TestPki.CreateInMemory();
        await using var kms = await KmsFixture.StartAsync(o => o.ClientCredentialIssuer = pki.Ca, pki);
        var first = kms.Pki.Ca.IssueClient("Client B");
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=Client B renewed", ec, HashAlgorithmName.SHA256).CreateSigningRequest();
        X509Certificate2 signed;
        string key;
        await using (var client = await kms.ConnectAsync(first))
        {
            key = await new KmipOperations(client, V21).CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
            var certificateId = IdOf(await client.OneAsync(V21, new BatchItemRequest(Operation.ReProvision, KmipRequests.Payload(
                TtlvNode.Enumeration(Tag.CertificateRequestType, CertificateRequestType.PKCS_10), TtlvNode.Bytes(Tag.CertificateRequestValue, csr)))));
            using var issued = X509CertificateLoader.LoadCertificate(await ValueOfAsync(client, certificateId, Tag.Certificate));
            issued.Subject.Should().Be("CN=Client B renewed");
            signed = Harness.Pki.PkiFiles.ForTls(issued.CopyWithPrivateKey(ec));
        }
        await kms.ExpectRefusedAsync(first);

        var handedOver = kms.Pki.Ca.IssueClient("Client B third");
        await using (var client = await kms.ConnectAsync(signed))
        {
            (await client.OneAsync(V21, KmipBatchItems.Get(key))).EnsureSuccess();
            IdOf(await client.OneAsync(V21, new BatchItemRequest(Operation.ReProvision, KmipRequests.Payload(TtlvNode.Structure(Tag.Certificate,
                TtlvNode.Enumeration(Tag.CertificateType, CertificateType.X_509), TtlvNode.Bytes(Tag.CertificateValue, handedOver.RawData))))));
        }
        await kms.ExpectRefusedAsync(signed);
        await using var third = await kms.ConnectAsync(handedOver);
        (await third.OneAsync(V21, KmipBatchItems.Get(key))).EnsureSuccess();
    }

    [Fact]
    public async Task BadRequests_AreRefusedWithTheirReasons_AndTheCredentialStays()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var noCa = await client.OneAsync(V21, new BatchItemRequest(Operation.ReProvision, KmipRequests.Payload()));
        noCa.ResultReason.Should().Be(ResultReason.FeatureNotSupported);
        noCa.ResultMessage.Should().Contain("no CA key");

        kms.Server.Options.ClientCredentialIssuer = kms.Pki.Ca;
        var badCsr = await client.OneAsync(V21, new BatchItemRequest(Operation.ReProvision, KmipRequests.Payload(
            TtlvNode.Enumeration(Tag.CertificateRequestType, CertificateRequestType.PKCS_10), TtlvNode.Bytes(Tag.CertificateRequestValue, [1, 2, 3]))));
        badCsr.ResultReason.Should().Be(ResultReason.InvalidCSR);
        var badCertificate = await client.OneAsync(V21, new BatchItemRequest(Operation.ReProvision, KmipRequests.Payload(TtlvNode.Structure(Tag.Certificate,
            TtlvNode.Enumeration(Tag.CertificateType, CertificateType.X_509), TtlvNode.Bytes(Tag.CertificateValue, [1, 2, 3])))));
        badCertificate.ResultReason.Should().Be(ResultReason.InvalidField);
        badCertificate.ResultMessage.Should().StartWith("the Certificate Value is not an X.509 certificate");

        await using var again = await kms.ConnectAsync();
        (await again.OneAsync(V21, KmipBatchItems.Ping())).EnsureSuccess();
    }
}
