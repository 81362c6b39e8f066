using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>The message layer (KMIP 1.4 §6–7, 2.1 §8–9): batches, continuation options, limits, header fields, versions, credentials.</summary>
public class MessageLayerTests
{
    private static readonly byte[] IdA = [0xA1, 1, 2, 3], IdB = [0xB2, 4, 5, 6], IdC = [0xC3, 7, 8, 9];

    private static BatchItemRequest CreateNamed(ProtocolVersion v, string name) =>
        KmipBatchItems.CreateSymmetricKey(v, [.. KmipAttribute.Aes256EncryptDecrypt, Name(name)]);

    private static async Task<IReadOnlyList<string>> LocateByNameAsync(KmipClient client, string name) =>
        (await client.LocateAsync(V14, [Name(name)])).Ids;

    [Fact]
    public async Task Batch_SeveralItemsWithIds_EachIdEchoedOnItsResult()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        var response = await client.SendAsync(V14,
            CreateNamed(V14, "batch-1") with { UniqueBatchItemId = IdA },
            KmipBatchItems.GetAttributes(V14, null, ["State"]) with { UniqueBatchItemId = IdB },
            KmipBatchItems.Query([QueryFunction.QueryOperations]) with { UniqueBatchItemId = IdC });

        response.BatchCount.Should().Be(3);
        response.BatchItems.Select(i => i.UniqueBatchItemId).Should().BeEquivalentTo([IdA, IdB, IdC], o => o.WithStrictOrdering());
        response.BatchItems.Select(i => i.Operation).Should().Equal(Operation.Create, Operation.GetAttributes, Operation.Query);
        response.EnsureSuccess();
        var created = response.ItemFor(IdA).RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        response.ItemFor(IdB).RequiredPayload.Required(Tag.UniqueIdentifier).AsText.Should().Be(created, "the ID Placeholder carries the new key to the next item");
    }

    [Fact]
    public async Task Batch_StopOnError_LaterItemsNotRunNorReturned()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        var response = await client.SendAsync(V14, new KmipRequestOptions { BatchErrorContinuationOption = BatchErrorContinuationOption.Stop },
            CreateNamed(V14, "stop-before") with { UniqueBatchItemId = IdA },
            KmipBatchItems.Get("no-such-key") with { UniqueBatchItemId = IdB },
            CreateNamed(V14, "stop-after") with { UniqueBatchItemId = IdC });

        response.BatchItems.Should().HaveCount(2);
        response.BatchCount.Should().Be(2);
        response.ItemFor(IdA).ResultStatus.Should().Be(ResultStatus.Success);
        response.ItemFor(IdB).ResultReason.Should().Be(ResultReason.ItemNotFound);
        (await LocateByNameAsync(client, "stop-before")).Should().ContainSingle("items before the failure stand");
        (await LocateByNameAsync(client, "stop-after")).Should().BeEmpty("items after the failure never ran");
    }

    [Fact]
    public async Task Batch_ContinueOnError_AllItemsRunAndReturned()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        var response = await client.SendAsync(V14, new KmipRequestOptions { BatchErrorContinuationOption = BatchErrorContinuationOption.Continue },
            CreateNamed(V14, "continue-before") with { UniqueBatchItemId = IdA },
            KmipBatchItems.Get("no-such-key") with { UniqueBatchItemId = IdB },
            CreateNamed(V14, "continue-after") with { UniqueBatchItemId = IdC });

        response.BatchItems.Select(i => i.ResultStatus).Should().Equal(ResultStatus.Success, ResultStatus.OperationFailed, ResultStatus.Success);
        response.ItemFor(IdB).ResultReason.Should().Be(ResultReason.ItemNotFound);
        (await LocateByNameAsync(client, "continue-before")).Should().ContainSingle();
        (await LocateByNameAsync(client, "continue-after")).Should().ContainSingle();
    }

    [Fact]
    public async Task Batch_UndoOnError_EarlierItemsUndoneAndTheirKeyGone()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        var response = await client.SendAsync(V14, new KmipRequestOptions { BatchErrorContinuationOption = BatchErrorContinuationOption.Undo },
            CreateNamed(V14, "undo-me") with { UniqueBatchItemId = IdA },
            KmipBatchItems.Activate(null) with { UniqueBatchItemId = IdB },
            KmipBatchItems.Get("no-such-key") with { UniqueBatchItemId = IdC });

        response.ItemFor(IdA).ResultStatus.Should().Be(ResultStatus.OperationUndone);
        response.ItemFor(IdB).ResultStatus.Should().Be(ResultStatus.OperationUndone);
        response.ItemFor(IdC).ResultStatus.Should().Be(ResultStatus.OperationFailed);
        response.ItemFor(IdC).ResultReason.Should().Be(ResultReason.ItemNotFound);
        var undoneId = response.ItemFor(IdA).ResponsePayload?.Child(Tag.UniqueIdentifier)?.AsText;
        if (undoneId is not null)
            (await client.OneAsync(V14, KmipBatchItems.Get(undoneId))).ResultReason.Should().Be(ResultReason.ItemNotFound);
        (await LocateByNameAsync(client, "undo-me")).Should().BeEmpty();
        (await client.LocateAsync(V14, [])).Ids.Should().BeEmpty("the undone Create left no object behind");
        kms.Server.State.Store.Count.Should().Be(0);
    }

    [Fact]
    public async Task MaximumResponseSize_TooSmall_ResponseTooLarge()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        var response = await client.SendAsync(V14, new KmipRequestOptions { MaximumResponseSize = 100 },
            KmipBatchItems.Query([QueryFunction.QueryOperations, QueryFunction.QueryObjects]));

        var item = response.BatchItems.Should().ContainSingle().Subject;
        item.ResultStatus.Should().Be(ResultStatus.OperationFailed);
        item.ResultReason.Should().Be(ResultReason.ResponseTooLarge);
        item.ResponsePayload.Should().BeNull();
    }

    [Fact]
    public async Task MaximumResponseSize_LargeEnough_Served()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        var response = await client.SendAsync(V14, new KmipRequestOptions { MaximumResponseSize = 100_000 },
            KmipBatchItems.Query([QueryFunction.QueryOperations]));

        response.EnsureSuccess();
    }

    [Fact]
    public async Task ResponseHeader_TimeStamp_IsTheServerClock()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        kms.Clock.Advance(TimeSpan.FromDays(3) + TimeSpan.FromSeconds(17)); // far from the wall clock

        var response = await client.SendAsync(V14, KmipBatchItems.Query([QueryFunction.QueryOperations]));

        response.TimeStamp.Should().Be(DateTimeOffset.FromUnixTimeSeconds(kms.Clock.GetUtcNow().ToUnixTimeSeconds()));
    }

    [Fact]
    public async Task ResponseHeader_TimeStampOfUndecodableMessage_IsTheServerClock()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        kms.Clock.Advance(TimeSpan.FromDays(3) + TimeSpan.FromSeconds(17));

        // A Request Message whose one child claims more bytes than the message holds.
        var response = await client.SendBytesAsync(Convert.FromHexString("4200780100000010" + "420077010000FFFF" + "0000000000000000"));

        response.BatchItems.Should().ContainSingle().Which.ResultReason.Should().Be(ResultReason.InvalidMessage);
        response.TimeStamp.Should().Be(DateTimeOffset.FromUnixTimeSeconds(kms.Clock.GetUtcNow().ToUnixTimeSeconds()));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    [InlineData(1, 2)]
    [InlineData(1, 3)]
    [InlineData(1, 4)]
    [InlineData(2, 0)]
    [InlineData(2, 1)]
    public async Task ResponseHeader_ProtocolVersion_EqualsTheRequests(int major, int minor)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var version = new ProtocolVersion(major, minor);

        var response = await client.SendAsync(version, KmipBatchItems.Query([QueryFunction.QueryOperations]));

        response.EnsureSuccess();
        response.ProtocolVersion.Should().Be(version);
    }

    [Fact]
    public async Task DiscoverVersions_ClientOffers11And30_OnlyTheCommonOneReturned()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        var item = await client.OneAsync(V14, KmipBatchItems.DiscoverVersions([ProtocolVersion.V1_1, new ProtocolVersion(3, 0)]));

        item.EnsureSuccess().RequiredPayload.ChildrenOf(Tag.ProtocolVersion).Select(ProtocolVersion.FromTtlv)
            .Should().Equal(ProtocolVersion.V1_1);
    }

    [Fact]
    public async Task DiscoverVersions_EmptyList_AllVersionsHighestFirst()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        var item = await client.OneAsync(V21, KmipBatchItems.DiscoverVersions());

        item.EnsureSuccess().RequiredPayload.ChildrenOf(Tag.ProtocolVersion).Select(ProtocolVersion.FromTtlv).Should().Equal(
            ProtocolVersion.V2_1, ProtocolVersion.V2_0, ProtocolVersion.V1_4, ProtocolVersion.V1_3,
            ProtocolVersion.V1_2, ProtocolVersion.V1_1, ProtocolVersion.V1_0);
    }

    private static Task<KmsFixture> StartWithUsersAsync() =>
        KmsFixture.StartAsync(o => o.Users = new Dictionary<string, string> { ["vcenter"] = "secret" });

    [Fact]
    public async Task Login_GivesATicketThatStandsInForTheUsernameAndPassword_UntilItsRequestCountOrLogout()
    {
        await using var kms = await StartWithUsersAsync();
        await using var client = await kms.ConnectAsync();
        var password = new KmipRequestOptions { Credential = new UsernamePasswordCredential("vcenter", "secret") };
        var login = (await client.SendAsync(V21, password, KmipBatchItems.Login(leaseSeconds: 600, requestCount: 2))).BatchItems.Single();
        var ticket = TicketCredential.From(login.EnsureSuccess().RequiredPayload);
        ticket.TicketValue.Should().HaveCount(32);
        var withTicket = new KmipRequestOptions { Credential = ticket };

        (await client.SendAsync(V21, withTicket, KmipBatchItems.Ping())).EnsureSuccess();
        (await client.SendAsync(V21, withTicket, KmipBatchItems.Ping())).EnsureSuccess();
        var used = (await client.SendAsync(V21, withTicket, KmipBatchItems.Ping())).BatchItems.Single();
        used.ResultReason.Should().Be(ResultReason.InvalidTicket);
        used.ResultMessage.Should().Be("the ticket's Request Count is used up: log in again");

        // A ticket with a lease: it ends with Logout, or when the lease does (the server's clock, advanced by the test).
        var second = TicketCredential.From((await client.SendAsync(V21, password, KmipBatchItems.Login(leaseSeconds: 60))).BatchItems.Single().EnsureSuccess().RequiredPayload);
        var third = TicketCredential.From((await client.SendAsync(V21, password, KmipBatchItems.Login(leaseSeconds: 60))).BatchItems.Single().EnsureSuccess().RequiredPayload);
        (await client.SendAsync(V21, new KmipRequestOptions { Credential = second }, KmipBatchItems.Logout(second))).EnsureSuccess();
        var afterLogout = (await client.SendAsync(V21, new KmipRequestOptions { Credential = second }, KmipBatchItems.Ping())).BatchItems.Single();
        afterLogout.ResultReason.Should().Be(ResultReason.InvalidTicket);
        kms.Clock.Advance(TimeSpan.FromSeconds(61));
        var expired = (await client.SendAsync(V21, new KmipRequestOptions { Credential = third }, KmipBatchItems.Ping())).BatchItems.Single();
        expired.ResultReason.Should().Be(ResultReason.InvalidTicket);
        expired.ResultMessage.Should().StartWith("the ticket's lease ended at");
        var forged = (await client.SendAsync(V21, new KmipRequestOptions { Credential = new TicketCredential(new byte[32]) }, KmipBatchItems.Ping())).BatchItems.Single();
        forged.ResultReason.Should().Be(ResultReason.InvalidTicket);
        var logoutAgain = (await client.SendAsync(V21, password, KmipBatchItems.Logout(second))).BatchItems.Single();
        logoutAgain.ResultReason.Should().Be(ResultReason.InvalidTicket);
    }

    [Fact]
    public async Task Login_TicketOfOneClientCertificate_IsRefusedToAnother()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        await using var other = await kms.ConnectAsync(kms.Pki.Ca.IssueClient("another client"));
        var ticket = TicketCredential.From((await client.OneAsync(V21, KmipBatchItems.Login())).EnsureSuccess().RequiredPayload);

        var stolen = (await other.SendAsync(V21, new KmipRequestOptions { Credential = ticket }, KmipBatchItems.Ping())).BatchItems.Single();

        stolen.ResultReason.Should().Be(ResultReason.InvalidTicket);
        stolen.ResultMessage.Should().Be("the ticket is not one this server issued to this client (or it was logged out)");
        (await client.SendAsync(V21, new KmipRequestOptions { Credential = ticket }, KmipBatchItems.Ping())).EnsureSuccess();
    }

    [Fact]
    public async Task Credential_MissingWhenUsersConfigured_AuthenticationNotSuccessful()
    {
        await using var kms = await StartWithUsersAsync();
        await using var client = await kms.ConnectAsync();

        var response = await client.SendAsync(V14, KmipBatchItems.Query([QueryFunction.QueryOperations]));

        var item = response.BatchItems.Should().ContainSingle().Subject;
        item.ResultStatus.Should().Be(ResultStatus.OperationFailed);
        item.ResultReason.Should().Be(ResultReason.AuthenticationNotSuccessful);
    }

    [Fact]
    public async Task Credential_WrongPassword_AuthenticationNotSuccessful()
    {
        await using var kms = await StartWithUsersAsync();
        await using var client = await kms.ConnectAsync();

        var response = await client.SendAsync(V14, new KmipRequestOptions { Credential = new UsernamePasswordCredential("vcenter", "guess") },
            KmipBatchItems.CreateSymmetricKey(V14, KmipAttribute.Aes256EncryptDecrypt));

        var item = response.BatchItems.Should().ContainSingle().Subject;
        item.ResultStatus.Should().Be(ResultStatus.OperationFailed);
        item.ResultReason.Should().Be(ResultReason.AuthenticationNotSuccessful);
        item.ResultMessage.Should().NotContain("secret").And.NotContain("guess");
        kms.Server.State.Store.Count.Should().Be(0);
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(2, 1)]
    public async Task Credential_Right_Served(int major, int minor)
    {
        await using var kms = await StartWithUsersAsync();
        await using var client = await kms.ConnectAsync();
        var v = new ProtocolVersion(major, minor);

        var response = await client.SendAsync(v, new KmipRequestOptions { Credential = new UsernamePasswordCredential("vcenter", "secret") },
            KmipBatchItems.CreateSymmetricKey(v, KmipAttribute.Aes256EncryptDecrypt));

        response.EnsureSuccess();
    }

    [Fact]
    public async Task AttributeModel_V21_AttributesStructureInAndOut()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var create = KmipBatchItems.CreateSymmetricKey(V21, [.. KmipAttribute.Aes256EncryptDecrypt, KmipAttribute.Text("x-Vendor", "VMware")]);
        create.Payload.Child(Tag.Attributes).Should().NotBeNull("the 2.1 request carries an Attributes structure");
        create.Payload.Child(Tag.TemplateAttribute).Should().BeNull();
        var id = (await client.OneAsync(V21, create)).EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;

        var got = await client.OneAsync(V21, KmipBatchItems.GetAttributes(V21, id));

        var payload = got.EnsureSuccess().RequiredPayload;
        payload.ChildrenOf(Tag.Attribute).Should().BeEmpty("2.x has no bare Attribute structures in the payload");
        var attributes = payload.Child(Tag.Attributes);
        attributes.Should().NotBeNull();
        attributes!.Child(Tag.CryptographicAlgorithm)!.AsEnumOf<CryptographicAlgorithm>().Should().Be(CryptographicAlgorithm.AES);
        attributes.Child(Tag.CryptographicLength)!.AsInt32.Should().Be(256);
        attributes.Child(Tag.State)!.AsEnumOf<State>().Should().Be(State.PreActive);
        var vendor = attributes.ChildrenOf(Tag.Attribute).Should().ContainSingle().Subject;
        vendor.Child(Tag.VendorIdentification)!.AsText.Should().Be("x");
        vendor.Child(Tag.AttributeName)!.AsText.Should().Be("Vendor");
        vendor.Child(Tag.AttributeValue)!.AsText.Should().Be("VMware");
    }

    [Fact]
    public async Task AttributeModel_V14_TemplateAttributeInAttributeStructuresOut()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var create = KmipBatchItems.CreateSymmetricKey(V14, [.. KmipAttribute.Aes256EncryptDecrypt, KmipAttribute.Text("x-Vendor", "VMware")]);
        create.Payload.Child(Tag.TemplateAttribute).Should().NotBeNull("the 1.4 request carries a Template-Attribute");
        var id = (await client.OneAsync(V14, create)).EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;

        var got = await client.OneAsync(V14, KmipBatchItems.GetAttributes(V14, id));

        var payload = got.EnsureSuccess().RequiredPayload;
        payload.Child(Tag.Attributes).Should().BeNull();
        var byName = payload.ChildrenOf(Tag.Attribute).ToDictionary(a => a.Required(Tag.AttributeName).AsText, a => a.Required(Tag.AttributeValue));
        byName["Cryptographic Algorithm"].AsEnumOf<CryptographicAlgorithm>().Should().Be(CryptographicAlgorithm.AES);
        byName["Cryptographic Length"].AsInt32.Should().Be(256);
        byName["State"].AsEnumOf<State>().Should().Be(State.PreActive);
        byName["x-Vendor"].AsText.Should().Be("VMware");
    }

    [Fact]
    public async Task AttributeModel_V21AttributesInV14Message_Refused()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        // A 2.1-shaped Create sent as 1.4: 1.x has no Attributes structure in Create.
        var item = await client.OneAsync(V14, KmipBatchItems.CreateSymmetricKey(V21, KmipAttribute.Aes256EncryptDecrypt));

        item.ResultStatus.Should().Be(ResultStatus.OperationFailed);
        kms.Server.State.Store.Count.Should().Be(0);
    }
}

