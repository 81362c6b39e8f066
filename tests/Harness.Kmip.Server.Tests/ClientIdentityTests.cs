using Harness.Kmip.Client;
using Harness.Pki;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>A client is its certificate: objects belong to the certificate that made them, and only trusted or allowed certificates connect.</summary>
public class ClientIdentityTests
{
    private sealed class TwoClients : IAsyncDisposable
    {
        public required KmsFixture Kms { get; init; }
        public required KmipClient Owner { get; init; }
        public required KmipClient Other { get; init; }
        public required string KeyId { get; init; }
        public required byte[] KeyBytes { get; init; }

        public static async Task<TwoClients> StartAsync()
        {
            var kms = await KmsFixture.StartAsync();
            var owner = await kms.ConnectAsync();
            var id = await owner.CreateKeyAsync(V14, Name("owned-key"), KmipAttribute.Text("x-Vendor", "VMware"));
            var bytes = await owner.GetKeyBytesAsync(id);
            var other = await kms.ConnectAsync(kms.Pki.Ca.IssueClient("Other Client"));
            return new TwoClients { Kms = kms, Owner = owner, Other = other, KeyId = id, KeyBytes = bytes };
        }

        /// <summary>The owner's key is as it was: same bytes, still Pre-Active, still named.</summary>
        public async Task AssertOwnersKeyUntouchedAsync()
        {
            (await Owner.GetKeyBytesAsync(KeyId)).Should().Equal(KeyBytes);
            (await Owner.StateAsync(KeyId)).Should().Be(State.PreActive);
            (await Owner.LocateAsync(V14, [Name("owned-key")])).Ids.Should().Equal(KeyId);
        }

        public async ValueTask DisposeAsync()
        {
            await Other.DisposeAsync();
            await Owner.DisposeAsync();
            await Kms.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(2, 1)]
    public async Task Get_AnotherClientsKey_ItemNotFound(int major, int minor)
    {
        await using var t = await TwoClients.StartAsync();

        var v = new ProtocolVersion(major, minor);
        var item = await t.Other.OneAsync(v, KmipBatchItems.Get(t.KeyId));

        // KMIP 2.1 §11 names the reason Object Not Found; 1.x Item Not Found.
        item.ResultReason.Should().Be(v.IsV2 ? ResultReason.ObjectNotFound : ResultReason.ItemNotFound);
        item.ResultMessage.Should().Be($"no object with Unique Identifier '{t.KeyId}'", "another client's key reads exactly like a missing one");
        item.ResponsePayload.Should().BeNull();
        await t.AssertOwnersKeyUntouchedAsync();
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(2, 1)]
    public async Task Locate_AnotherClientsKeys_SeesNothing(int major, int minor)
    {
        await using var t = await TwoClients.StartAsync();
        var v = new ProtocolVersion(major, minor);

        (await t.Other.LocateAsync(v, [])).Ids.Should().BeEmpty();
        (await t.Other.LocateAsync(v, [Name("owned-key")])).Ids.Should().BeEmpty();
        (await t.Other.LocateAsync(v, [KmipAttribute.Text("x-Vendor", "VMware")])).Ids.Should().BeEmpty();
        await t.AssertOwnersKeyUntouchedAsync();
    }

    [Fact]
    public async Task Destroy_AnotherClientsKey_ItemNotFoundAndKeyUntouched()
    {
        await using var t = await TwoClients.StartAsync();

        var item = await t.Other.OneAsync(V14, KmipBatchItems.Destroy(t.KeyId));

        item.ResultReason.Should().Be(ResultReason.ItemNotFound);
        await t.AssertOwnersKeyUntouchedAsync();
    }

    [Fact]
    public async Task GetAttributes_AnotherClientsKey_ItemNotFound()
    {
        await using var t = await TwoClients.StartAsync();

        var item = await t.Other.OneAsync(V14, KmipBatchItems.GetAttributes(V14, t.KeyId));

        item.ResultReason.Should().Be(ResultReason.ItemNotFound);
        item.ResultMessage.Should().Be($"no object with Unique Identifier '{t.KeyId}'", "another client's key reads exactly like a missing one");
        await t.AssertOwnersKeyUntouchedAsync();
    }

    [Fact]
    public async Task Revoke_AnotherClientsKey_ItemNotFoundAndKeyUntouched()
    {
        await using var t = await TwoClients.StartAsync();

        var item = await t.Other.OneAsync(V14, KmipBatchItems.Revoke(t.KeyId, RevocationReasonCode.KeyCompromise, compromiseOccurrenceDate: t.Kms.Clock.GetUtcNow()));

        item.ResultReason.Should().Be(ResultReason.ItemNotFound);
        await t.AssertOwnersKeyUntouchedAsync();
    }

    [Fact]
    public async Task Connect_UntrustedSelfSigned_RefusedAndLoggedWithSubjectThumbprintAndHowToAllow()
    {
        await using var kms = await KmsFixture.StartAsync();
        using var selfSigned = CertificateAuthority.CreateSelfSigned("vcenter.example.test");
        var sha1 = Thumbprints.Sha1(selfSigned);

        await kms.ExpectRefusedAsync(selfSigned);

        var line = await kms.Log.WaitForLineAsync(l => l.Contains("CN=vcenter.example.test"));
        line.Should().StartWith("Warning").And.Contain("refused").And.Contain(sha1)
            .And.Contain($"{kms.Server.AdminUrl!.ToString().TrimEnd('/')}/clients/{sha1}/allow");
        kms.Log.Lines.Where(l => l.Contains("CN=vcenter.example.test")).Should().ContainSingle();
    }

