using Harness.Kmip.Client.Tests.Support;

namespace Harness.Kmip.Client.Tests;

public sealed class KmipRequestsTests
{
    [Fact]
    public void Message_DiscoverVersionsV1_1_EncodesLikeTheSpec()
    {
        var message = KmipRequests.Message(ProtocolVersion.V1_1, KmipBatchItems.DiscoverVersions());

        TtlvWriter.Encode(message).Should().Equal(Hex.Parse("""
            420078 | 01 | 00000060
              420077 | 01 | 00000038
                420069 | 01 | 00000020
                  42006A | 02 | 00000004 | 00000001 00000000
                  42006B | 02 | 00000004 | 00000001 00000000
                42000D | 02 | 00000004 | 00000001 00000000
              42000F | 01 | 00000018
                42005C | 05 | 00000004 | 0000001E 00000000
                420079 | 01 | 00000000
            """));
    }

    [Fact]
    public void Message_AllHeaderOptions_WritesThemInSpecOrder()
    {
        var options = new KmipRequestOptions
        {
            Credential = new UsernamePasswordCredential("vcenter", "s3cret"),
            MaximumResponseSize = 4096,
            BatchErrorContinuationOption = BatchErrorContinuationOption.Continue,
            BatchOrderOption = true,
            TimeStamp = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
        };

        var message = KmipRequests.Message(ProtocolVersion.V1_4, options, KmipBatchItems.Query([QueryFunction.QueryOperations]));

        var header = message.Required(Tag.RequestHeader);
        header.Items.Select(i => i.Tag).Should().Equal(
            Tag.ProtocolVersion, Tag.MaximumResponseSize, Tag.Authentication, Tag.BatchErrorContinuationOption,
            Tag.BatchOrderOption, Tag.TimeStamp, Tag.BatchCount);
        header.Required(Tag.MaximumResponseSize).AsInt32.Should().Be(4096);
        header.Required(Tag.BatchOrderOption).AsBoolean.Should().BeTrue();
        header.Required(Tag.BatchErrorContinuationOption).AsEnumOf<BatchErrorContinuationOption>().Should().Be(BatchErrorContinuationOption.Continue);
        var credential = header.Required(Tag.Authentication).Required(Tag.Credential);
        credential.Required(Tag.CredentialType).AsEnumOf<CredentialType>().Should().Be(CredentialType.UsernameAndPassword);
        credential.Required(Tag.CredentialValue).Required(Tag.Username).AsText.Should().Be("vcenter");
        credential.Required(Tag.CredentialValue).Required(Tag.Password).AsText.Should().Be("s3cret");
    }

    [Fact]
    public void Message_SeveralItems_CountsThemAndKeepsTheirOrder()
    {
        var message = KmipRequests.Message(ProtocolVersion.V1_1,
            KmipBatchItems.Activate("a"), KmipBatchItems.Destroy("a"));

        message.Required(Tag.RequestHeader).Required(Tag.BatchCount).AsInt32.Should().Be(2);
        message.ChildrenOf(Tag.BatchItem).Select(b => b.Required(Tag.Operation).AsEnumOf<Operation>())
            .Should().Equal(Operation.Activate, Operation.Destroy);
    }

    [Fact]
    public void Message_AssignBatchItemIds_GivesEachItemItsOwn8ByteId()
    {
        var message = KmipRequests.Message(ProtocolVersion.V1_1, new KmipRequestOptions { AssignBatchItemIds = true },
            KmipBatchItems.Activate("a"), KmipBatchItems.Get("a"), new BatchItemRequest(Operation.Destroy, KmipRequests.Payload(), [1, 2]));

        var ids = message.ChildrenOf(Tag.BatchItem).Select(b => b.Required(Tag.UniqueBatchItemID).AsBytes).ToList();
        ids[0].Should().HaveCount(8);
        ids[1].Should().HaveCount(8).And.NotEqual(ids[0]);
        ids[2].Should().Equal(1, 2);
    }

    [Fact]
    public void Message_WithoutOptions_LeavesOutUniqueBatchItemId()
    {
        var message = KmipRequests.Message(ProtocolVersion.V1_1, KmipBatchItems.Activate("a"));

        message.Required(Tag.BatchItem).Child(Tag.UniqueBatchItemID).Should().BeNull();
    }

    [Fact]
    public void UsernamePasswordCredential_ToString_HidesThePassword()
    {
        new UsernamePasswordCredential("u", "p@ss").ToString().Should().NotContain("p@ss");
    }

