using Harness.Kmip.Client;
using Harness.Pki;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>A rebuilt vCenter's new certificate, allowed to act as the old one, reaches the old one's keys.</summary>
public class ClientTenantTests
{
    [Fact]
    public async Task AllowWithActsAs_NewCertificate_UsesTheKeysOfTheClientItActsAs()
    {
        await using var kms = await KmsFixture.StartAsync();
        string id;
        await using (var old = await kms.ConnectAsync()) id = await old.CreateKeyAsync();
        using var rebuilt = CertificateAuthority.CreateSelfSigned("vCenter vc02");
        using var admin = kms.Admin();

        var response = await admin.PostAsync($"clients?actsAs={Thumbprints.Sha1(kms.Pki.Client)}", new StringContent(rebuilt.ExportCertificatePem()), Ct);
        response.IsSuccessStatusCode.Should().BeTrue(await response.Content.ReadAsStringAsync(Ct));

        await using var client = await kms.ConnectAsync(PkiFiles.ForTls(rebuilt));
        (await client.GetKeyBytesAsync(id)).Should().HaveCount(32);
    }

    [Fact]
    public async Task AllowWithActsAs_UnknownClient_Is404AndAllowsNothing()
    {
        await using var kms = await KmsFixture.StartAsync();
        using var rebuilt = CertificateAuthority.CreateSelfSigned("vCenter vc02");
        using var admin = kms.Admin();
        var response = await admin.PostAsync("clients?actsAs=00:11", new StringContent(rebuilt.ExportCertificatePem()), Ct);
        ((int)response.StatusCode).Should().Be(404);
        (await response.Content.ReadAsStringAsync(Ct)).Should().Contain("00:11");
    }
}
