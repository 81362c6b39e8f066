using Harness.Kmip.Client;
using Harness.Kmip.Server;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>The credential types besides Username and Password: Hashed Password, One Time Password and Device, each accepted and each refusal.</summary>
public class CredentialTypesTests
{
    private static readonly byte[] Secret = "12345678901234567890"u8.ToArray(); // RFC 6238's test secret

    private static Task<KmsFixture> StartAsync() => KmsFixture.StartAsync(o =>
    {
        o.Users["alice"] = "wonderland";
        o.OneTimePasswordSecrets["alice"] = Secret;
        o.Devices.Add(new DeviceCredential(DeviceSerialNumber: "SN-42", Password: "device pin"));
    });

    private static async Task<ResponseBatchItem> QueryWithAsync(KmipClient client, KmipCredential credential) =>
        (await client.SendAsync(V21, new KmipRequestOptions { Credential = credential }, KmipBatchItems.Query([QueryFunction.QueryOperations]))).BatchItems.Single();

    [Fact]
    public void Totp_MatchesTheRfc6238TestVectors()
    {
        // RFC 6238 Appendix B, SHA-1: T = 59 s → 94287082, T = 1111111109 → 07081804 (8 digits; 6 are their last six)
        Credentials.Totp(Secret, 59 / 30).Should().Be("287082");
        Credentials.Totp(Secret, 1111111109 / 30).Should().Be("081804");
    }

    [Fact]
    public async Task HashedPassword_IsAccepted_ButNotReplayedNorStaleNorWrong()
    {
        await using var kms = await StartAsync();
        await using var client = await kms.ConnectAsync();
        var now = kms.Clock.GetUtcNow();

        (await QueryWithAsync(client, new HashedPasswordCredential("alice", "wonderland", now))).EnsureSuccess();
        var replay = await QueryWithAsync(client, new HashedPasswordCredential("alice", "wonderland", now));
        replay.ResultReason.Should().Be(ResultReason.AuthenticationNotSuccessful);
        replay.ResultMessage.Should().Contain("replayed");
        var stale = await QueryWithAsync(client, new HashedPasswordCredential("alice", "wonderland", now.AddMinutes(-10)));
        stale.ResultMessage.Should().Contain("more than 5 minutes from the server's time");
        (await QueryWithAsync(client, new HashedPasswordCredential("alice", "looking glass", now.AddSeconds(1))))
            .ResultMessage.Should().Be("wrong username or hashed password for 'alice'");
        (await QueryWithAsync(client, new HashedPasswordCredential("alice", "wonderland", now.AddSeconds(2)))).EnsureSuccess();
    }

    [Fact]
    public async Task OneTimePassword_IsAcceptedOnce_AndAWrongCodeOrPasswordIsRefused()
    {
        await using var kms = await StartAsync();
        await using var client = await kms.ConnectAsync();
        var code = Credentials.Totp(Secret, kms.Clock.GetUtcNow().ToUnixTimeSeconds() / 30);

        (await QueryWithAsync(client, new OneTimePasswordCredential("alice", code, "wonderland"))).EnsureSuccess();
        (await QueryWithAsync(client, new OneTimePasswordCredential("alice", code))).ResultMessage.Should().Be("the one-time password of 'alice' was used already");
        kms.Clock.Advance(TimeSpan.FromSeconds(60));
        var next = Credentials.Totp(Secret, kms.Clock.GetUtcNow().ToUnixTimeSeconds() / 30);
        (await QueryWithAsync(client, new OneTimePasswordCredential("alice", next, "wrong"))).ResultMessage.Should().Be("wrong username or password for 'alice'");
        (await QueryWithAsync(client, new OneTimePasswordCredential("alice", next == "000000" ? "000001" : "000000"))).ResultMessage.Should().Be("wrong one-time password for 'alice'");
        (await QueryWithAsync(client, new OneTimePasswordCredential("bob", next))).ResultMessage.Should().Be("no one-time password secret is configured for 'bob'");
        (await QueryWithAsync(client, new OneTimePasswordCredential("alice", next))).EnsureSuccess();
    }

