using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// Asynchronous requests (KMIP 1.4 §6.7–6.8, 2.1 §9.1–9.2): Operation Pending with a correlation value, then Poll,
/// Cancel, Process and Query Asynchronous Requests, each client seeing only its own; the server's clock decides when
/// a pending request is due, and the tests advance it.
/// </summary>
public class AsynchronousRequestsTests
{
    private static readonly KmipAttribute[] EcP256 =
    [
        KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.EC), KmipAttribute.CryptographicLength(256),
        KmipAttribute.Standard(Tag.CryptographicDomainParameters, TtlvNode.Structure(Tag.CryptographicDomainParameters,
            TtlvNode.Enumeration(Tag.RecommendedCurve, RecommendedCurve.P_256))),
    ];

    private static KmipRequestOptions Asynchronous(AsynchronousIndicator indicator) => new() { AsynchronousIndicator = indicator };

    private static async Task<ResponseBatchItem> OneAsync(KmipClient client, ProtocolVersion v, KmipRequestOptions options, BatchItemRequest item) =>
        (await client.SendAsync(v, options, item)).BatchItems.Single();

    private static ResultReason Unknown(ProtocolVersion v) => v.IsV2 ? ResultReason.InvalidAsynchronousCorrelationValue : ResultReason.ItemNotFound;

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task CreateKeyPair_IsAnsweredPending_PollIsPendingUntilDue_ThenGivesTheKeyPair_Once(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync(o => o.AsynchronousDelay = TimeSpan.FromSeconds(30));
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, v);

        var pending = await OneAsync(client, v, Asynchronous(AsynchronousIndicator.Optional), KmipBatchItems.CreateKeyPair(v, EcP256));

        pending.ResultStatus.Should().Be(ResultStatus.OperationPending);
        pending.Operation.Should().Be(Operation.CreateKeyPair);
        pending.ResponsePayload.Should().BeNull();
        var correlation = pending.AsynchronousCorrelationValue!;
        correlation.Should().HaveCount(16);
        (await ops.LocateAsync([])).Should().BeEmpty("nothing is made before the request runs");

        kms.Clock.Advance(TimeSpan.FromSeconds(29));
        var early = await client.OneAsync(v, KmipBatchItems.Poll(correlation));
        early.ResultStatus.Should().Be(ResultStatus.OperationPending);
        early.ResponsePayload.Should().BeNull();
        early.AsynchronousCorrelationValue.Should().Equal(correlation);

        kms.Clock.Advance(TimeSpan.FromSeconds(1));
        var done = (await client.OneAsync(v, KmipBatchItems.Poll(correlation))).EnsureSuccess().RequiredPayload;
        var privateKey = done.Required(Tag.PrivateKeyUniqueIdentifier).AsText;
        var publicKey = done.Required(Tag.PublicKeyUniqueIdentifier).AsText;
        (await ops.LocateAsync([])).Should().BeEquivalentTo([privateKey, publicKey]);

        var again = await client.OneAsync(v, KmipBatchItems.Poll(correlation));
        again.ResultReason.Should().Be(Unknown(v));
        again.ResultMessage.Should().Contain(Convert.ToHexString(correlation)).And.Contain("answered already");
        var late = (await client.OneAsync(v, KmipBatchItems.Cancel(correlation))).EnsureSuccess().RequiredPayload;
        late.Required(Tag.CancellationResult).AsEnumOf<CancellationResult>().Should().Be(CancellationResult.Completed);
        late.Required(Tag.AsynchronousCorrelationValue).AsBytes.Should().Equal(correlation);
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task Cancel_BeforeTheRequestRuns_WithdrawsIt_AndNothingIsMade(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, v);
        var correlation = (await OneAsync(client, v, Asynchronous(AsynchronousIndicator.Optional), KmipBatchItems.CreateKeyPair(v, EcP256)))
            .AsynchronousCorrelationValue!;

        var canceled = (await client.OneAsync(v, KmipBatchItems.Cancel(correlation))).EnsureSuccess().RequiredPayload;
        canceled.Required(Tag.CancellationResult).AsEnumOf<CancellationResult>().Should().Be(CancellationResult.Canceled);

        kms.Clock.Advance(TimeSpan.FromMinutes(1));
        (await client.OneAsync(v, KmipBatchItems.Poll(correlation))).ResultReason.Should().Be(Unknown(v));
        (await ops.LocateAsync([])).Should().BeEmpty();
        var never = (await client.OneAsync(v, KmipBatchItems.Cancel([1, 2, 3]))).EnsureSuccess().RequiredPayload;
        never.Required(Tag.CancellationResult).AsEnumOf<CancellationResult>().Should().Be(CancellationResult.Unavailable);
    }

    [Fact]
    public async Task Mandatory_MakesEveryItemPending_QueryAsynchronousRequestsListsThem_AndProcessMakesTheNextPollAnswer()
    {
        await using var kms = await KmsFixture.StartAsync(o => o.AsynchronousDelay = TimeSpan.FromHours(1));
        await using var client = await kms.ConnectAsync();
        var submittedAt = kms.Clock.GetUtcNow();
        var response = await client.SendAsync(V21, Asynchronous(AsynchronousIndicator.Mandatory) with { AssignBatchItemIds = true },
            KmipBatchItems.Create(V21, ObjectType.SymmetricKey, KmipAttribute.Aes256EncryptDecrypt), KmipBatchItems.Query([QueryFunction.QueryOperations]));
        response.BatchItems.Should().OnlyContain(i => i.IsPending);
        var (create, query) = (response.BatchItems[0].AsynchronousCorrelationValue!, response.BatchItems[1].AsynchronousCorrelationValue!);

        var listed = (await client.OneAsync(V21, KmipBatchItems.QueryAsynchronousRequests())).EnsureSuccess().RequiredPayload
            .ChildrenOf(Tag.AsynchronousRequest).ToList();
        listed.Select(r => r.Required(Tag.AsynchronousCorrelationValue).AsBytes).Should().BeEquivalentTo([create, query]);
        var first = listed.Single(r => r.Required(Tag.Operation).AsEnumOf<Operation>() == Operation.Create);
        first.Required(Tag.SubmissionDate).AsDateTimeExtended.Should().Be(submittedAt.ToUnixTimeSeconds() * 1_000_000);
        first.Required(Tag.ProcessingStage).AsEnumOf<ProcessingStage>().Should().Be(ProcessingStage.Submitted);
        (await client.OneAsync(V21, KmipBatchItems.QueryAsynchronousRequests(operations: [Operation.Query]))).EnsureSuccess().RequiredPayload
            .ChildrenOf(Tag.AsynchronousRequest).Select(r => r.Required(Tag.AsynchronousCorrelationValue).AsBytes).Should().BeEquivalentTo([query]);
        (await client.OneAsync(V21, KmipBatchItems.QueryAsynchronousRequests([create]))).EnsureSuccess().RequiredPayload
            .ChildrenOf(Tag.AsynchronousRequest).Should().ContainSingle();

        (await client.OneAsync(V21, KmipBatchItems.Poll(create))).IsPending.Should().BeTrue("an hour is not up");
        (await client.OneAsync(V21, KmipBatchItems.Process(create))).EnsureSuccess();
        var key = IdOf(await client.OneAsync(V21, KmipBatchItems.Poll(create)));
        (await new KmipOperations(client, V21).GetAsync(key)).KeyBlock.Should().NotBeNull();
        (await client.OneAsync(V21, KmipBatchItems.QueryAsynchronousRequests())).EnsureSuccess().RequiredPayload
            .ChildrenOf(Tag.AsynchronousRequest).Select(r => r.Required(Tag.AsynchronousCorrelationValue).AsBytes).Should().BeEquivalentTo([query]);
        (await client.OneAsync(V21, KmipBatchItems.Process([9, 9]))).ResultReason.Should().Be(ResultReason.InvalidAsynchronousCorrelationValue);
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task WithoutTheIndicator_OrProhibited_OrForAFastOperation_TheAnswerIsSynchronous(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        (await client.OneAsync(v, KmipBatchItems.CreateKeyPair(v, EcP256))).EnsureSuccess();
        (await OneAsync(client, v, Asynchronous(AsynchronousIndicator.Prohibited), KmipBatchItems.CreateKeyPair(v, EcP256))).EnsureSuccess();
        IdOf(await OneAsync(client, v, Asynchronous(AsynchronousIndicator.Optional),
            KmipBatchItems.Create(v, ObjectType.SymmetricKey, KmipAttribute.Aes256EncryptDecrypt))).Should().NotBeNullOrEmpty("Create is fast: not deferred when the server may choose");
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task APendingRequestThatFails_FailsAtThePoll_AndCancelThenSaysFailed(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync(o => o.AsynchronousDelay = TimeSpan.Zero);
        await using var client = await kms.ConnectAsync();
        var correlation = (await OneAsync(client, v, Asynchronous(AsynchronousIndicator.Optional),
            KmipBatchItems.CreateKeyPair(v, [KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.EC), KmipAttribute.CryptographicLength(100)])))
            .AsynchronousCorrelationValue!;

        var failed = await client.OneAsync(v, KmipBatchItems.Poll(correlation));

        failed.ResultStatus.Should().Be(ResultStatus.OperationFailed);
        failed.ResultReason.Should().NotBe(ResultReason.GeneralFailure).And.NotBeNull();
        failed.ResultMessage.Should().Contain("100");
        (await client.OneAsync(v, KmipBatchItems.Cancel(correlation))).EnsureSuccess().RequiredPayload
            .Required(Tag.CancellationResult).AsEnumOf<CancellationResult>().Should().Be(CancellationResult.Failed);
    }

    [Fact]
    public async Task AnotherClient_CannotPollCancelOrListTheRequest()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var owner = await kms.ConnectAsync();
        await using var other = await kms.ConnectAsync(kms.Pki.Ca.IssueClient("Other Client"));
        var correlation = (await OneAsync(owner, V21, Asynchronous(AsynchronousIndicator.Optional), KmipBatchItems.CreateKeyPair(V21, EcP256)))
            .AsynchronousCorrelationValue!;
        kms.Clock.Advance(TimeSpan.FromMinutes(1));

        (await other.OneAsync(V21, KmipBatchItems.Poll(correlation))).ResultReason.Should().Be(ResultReason.InvalidAsynchronousCorrelationValue);
        (await other.OneAsync(V21, KmipBatchItems.Cancel(correlation))).EnsureSuccess().RequiredPayload
            .Required(Tag.CancellationResult).AsEnumOf<CancellationResult>().Should().Be(CancellationResult.Unavailable);
        (await other.OneAsync(V21, KmipBatchItems.QueryAsynchronousRequests())).EnsureSuccess().RequiredPayload
            .ChildrenOf(Tag.AsynchronousRequest).Should().BeEmpty();
        (await owner.OneAsync(V21, KmipBatchItems.Poll(correlation))).EnsureSuccess();
    }

    [Fact]
    public async Task ABatchUndoneAfterAPendingItem_WithdrawsThePendingRequest()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var response = await client.SendAsync(V21,
            Asynchronous(AsynchronousIndicator.Optional) with { BatchErrorContinuationOption = BatchErrorContinuationOption.Undo, AssignBatchItemIds = true },
            KmipBatchItems.CreateKeyPair(V21, EcP256), KmipBatchItems.Get("no-such-object"));

        response.BatchItems[0].ResultStatus.Should().Be(ResultStatus.OperationUndone);
        response.BatchItems[1].ResultStatus.Should().Be(ResultStatus.OperationFailed);
        var correlation = response.BatchItems[0].AsynchronousCorrelationValue!;
        kms.Clock.Advance(TimeSpan.FromMinutes(1));
        (await client.OneAsync(V21, KmipBatchItems.Poll(correlation))).ResultReason.Should().Be(ResultReason.InvalidAsynchronousCorrelationValue);
    }

    [Theory]
    [InlineData(ItemType.TextString)]
    [InlineData(ItemType.Enumeration)]
    public async Task AnAsynchronousIndicatorThatIsNeitherBooleanNorAKnownEnumeration_IsInvalidField(ItemType type)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var message = KmipRequests.Message(V21, KmipBatchItems.Query([QueryFunction.QueryOperations]));
        var header = message.Required(Tag.RequestHeader);
        var bad = type == ItemType.TextString ? TtlvNode.Text(Tag.AsynchronousIndicator, "yes") : TtlvNode.Enumeration(Tag.AsynchronousIndicator, 7u);
        var request = TtlvNode.Structure(Tag.RequestMessage, message.Items.Select(c => c.Tag == Tag.RequestHeader
            ? TtlvNode.Structure(Tag.RequestHeader, header.Items.Take(1).Append(bad).Concat(header.Items.Skip(1))) : c));

        var item = KmipResponse.Parse(await client.SendAsync(request, Ct)).BatchItems.Single();

        item.ResultReason.Should().Be(ResultReason.InvalidField);
        item.ResultMessage.Should().Match("*Asynchronous*Indicator*");
    }
}