/// <summary>Message Extensions (KMIP 1.4 §6.16, 2.1 §9.13): this server understands none.</summary>
public class MessageExtensionTests
{
    private static TtlvNode Extension(bool critical, string vendor = "Contoso") => TtlvNode.Structure(Tag.MessageExtension,
        TtlvNode.Text(Tag.VendorIdentification, vendor),
        TtlvNode.Boolean(Tag.CriticalityIndicator, critical),
        TtlvNode.Structure(Tag.VendorExtension, TtlvNode.Text(Tag.VendorIdentification, "opaque")));

    /// <summary>A Create of a named AES key under <paramref name="version"/>, with extra fields in its batch item or header.</summary>
    private static byte[] CreateMessage(ProtocolVersion version, string name, TtlvNode? inItem = null, TtlvNode? inHeader = null)
    {
        var attributes = version.IsV2
            ? TtlvNode.Structure(Tag.Attributes,
                TtlvNode.Enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES),
                TtlvNode.Integer(Tag.CryptographicLength, 256),
                TtlvNode.Integer(Tag.CryptographicUsageMask, 12),
                TtlvNode.Structure(Tag.Name, TtlvNode.Text(Tag.NameValue, name), TtlvNode.Enumeration(Tag.NameType, NameType.UninterpretedTextString)))
            : TtlvNode.Structure(Tag.TemplateAttribute,
                Attr("Cryptographic Algorithm", TtlvNode.Enumeration(Tag.AttributeValue, CryptographicAlgorithm.AES)),
                Attr("Cryptographic Length", TtlvNode.Integer(Tag.AttributeValue, 256)),
                Attr("Cryptographic Usage Mask", TtlvNode.Integer(Tag.AttributeValue, 12)),
                Attr("Name", TtlvNode.Structure(Tag.AttributeValue, TtlvNode.Text(Tag.NameValue, name), TtlvNode.Enumeration(Tag.NameType, NameType.UninterpretedTextString))));
        var message = TtlvNode.Structure(Tag.RequestMessage,
            TtlvNode.Structure(Tag.RequestHeader, version.ToNode(), inHeader, TtlvNode.Integer(Tag.BatchCount, 1)),
            TtlvNode.Structure(Tag.BatchItem,
                TtlvNode.Enumeration(Tag.Operation, Operation.Create),
                TtlvNode.Structure(Tag.RequestPayload, TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey), attributes),
                inItem));
        return TtlvWriter.Encode(message);

        static TtlvNode Attr(string attributeName, TtlvNode value) =>
            TtlvNode.Structure(Tag.Attribute, TtlvNode.Text(Tag.AttributeName, attributeName), value);
    }

    [Theory]
    [InlineData(1, 4, ResultReason.FeatureNotSupported)]
    [InlineData(2, 1, ResultReason.UnknownMessageExtension)]
    public async Task CriticalExtension_NotUnderstood_RejectsTheMessageAndCreatesNothing(int major, int minor, ResultReason reason)
    {
        var version = new ProtocolVersion(major, minor);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        var response = await client.SendBytesAsync(CreateMessage(version, "critical-ext", Extension(critical: true)));

        var item = response.BatchItems.Should().ContainSingle().Subject;
        item.ResultStatus.Should().Be(ResultStatus.OperationFailed);
        item.ResultReason.Should().Be(reason);
        item.ResultMessage.Should().Contain("critical Message Extension").And.Contain("Contoso");
        (await client.LocateAsync(KmipTestClient.V14, [KmipTestClient.Name("critical-ext")])).Ids.Should().BeEmpty("nothing in the message was done");
    }

    [Fact]
    public async Task NonCriticalExtension_IsIgnored_TheOperationRuns()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        var response = await client.SendBytesAsync(CreateMessage(KmipTestClient.V14, "plain-ext", Extension(critical: false)));

        response.BatchItems.Should().ContainSingle().Which.ResultStatus.Should().Be(ResultStatus.Success);
        (await client.LocateAsync(KmipTestClient.V14, [KmipTestClient.Name("plain-ext")])).Ids.Should().ContainSingle();
    }

    [Fact]
    public async Task ExtensionInTheRequestHeader_IsAnInvalidMessage()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        var response = await client.SendBytesAsync(CreateMessage(KmipTestClient.V14, "header-ext", inHeader: Extension(critical: false)));

        var item = response.BatchItems.Should().ContainSingle().Subject;
        item.ResultReason.Should().Be(ResultReason.InvalidMessage);
        item.ResultMessage.Should().Contain("Request Header");
        (await client.LocateAsync(KmipTestClient.V14, [KmipTestClient.Name("header-ext")])).Ids.Should().BeEmpty();
    }

    [Fact]
    public async Task ExtensionWithoutItsFields_IsAnInvalidMessage()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var broken = TtlvNode.Structure(Tag.MessageExtension, TtlvNode.Text(Tag.VendorIdentification, "Contoso"));

        var response = await client.SendBytesAsync(CreateMessage(KmipTestClient.V14, "broken-ext", broken));

        response.BatchItems.Should().ContainSingle().Which.ResultReason.Should().Be(ResultReason.InvalidMessage);
    }

    [Fact]
    public async Task AClientCorrelationValue_GetsAUniqueServerCorrelationValue_AndBothAreInTheLogLineOfAFailure()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var named = new KmipRequestOptions { ClientCorrelationValue = "backup job 7" };

        var first = await client.SendAsync(V14, named, KmipBatchItems.Get("no-such-key"));
        var second = await client.SendAsync(V21, named, KmipBatchItems.Query([QueryFunction.QueryOperations]));

        first.ServerCorrelationValue.Should().NotBeNullOrEmpty();
        second.ServerCorrelationValue.Should().NotBeNullOrEmpty().And.NotBe(first.ServerCorrelationValue);
        kms.Log.Lines.Should().Contain(l => l.Contains("client correlation \"backup job 7\"") && l.Contains(first.ServerCorrelationValue!));
        (await client.SendAsync(V14, KmipBatchItems.Query([QueryFunction.QueryOperations]))).ServerCorrelationValue
            .Should().BeNull("a client that names nothing gets the header it knows (PyKMIP reads no Server Correlation Value)");
        (await client.SendAsync(ProtocolVersion.V1_3, named, KmipBatchItems.Query([QueryFunction.QueryOperations]))).ServerCorrelationValue
            .Should().BeNull("Server Correlation Value came with KMIP 1.4");
    }
}