    [Fact]
    public async Task Device_MustPresentEveryFieldTheServerKnowsItBy()
    {
        await using var kms = await StartAsync();
        await using var client = await kms.ConnectAsync();

        (await QueryWithAsync(client, new DeviceCredentialValue(DeviceSerialNumber: "SN-42", Password: "device pin", MachineIdentifier: "m1"))).EnsureSuccess();
        var noPin = await QueryWithAsync(client, new DeviceCredentialValue(DeviceSerialNumber: "SN-42"));
        noPin.ResultReason.Should().Be(ResultReason.AuthenticationNotSuccessful);
        noPin.ResultMessage.Should().Be("no device this server knows presents these identifiers (and password)");
        (await QueryWithAsync(client, new DeviceCredentialValue(DeviceSerialNumber: "SN-43", Password: "device pin"))).IsSuccess.Should().BeFalse();
        var none = (await client.SendAsync(V21, KmipBatchItems.Query([QueryFunction.QueryOperations]))).BatchItems.Single();
        none.ResultReason.Should().Be(ResultReason.AuthenticationNotSuccessful, "with users configured a credential is required");
    }
}

/// <summary>Attestation: an operation that needs it is Attestation Required with a Nonce, then done with a valid Attestation credential.</summary>
public class AttestationTests
{
    private static readonly byte[] GoodQuote = System.Security.Cryptography.SHA256.HashData("measured boot of host-01"u8.ToArray());

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task Get_NeedsAttestation_TheNonceAndAnAcceptedMeasurementLetItThrough_Once(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync(o =>
        {
            o.AttestationRequiredFor.Add(Operation.Get);
            o.AcceptedAttestationMeasurements.Add(GoodQuote);
        });
        await using var client = await kms.ConnectAsync();
        var key = await client.CreateKeyAsync(v);
        var capable = new KmipRequestOptions { AttestationCapableIndicator = true };

        var first = await client.SendAsync(v, capable, KmipBatchItems.Get(key));
        first.BatchItems.Single().ResultReason.Should().Be(ResultReason.AttestationRequired);
        var header = first.Message.Required(Tag.ResponseHeader);
        var nonce = header.Required(Tag.Nonce);
        header.Required(Tag.AttestationType).AsEnumOf<AttestationType>().Should().Be(AttestationType.TPMQuote);

        var attested = capable with { Attestation = new AttestationCredential(nonce, AttestationType.TPMQuote, GoodQuote) };
        (await client.SendAsync(v, attested, KmipBatchItems.Get(key))).BatchItems.Single().EnsureSuccess();
        var replayed = await client.SendAsync(v, attested, KmipBatchItems.Get(key));
        replayed.BatchItems.Single().ResultReason.Should().Be(ResultReason.AttestationFailed);
        replayed.BatchItems.Single().ResultMessage.Should().Contain("Nonce is not one this server issued");

        var again = (await client.SendAsync(v, capable, KmipBatchItems.Get(key))).Message.Required(Tag.ResponseHeader).Required(Tag.Nonce);
        var badQuote = await client.SendAsync(v, capable with { Attestation = new AttestationCredential(again, AttestationType.TPMQuote, new byte[32]) }, KmipBatchItems.Get(key));
        badQuote.BatchItems.Single().ResultMessage.Should().Be("the Attestation Measurement is not one this server accepts");
        var incapable = await client.SendAsync(v, KmipBatchItems.Get(key));
        incapable.BatchItems.Single().ResultReason.Should().Be(ResultReason.PermissionDenied);
        incapable.Message.Required(Tag.ResponseHeader).Child(Tag.Nonce).Should().BeNull();
        (await client.SendAsync(v, KmipBatchItems.Query([QueryFunction.QueryAttestationTypes]))).BatchItems.Single().EnsureSuccess().RequiredPayload
            .Required(Tag.AttestationType).AsEnumOf<AttestationType>().Should().Be(AttestationType.TPMQuote);
    }
}