    [Fact]
    public void ProtocolVersion_ParseAndCompare_OrdersByMajorThenMinor()
    {
        ProtocolVersion.Parse("1.4").Should().Be(ProtocolVersion.V1_4);
        (ProtocolVersion.V2_0 > ProtocolVersion.V1_4).Should().BeTrue();
        ProtocolVersion.All.Should().BeInDescendingOrder();
        ProtocolVersion.V2_1.ToString().Should().Be("2.1");
        FluentActions.Invoking(() => ProtocolVersion.Parse("one")).Should().Throw<FormatException>();
    }
}

public sealed class KmipBatchItemsTests
{
    private static readonly KmipAttribute[] VCenterAttributes = [.. KmipAttribute.Aes256EncryptDecrypt];

    [Fact]
    public void CreateSymmetricKey_V1_CarriesTemplateAttributeWithNamedAttributes()
    {
        var item = KmipBatchItems.CreateSymmetricKey(ProtocolVersion.V1_1, VCenterAttributes);

        item.Operation.Should().Be(Operation.Create);
        item.Payload.Required(Tag.ObjectType).AsEnumOf<ObjectType>().Should().Be(ObjectType.SymmetricKey);
        var attributes = item.Payload.Required(Tag.TemplateAttribute).ChildrenOf(Tag.Attribute).ToList();
        attributes.Select(a => a.Required(Tag.AttributeName).AsText).Should()
            .Equal("Cryptographic Algorithm", "Cryptographic Length", "Cryptographic Usage Mask");
        attributes[0].Required(Tag.AttributeValue).AsEnumOf<CryptographicAlgorithm>().Should().Be(CryptographicAlgorithm.AES);
        attributes[1].Required(Tag.AttributeValue).AsInt32.Should().Be(256);
        attributes[2].Required(Tag.AttributeValue).AsInt32.Should().Be(12);
        item.Payload.Child(Tag.Attributes).Should().BeNull();
    }

    [Fact]
    public void CreateSymmetricKey_V2_CarriesAttributesUnderTheirOwnTags()
    {
        var item = KmipBatchItems.CreateSymmetricKey(ProtocolVersion.V2_0,
            [.. VCenterAttributes, KmipAttribute.ObjectName("vm-key"), KmipAttribute.Text("x-Vendor", "VMware, Inc.")]);

        var attributes = item.Payload.Required(Tag.Attributes);
        attributes.Items.Select(a => a.Tag).Should().Equal(
            Tag.CryptographicAlgorithm, Tag.CryptographicLength, Tag.CryptographicUsageMask, Tag.Name, Tag.Attribute);
        attributes.Required(Tag.CryptographicAlgorithm).AsEnumOf<CryptographicAlgorithm>().Should().Be(CryptographicAlgorithm.AES);
        attributes.Required(Tag.Name).Required(Tag.NameValue).AsText.Should().Be("vm-key");
        var vendor = attributes.Required(Tag.Attribute);
        vendor.Required(Tag.VendorIdentification).AsText.Should().Be("x");
        vendor.Required(Tag.AttributeName).AsText.Should().Be("Vendor");
        vendor.Required(Tag.AttributeValue).AsText.Should().Be("VMware, Inc.");
        item.Payload.Child(Tag.TemplateAttribute).Should().BeNull();
    }

    [Fact]
    public void AddAttribute_V1_CarriesOneAttributeStructure()
    {
        var item = KmipBatchItems.AddAttribute(ProtocolVersion.V1_1, "key-1", KmipAttribute.Text("x-Product_Version", "7.0.3 build-19480866"));

        item.Payload.Required(Tag.UniqueIdentifier).AsText.Should().Be("key-1");
        var attribute = item.Payload.Required(Tag.Attribute);
        attribute.Required(Tag.AttributeName).AsText.Should().Be("x-Product_Version");
        attribute.Required(Tag.AttributeValue).AsText.Should().Be("7.0.3 build-19480866");
        attribute.Child(Tag.AttributeIndex).Should().BeNull();
    }

    [Fact]
    public void AddAttribute_V1WithIndex_WritesAttributeIndex()
    {
        var item = KmipBatchItems.AddAttribute(ProtocolVersion.V1_4, "key-1", KmipAttribute.Text("x-Tag", "b") with { Index = 1 });

        item.Payload.Required(Tag.Attribute).Items.Select(i => i.Tag).Should().Equal(Tag.AttributeName, Tag.AttributeIndex, Tag.AttributeValue);
    }

    [Fact]
    public void AddAttribute_V2_CarriesNewAttributeWithVendorAttribute()
    {
        var item = KmipBatchItems.AddAttribute(ProtocolVersion.V2_1, "key-1", KmipAttribute.Text("x-Vendor", "VMware, Inc."));

        var attribute = item.Payload.Required(Tag.NewAttribute).Required(Tag.Attribute);
        attribute.Required(Tag.VendorIdentification).AsText.Should().Be("x");
        attribute.Required(Tag.AttributeName).AsText.Should().Be("Vendor");
        item.Payload.Child(Tag.Attribute).Should().BeNull();
    }

