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
