using Harness.Kmip.Client.Tests.Support;

namespace Harness.Kmip.Client.Tests;

/// <summary>The convenience calls against a fake peer that checks the request and answers like a KMS would.</summary>
public sealed class KmipOperationsTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A peer that answers each request with <paramref name="answer"/>(request batch item).</summary>
    private static FakeKmipPeer Answering(Func<TtlvNode, TtlvNode, TtlvNode> answer, List<TtlvNode>? seen = null) =>
        FakeKmipPeer.Start(async (c, ct) =>
        {
            while (await c.ReadRequestNodeAsync(ct) is { } request)
            {
                if (seen is not null) lock (seen) seen.Add(request);
                var items = request.ChildrenOf(Tag.BatchItem).Select(i => answer(request, i)).ToArray();
                await c.WriteAsync(CannedResponses.Message(items), ct);
            }
        });

    private static Operation Op(TtlvNode item) => item.Required(Tag.Operation).AsEnumOf<Operation>();

    [Fact]
    public async Task CreateSymmetricKeyAsync_V1_1_SendsVCenterTemplateAndReturnsId()
    {
        var seen = new List<TtlvNode>();
        await using var peer = Answering((_, item) => CannedResponses.Success(Op(item), TtlvNode.Structure(Tag.ResponsePayload,
            TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey), TtlvNode.Text(Tag.UniqueIdentifier, "key-1"))), seen);
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);
        var kmip = new KmipOperations(client, ProtocolVersion.V1_1, new KmipRequestOptions { AssignBatchItemIds = true });

        var id = await kmip.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt, Ct).WaitAsync(HangGuard, Ct);

        id.Should().Be("key-1");
        var request = seen.Should().ContainSingle().Subject;
        ProtocolVersion.FromTtlv(request.Required(Tag.RequestHeader).Required(Tag.ProtocolVersion)).Should().Be(ProtocolVersion.V1_1);
        var item = request.Required(Tag.BatchItem);
        item.Required(Tag.UniqueBatchItemID).AsBytes.Should().HaveCount(8);
        item.Required(Tag.RequestPayload).Required(Tag.TemplateAttribute).ChildrenOf(Tag.Attribute).Should().HaveCount(3);
    }

    [Fact]
    public async Task GetAsync_RawSymmetricKey_ReturnsKeyMaterial()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        await using var peer = Answering((_, item) => CannedResponses.Success(Op(item), TtlvNode.Structure(Tag.ResponsePayload,
            TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
            TtlvNode.Text(Tag.UniqueIdentifier, item.Required(Tag.RequestPayload).Required(Tag.UniqueIdentifier).AsText),
            TtlvNode.Structure(Tag.SymmetricKey,
                TtlvNode.Structure(Tag.KeyBlock,
                    TtlvNode.Enumeration(Tag.KeyFormatType, KeyFormatType.Raw),
                    TtlvNode.Structure(Tag.KeyValue, TtlvNode.Bytes(Tag.KeyMaterial, key)),
                    TtlvNode.Enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES),
                    TtlvNode.Integer(Tag.CryptographicLength, 256))))));
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);
        var kmip = new KmipOperations(client, ProtocolVersion.V1_1);

        var obj = await kmip.GetAsync("key-1", KeyFormatType.Raw, Ct).WaitAsync(HangGuard, Ct);

        obj.UniqueIdentifier.Should().Be("key-1");
        obj.ObjectType.Should().Be(ObjectType.SymmetricKey);
        obj.KeyFormatType.Should().Be(KeyFormatType.Raw);
        obj.CryptographicAlgorithm.Should().Be(CryptographicAlgorithm.AES);
        obj.CryptographicLength.Should().Be(256);
        obj.KeyMaterial.Should().Equal(key);
    }

    [Fact]
    public async Task GetAsync_ServerReportsItemNotFound_ThrowsKmipExceptionWithReason()
    {
        await using var peer = Answering((_, item) => CannedResponses.Failure(Op(item), ResultReason.ItemNotFound, "no such key"));
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);
        var kmip = new KmipOperations(client, ProtocolVersion.V1_4);

        var act = () => kmip.GetAsync("missing", ct: Ct).WaitAsync(HangGuard, Ct);

        var thrown = await act.Should().ThrowAsync<KmipException>();
        thrown.Which.Reason.Should().Be(ResultReason.ItemNotFound);
        thrown.Which.Message.Should().Contain("no such key");
        client.IsConnected.Should().BeTrue("an operation failure is an answer, not a broken connection");
    }

    [Fact]
    public async Task GetAttributesAsync_V2_SendsReferencesAndReadsAttributesStructure()
    {
        var seen = new List<TtlvNode>();
        await using var peer = Answering((_, item) => CannedResponses.Success(Op(item), TtlvNode.Structure(Tag.ResponsePayload,
            TtlvNode.Text(Tag.UniqueIdentifier, "key-1"),
            TtlvNode.Structure(Tag.Attributes,
                TtlvNode.Enumeration(Tag.State, State.PreActive),
                TtlvNode.Structure(Tag.Attribute,
                    TtlvNode.Text(Tag.VendorIdentification, "x"),
                    TtlvNode.Text(Tag.AttributeName, "Product_Version"),
                    TtlvNode.Text(Tag.AttributeValue, "7.0.3"))))), seen);
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);
        var kmip = new KmipOperations(client, ProtocolVersion.V2_1);

        var attributes = await kmip.GetAttributesAsync("key-1", ["State", "x-Product_Version"], Ct).WaitAsync(HangGuard, Ct);

        attributes.Select(a => a.ToString()).Should().Equal("State = PreActive", "x-Product_Version = 7.0.3");
        seen[0].Required(Tag.BatchItem).Required(Tag.RequestPayload).ChildrenOf(Tag.AttributeReference).Should().HaveCount(2);
    }

    [Fact]
    public async Task SendBatchAsync_VCenterAddAttributes_SendsThreeItemsInOneMessage()
    {
        var seen = new List<TtlvNode>();
        await using var peer = Answering((_, item) => CannedResponses.Success(Op(item), TtlvNode.Structure(Tag.ResponsePayload,
            TtlvNode.Text(Tag.UniqueIdentifier, "key-1")), item.Child(Tag.UniqueBatchItemID)?.AsBytes), seen);
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);
        var kmip = new KmipOperations(client, ProtocolVersion.V1_1, new KmipRequestOptions { AssignBatchItemIds = true });

        var response = await kmip.SendBatchAsync(
        [
            KmipBatchItems.AddAttribute(kmip.Version, "key-1", KmipAttribute.Text("x-Product_Version", "7.0.3 build-19480866")),
            KmipBatchItems.AddAttribute(kmip.Version, "key-1", KmipAttribute.Text("x-Vendor", "VMware, Inc.")),
            KmipBatchItems.AddAttribute(kmip.Version, "key-1", KmipAttribute.Text("x-Product", "VMware vSphere")),
        ], Ct).WaitAsync(HangGuard, Ct);

        response.EnsureSuccess().BatchItems.Should().HaveCount(3);
        seen.Should().ContainSingle().Which.ChildrenOf(Tag.BatchItem).Should().HaveCount(3);
    }

    [Fact]
    public async Task LifecycleCalls_V1_4_SendTheirOperationsAndSucceed()
    {
        var seen = new List<TtlvNode>();
        await using var peer = Answering((_, item) => Op(item) switch
        {
            Operation.Locate => CannedResponses.Success(Operation.Locate, TtlvNode.Structure(Tag.ResponsePayload,
                TtlvNode.Text(Tag.UniqueIdentifier, "a"), TtlvNode.Text(Tag.UniqueIdentifier, "b"))),
            Operation.GetAttributeList => CannedResponses.Success(Operation.GetAttributeList, TtlvNode.Structure(Tag.ResponsePayload,
                TtlvNode.Text(Tag.UniqueIdentifier, "a"),
                TtlvNode.Text(Tag.AttributeName, "State"), TtlvNode.Text(Tag.AttributeName, "x-Vendor"))),
            Operation.DiscoverVersions => CannedResponses.Success(Operation.DiscoverVersions, TtlvNode.Structure(Tag.ResponsePayload,
                ProtocolVersion.V1_4.ToTtlv(), ProtocolVersion.V1_1.ToTtlv())),
            Operation.Query => CannedResponses.Success(Operation.Query, TtlvNode.Structure(Tag.ResponsePayload,
                TtlvNode.Enumeration(Tag.Operation, Operation.Create), TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
                TtlvNode.Text(Tag.VendorIdentification, "Harness"))),
            var op => CannedResponses.Success(op, TtlvNode.Structure(Tag.ResponsePayload, TtlvNode.Text(Tag.UniqueIdentifier, "a"))),
        }, seen);
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);
        var kmip = new KmipOperations(client, ProtocolVersion.V1_4);

        (await kmip.DiscoverVersionsAsync([ProtocolVersion.V1_4, ProtocolVersion.V1_1], Ct)).Should().Equal(ProtocolVersion.V1_4, ProtocolVersion.V1_1);
        var query = await kmip.QueryAsync([QueryFunction.QueryOperations, QueryFunction.QueryObjects], Ct);
        await kmip.ActivateAsync("a", Ct);
        await kmip.AddAttributeAsync("a", "x-Vendor", TtlvNode.Text(Tag.AttributeValue, "VMware, Inc."), Ct);
        (await kmip.GetAttributeListAsync("a", Ct)).Should().Equal("State", "x-Vendor");
        await kmip.RevokeAsync("a", RevocationReasonCode.CessationOfOperation, "retired", ct: Ct);
        await kmip.DestroyAsync("a", Ct);
        (await kmip.LocateAsync([KmipAttribute.ObjectType(ObjectType.SymmetricKey)], ct: Ct)).Should().Equal("a", "b");

        query.Operations.Should().Equal(Operation.Create);
        query.ObjectTypes.Should().Equal(ObjectType.SymmetricKey);
        query.VendorIdentification.Should().Be("Harness");
        seen.Select(r => Op(r.Required(Tag.BatchItem))).Should().Equal(
            Operation.DiscoverVersions, Operation.Query, Operation.Activate, Operation.AddAttribute, Operation.GetAttributeList,
            Operation.Revoke, Operation.Destroy, Operation.Locate);
    }
}