    [Fact]
    public void AddAttribute_V2StandardAttribute_UsesItsOwnTagInsideNewAttribute()
    {
        var item = KmipBatchItems.AddAttribute(ProtocolVersion.V2_0, "key-1", KmipAttribute.ObjectGroup("vsan"));

        item.Payload.Required(Tag.NewAttribute).Required(Tag.ObjectGroup).AsText.Should().Be("vsan");
    }

    [Fact]
    public void GetAttributes_V1_ListsAttributeNames()
    {
        var item = KmipBatchItems.GetAttributes(ProtocolVersion.V1_1, "key-1", ["State", "x-Product_Version"]);

        item.Payload.ChildrenOf(Tag.AttributeName).Select(n => n.AsText).Should().Equal("State", "x-Product_Version");
    }

    [Fact]
    public void GetAttributes_V2_ListsAttributeReferences()
    {
        var item = KmipBatchItems.GetAttributes(ProtocolVersion.V2_1, "key-1", ["State", "x-Product_Version"]);

        var references = item.Payload.ChildrenOf(Tag.AttributeReference).ToList();
        references[0].Type.Should().Be(ItemType.Enumeration);
        references[0].AsEnum.Should().Be((uint)Tag.State);
        references[1].Required(Tag.VendorIdentification).AsText.Should().Be("x");
        references[1].Required(Tag.AttributeName).AsText.Should().Be("Product_Version");
        references.Select(KmipAttribute.NameOfReference).Should().Equal("State", "x-Product_Version");
    }

    [Fact]
    public void Get_WithKeyFormat_CarriesIdAndFormat()
    {
        var item = KmipBatchItems.Get("key-1", KeyFormatType.Raw);

        item.Payload.Items.Select(i => i.Tag).Should().Equal(Tag.UniqueIdentifier, Tag.KeyFormatType);
        item.Payload.Required(Tag.KeyFormatType).AsEnumOf<KeyFormatType>().Should().Be(KeyFormatType.Raw);
    }

    [Fact]
    public void Activate_WithoutId_LeavesItOutForTheIdPlaceholder()
    {
        KmipBatchItems.Activate(null).Payload.Items.Should().BeEmpty();
    }

    [Fact]
    public void Revoke_KeyCompromise_CarriesReasonMessageAndDate()
    {
        var when = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

        var item = KmipBatchItems.Revoke("key-1", RevocationReasonCode.KeyCompromise, "lost laptop", when);

        var reason = item.Payload.Required(Tag.RevocationReason);
        reason.Required(Tag.RevocationReasonCode).AsEnumOf<RevocationReasonCode>().Should().Be(RevocationReasonCode.KeyCompromise);
        reason.Required(Tag.RevocationMessage).AsText.Should().Be("lost laptop");
        item.Payload.Required(Tag.CompromiseOccurrenceDate).AsDateTime.Should().Be(when);
    }

    [Fact]
    public void Locate_V1_CarriesAttributeItems()
    {
        var item = KmipBatchItems.Locate(ProtocolVersion.V1_4, [KmipAttribute.ObjectType(ObjectType.SymmetricKey)], maximumItems: 10);

        item.Payload.Items.Select(i => i.Tag).Should().Equal(Tag.MaximumItems, Tag.Attribute);
        item.Payload.Required(Tag.Attribute).Required(Tag.AttributeName).AsText.Should().Be("Object Type");
    }

    [Fact]
    public void Locate_V2_CarriesAttributesStructure()
    {
        var item = KmipBatchItems.Locate(ProtocolVersion.V2_1, [KmipAttribute.ObjectType(ObjectType.SymmetricKey)], offsetItems: 5);

        item.Payload.Items.Select(i => i.Tag).Should().Equal(Tag.OffsetItems, Tag.Attributes);
        item.Payload.Required(Tag.Attributes).Required(Tag.ObjectType).AsEnumOf<ObjectType>().Should().Be(ObjectType.SymmetricKey);
    }

    [Fact]
    public void Locate_V2WithoutFilters_StillSendsAnEmptyAttributesStructure()
    {
        KmipBatchItems.Locate(ProtocolVersion.V2_0, []).Payload.Required(Tag.Attributes).Items.Should().BeEmpty();
    }

    [Fact]
    public void Query_Functions_AreEnumerationsInOrder()
    {
        var item = KmipBatchItems.Query([QueryFunction.QueryServerInformation, QueryFunction.QueryOperations]);

        item.Payload.ChildrenOf(Tag.QueryFunction).Select(f => f.AsEnumOf<QueryFunction>())
            .Should().Equal(QueryFunction.QueryServerInformation, QueryFunction.QueryOperations);
    }
}

