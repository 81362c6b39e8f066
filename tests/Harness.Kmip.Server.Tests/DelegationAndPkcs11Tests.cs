using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>Delegated Login (another client acts as this one, within Rights) and the PKCS#11 operation's session.</summary>
public class DelegationAndPkcs11Tests
{
    private static KmipRequestOptions With(TicketCredential ticket) => new() { Credential = ticket };

    [Fact]
    public async Task ADelegatedTicket_LetsAnotherClientActAsTheDelegator_OnlyWithinItsRights()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var owner = await kms.ConnectAsync();
        await using var helper = await kms.ConnectAsync(kms.Pki.Ca.IssueClient("Backup Agent"));
        var ops = new KmipOperations(owner, V21);
        var shared = await ops.CreateSymmetricKeyAsync([.. KmipAttribute.Aes256EncryptDecrypt, KmipAttribute.ObjectGroup("backup")]);
        var secret = await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
        var ticket = TicketCredential.From((await owner.OneAsync(V21, KmipBatchItems.DelegatedLogin(
            [KmipBatchItems.Right(operations: [Operation.Get, Operation.Locate], objectGroups: ["backup"])], requestCount: 4))).EnsureSuccess().RequiredPayload);

        var got = (await helper.SendAsync(V21, With(ticket), KmipBatchItems.Get(shared))).BatchItems.Single();
        got.EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText.Should().Be(shared);
        (await helper.SendAsync(V21, With(ticket), KmipBatchItems.Locate(V21, []))).BatchItems.Single().EnsureSuccess().RequiredPayload
            .ChildrenOf(Tag.UniqueIdentifier).Select(n => n.AsText).Should().Equal([shared], "Locate finds only what the Rights cover");
        var other = (await helper.SendAsync(V21, With(ticket), KmipBatchItems.Get(secret))).BatchItems.Single();
        other.ResultReason.Should().Be(ResultReason.PermissionDenied);
        other.ResultMessage.Should().Be($"the delegated ticket's Rights do not allow Get on '{secret}'");
        var destroy = (await helper.SendAsync(V21, With(ticket), KmipBatchItems.Destroy(shared))).BatchItems.Single();
        destroy.ResultReason.Should().Be(ResultReason.PermissionDenied);
        destroy.ResultMessage.Should().Be("the delegated ticket's Rights do not allow Destroy");
        (await helper.SendAsync(V21, With(ticket), KmipBatchItems.Get(shared))).BatchItems.Single().ResultReason
            .Should().Be(ResultReason.InvalidTicket, "the Request Count of 4 is used up");
        (await helper.OneAsync(V21, KmipBatchItems.Get(shared))).ResultReason.Should().Be(ResultReason.ObjectNotFound, "without the ticket the helper is itself");
    }

    [Fact]
    public async Task ADelegatedTicket_CannotWrapWithAKeyItsRightsDoNotCover()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var owner = await kms.ConnectAsync();
        await using var helper = await kms.ConnectAsync(kms.Pki.Ca.IssueClient("Backup Agent"));
        var shared = await owner.CreateKeyAsync(V21);
        var kek = await owner.RegisterKeyAsync(V21, CryptographicAlgorithm.AES, new byte[32], CryptographicUsageMask.WrapKey);
        var ticket = TicketCredential.From((await owner.OneAsync(V21, KmipBatchItems.DelegatedLogin(
            [KmipBatchItems.Right(operations: [Operation.Get], objects: [shared])]))).EnsureSuccess().RequiredPayload);
        var wrapped = new BatchItemRequest(Operation.Get, KmipRequests.Payload(TtlvNode.Text(Tag.UniqueIdentifier, shared),
            TtlvNode.Structure(Tag.KeyWrappingSpecification, TtlvNode.Enumeration(Tag.WrappingMethod, WrappingMethod.Encrypt),
                TtlvNode.Structure(Tag.EncryptionKeyInformation, TtlvNode.Text(Tag.UniqueIdentifier, kek)))));

        var refused = (await helper.SendAsync(V21, With(ticket), wrapped)).BatchItems.Single();

        refused.ResultReason.Should().Be(ResultReason.PermissionDenied);
        refused.ResultMessage.Should().Be($"the delegated ticket's Rights do not allow Get on '{kek}'");
        (await owner.OneAsync(V21, wrapped)).EnsureSuccess();
    }

    [Fact]
    public async Task DelegatedLogin_RefusesNoRights_UsageLimits_AndDelegatingFurther()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var none = await client.OneAsync(V21, KmipBatchItems.DelegatedLogin([]));
        none.ResultReason.Should().Be(ResultReason.InvalidField);
        none.ResultMessage.Should().Contain("at least one Right");
        var limited = await client.OneAsync(V21, KmipBatchItems.DelegatedLogin([TtlvNode.Structure(Tag.Right, TtlvNode.Structure(Tag.UsageLimits,
            TtlvNode.LongInteger(Tag.UsageLimitsTotal, 5), TtlvNode.Enumeration(Tag.UsageLimitsUnit, UsageLimitsUnit.Object)))]));
        limited.ResultReason.Should().Be(ResultReason.FeatureNotSupported);
        var ticket = TicketCredential.From((await client.OneAsync(V21, KmipBatchItems.DelegatedLogin([KmipBatchItems.Right()]))).EnsureSuccess().RequiredPayload);
        var further = (await client.SendAsync(V21, With(ticket), KmipBatchItems.DelegatedLogin([KmipBatchItems.Right()]))).BatchItems.Single();
        further.ResultReason.Should().Be(ResultReason.PermissionDenied);
        (await client.OneAsync(V21, new BatchItemRequest(Operation.DelegatedLogin, KmipRequests.Payload()))).ResultReason.Should().NotBe(ResultReason.GeneralFailure);
    }

    [Fact]
    public async Task Pkcs11_InitializeGivesASession_GetInfoAnswersCkInfo_FinalizeEndsIt()
    {
        const uint initialize = 1, finalize = 2, getInfo = 3, generateKey = 59;
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        await using var other = await kms.ConnectAsync(kms.Pki.Ca.IssueClient("Other Client"));

        var init = (await client.OneAsync(V21, KmipBatchItems.Pkcs11(initialize, inputParameters: [1]))).EnsureSuccess().RequiredPayload;
        init.Required(Tag.PKCS_11ReturnCode).AsEnum.Should().Be(0u);
        var session = init.Required(Tag.CorrelationValue).AsBytes;

        var info = (await client.OneAsync(V21, KmipBatchItems.Pkcs11(getInfo, session))).EnsureSuccess().RequiredPayload;
        info.Required(Tag.PKCS_11ReturnCode).AsEnum.Should().Be(0u);
        var ckInfo = info.Required(Tag.PKCS_11OutputParameters).AsBytes;
        ckInfo.Should().HaveCount(76);
        ckInfo[..2].Should().Equal(2, 40);
        System.Text.Encoding.ASCII.GetString(ckInfo, 2, 32).TrimEnd().Should().Be("Harness");
        (await other.OneAsync(V21, KmipBatchItems.Pkcs11(getInfo, session))).EnsureSuccess().RequiredPayload
            .Required(Tag.PKCS_11ReturnCode).AsEnum.Should().Be(0x190u, "another client's session is not this client's: CKR_CRYPTOKI_NOT_INITIALIZED");
        (await client.OneAsync(V21, KmipBatchItems.Pkcs11(generateKey, session))).EnsureSuccess().RequiredPayload
            .Required(Tag.PKCS_11ReturnCode).AsEnum.Should().Be(0x54u, "CKR_FUNCTION_NOT_SUPPORTED");

        (await client.OneAsync(V21, KmipBatchItems.Pkcs11(finalize, session))).EnsureSuccess().RequiredPayload
            .Required(Tag.PKCS_11ReturnCode).AsEnum.Should().Be(0u);
        (await client.OneAsync(V21, KmipBatchItems.Pkcs11(getInfo, session))).EnsureSuccess().RequiredPayload
            .Required(Tag.PKCS_11ReturnCode).AsEnum.Should().Be(0x190u);
        (await client.OneAsync(V21, new BatchItemRequest(Operation.PKCS_11, KmipRequests.Payload()))).ResultReason.Should().Be(ResultReason.InvalidField);
    }
}