    [Fact]
    public async Task Connect_ClientCertificateWithoutClientAuthEku_RefusedWithThatReason()
    {
        await using var kms = await KmsFixture.StartAsync();
        using var serverOnly = kms.Pki.Ca.IssueClient("No ClientAuth", IssueOptions.Default with { WithoutPurposeEku = true });

        await kms.ExpectRefusedAsync(serverOnly);

        var line = await kms.Log.WaitForLineAsync(l => l.Contains("CN=No ClientAuth"));
        line.Should().Contain("lacks the clientAuth extended key usage").And.Contain(Thumbprints.Sha1(serverOnly));
    }

    [Fact]
    public async Task Connect_ExpiredClientCertificate_RefusedAndLoggedAsExpired()
    {
        await using var kms = await KmsFixture.StartAsync();
        using var expired = kms.Pki.Ca.IssueClient("Expired Client", IssueOptions.Default with { Validity = CertificateValidity.Expired });

        await kms.ExpectRefusedAsync(expired);

        var line = await kms.Log.WaitForLineAsync(l => l.Contains("CN=Expired Client"));
        line.Should().Contain("refused").And.ContainEquivalentOf("expired");
        line.Should().Contain("the certificate expired on")
            .And.NotContain("not issued by the configured CA", "it is issued by the CA; it is expired");
    }

    [Fact]
    public async Task Connect_NoClientCertificate_RefusedAndLogged()
    {
        await using var kms = await KmsFixture.StartAsync();
        var options = kms.ClientOptions() with { ClientCertificate = null };

        var act = async () =>
        {
            await using var client = await KmipClient.ConnectAsync(options, Ct);
            await client.SendAsync(V14, KmipBatchItems.Query([QueryFunction.QueryOperations]));
        };

        (await act.Should().ThrowAsync<KmipConnectionException>()).Which.Should().NotBeOfType<KmipTimeoutException>();
        await kms.Log.WaitForLineAsync(l => l.Contains("presented no client certificate"));
    }

    [Fact]
    public async Task Connect_SelfSignedUploadedByAdministrator_Connects()
    {
        await using var kms = await KmsFixture.StartAsync();
        using var selfSigned = CertificateAuthority.CreateSelfSigned("vcenter-uploaded");
        using var admin = kms.Admin();

        var allowed = await admin.PostTextAsync("/clients", selfSigned.ExportCertificatePem());

        allowed.StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
        (await allowed.JsonAsync()).GetProperty("sha1").GetString().Should().Be(Thumbprints.Sha1(selfSigned));
        await using var client = await kms.ConnectAsync(selfSigned);
        await client.ShouldStillWorkAsync();
    }

    [Fact]
    public async Task Connect_SelfSignedAllowedByThumbprintAfterItTried_Connects()
    {
        await using var kms = await KmsFixture.StartAsync();
        using var selfSigned = CertificateAuthority.CreateSelfSigned("vcenter-tried");
        await kms.ExpectRefusedAsync(selfSigned);
        using var admin = kms.Admin();

        var allowed = await admin.PostTextAsync($"/clients/{Thumbprints.Sha1(selfSigned)}/allow");

        allowed.StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
        await using var client = await kms.ConnectAsync(selfSigned);
        await client.ShouldStillWorkAsync();
    }

    [Fact]
    public async Task Connect_AllowedClientThenRevokedByAdministrator_RefusedAgain()
    {
        await using var kms = await KmsFixture.StartAsync();
        using var selfSigned = CertificateAuthority.CreateSelfSigned("vcenter-revoked");
        using var admin = kms.Admin();
        (await admin.PostTextAsync("/clients", selfSigned.ExportCertificatePem())).EnsureSuccessStatusCode();

        (await admin.PostTextAsync($"/clients/{Thumbprints.Sha1(selfSigned)}/revoke")).EnsureSuccessStatusCode();

        await kms.ExpectRefusedAsync(selfSigned);
    }

    [Fact]
    public async Task Connect_AllowedWithDelay_RefusedUntilTheClockPassesIt()
    {
        await using var kms = await KmsFixture.StartAsync(o => o.AllowedClientDelay = TimeSpan.FromMinutes(5));
        using var selfSigned = CertificateAuthority.CreateSelfSigned("vcenter-delayed");
        using var admin = kms.Admin();
        var allowedAt = kms.Clock.GetUtcNow();
        (await admin.PostTextAsync("/clients", selfSigned.ExportCertificatePem())).EnsureSuccessStatusCode();

        await kms.ExpectRefusedAsync(selfSigned);
        var line = await kms.Log.WaitForLineAsync(l => l.Contains("CN=vcenter-delayed") && l.Contains("refused"));
        line.Should().Contain("trusted from " + (allowedAt + TimeSpan.FromMinutes(5)).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss") + "Z");

        kms.Clock.Advance(TimeSpan.FromMinutes(4));
        await kms.ExpectRefusedAsync(selfSigned);

        kms.Clock.Advance(TimeSpan.FromMinutes(1));
        await using var client = await kms.ConnectAsync(selfSigned);
        await client.ShouldStillWorkAsync();
    }
}