public sealed class KmipAttributeTests
{
    [Fact]
    public void Parse_V1AttributeStructure_ReadsNameIndexAndValue()
    {
        var node = TtlvNode.Structure(Tag.Attribute,
            TtlvNode.Text(Tag.AttributeName, "Cryptographic Length"),
            TtlvNode.Integer(Tag.AttributeIndex, 0),
            TtlvNode.Integer(Tag.AttributeValue, 256));

        var attribute = KmipAttribute.Parse(node);

        attribute.Name.Should().Be("Cryptographic Length");
        attribute.Index.Should().Be(0);
        attribute.AsInt32.Should().Be(256);
        attribute.StandardTag.Should().Be(Tag.CryptographicLength);
    }

    [Fact]
    public void Parse_V2OwnTagAndVendorAttribute_GivesV1Names()
    {
        var attributes = KmipAttribute.ParseAll(TtlvNode.Structure(Tag.ResponsePayload,
            TtlvNode.Text(Tag.UniqueIdentifier, "key-1"),
            TtlvNode.Structure(Tag.Attributes,
                TtlvNode.Enumeration(Tag.State, State.Active),
                TtlvNode.Structure(Tag.Attribute,
                    TtlvNode.Text(Tag.VendorIdentification, "x"),
                    TtlvNode.Text(Tag.AttributeName, "Vendor"),
                    TtlvNode.Text(Tag.AttributeValue, "VMware, Inc.")))));

        attributes.Select(a => a.Name).Should().Equal("State", "x-Vendor");
        attributes[0].AsEnum<State>().Should().Be(State.Active);
        attributes[1].AsText.Should().Be("VMware, Inc.");
    }

    [Fact]
    public void ToV2_ThenParse_RoundTripsStandardAndCustomAttributes()
    {
        KmipAttribute[] originals =
        [
            KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.AES),
            KmipAttribute.ObjectName("k"),
            KmipAttribute.Text("x-Product", "VMware vSphere"),
        ];

        var parsed = originals.Select(a => KmipAttribute.Parse(a.ToV2())).ToList();

        parsed.Select(a => a.Name).Should().Equal(originals.Select(a => a.Name));
        parsed.Zip(originals).Should().AllSatisfy(p => p.First.Value.WithTag(Tag.AttributeValue)
            .ValueEquals(p.Second.Value.WithTag(Tag.AttributeValue)).Should().BeTrue());
    }

    [Fact]
    public void ToString_EnumerationAttribute_ShowsTheEnumName()
    {
        KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.AES).ToString().Should().Be("Cryptographic Algorithm = AES");
    }
}

public sealed class KmipResponseTests
{
    [Fact]
    public void Parse_CannedDiscoverVersions_ReadsHeaderAndItem()
    {
        var response = KmipResponse.Parse(TtlvReader.Decode(CannedResponses.DiscoverVersions));

        response.ProtocolVersion.Should().Be(ProtocolVersion.V1_4);
        response.BatchCount.Should().Be(1);
        response.BatchItems[0].IsSuccess.Should().BeTrue();
        response.EnsureSuccess().Should().BeSameAs(response);
    }

    [Fact]
    public void EnsureSuccess_FailedItem_ThrowsKmipExceptionWithReasonAndMessage()
    {
        var response = KmipResponse.Parse(CannedResponses.Message(
            CannedResponses.Success(Operation.Activate, TtlvNode.Structure(Tag.ResponsePayload)),
            CannedResponses.Failure(Operation.Get, ResultReason.ItemNotFound, "no object with id key-9")));

        var act = () => response.EnsureSuccess();

        var thrown = act.Should().Throw<KmipException>().Which;
        thrown.Reason.Should().Be(ResultReason.ItemNotFound);
        thrown.Message.Should().Be("Get OperationFailed (ItemNotFound): no object with id key-9");
        thrown.Should().BeOfType<KmipOperationException>().Which.ResultMessage.Should().Be("no object with id key-9");
    }

    [Fact]
    public void Parse_RequestMessage_ThrowsInvalidMessage()
    {
        var act = () => KmipResponse.Parse(KmipRequests.Message(ProtocolVersion.V1_1, KmipBatchItems.DiscoverVersions()));

        act.Should().Throw<KmipException>().Which.Reason.Should().Be(ResultReason.InvalidMessage);
    }

    [Fact]
    public void ItemFor_UniqueBatchItemId_FindsTheMatchingItem()
    {
        var response = KmipResponse.Parse(CannedResponses.Message(
            CannedResponses.Success(Operation.Activate, null, [1]),
            CannedResponses.Success(Operation.Destroy, null, [2])));

        response.ItemFor([2]).Operation.Should().Be(Operation.Destroy);
        FluentActions.Invoking(() => response.ItemFor([3])).Should().Throw<KmipException>();
    }
}
