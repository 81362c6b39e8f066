using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>Templates (KMIP 1.x): registered, then named in a Template-Attribute, their attributes applied under explicit ones.</summary>
public class TemplateTests
{
    private static BatchItemRequest RegisterTemplate(string name, params KmipAttribute[] given) => new(Operation.Register, KmipRequests.Payload(
        TtlvNode.Enumeration(Tag.ObjectType, ObjectType.Template),
        TtlvNode.Structure(Tag.TemplateAttribute, KmipAttribute.ObjectName(name).ToV1()),
        TtlvNode.Structure(Tag.Template, given.Select(a => a.ToV1()))));

    private static BatchItemRequest CreateFrom(string template, params KmipAttribute[] given) => new(Operation.Create, KmipRequests.Payload(
        TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
        TtlvNode.Structure(Tag.TemplateAttribute, [TtlvNode.Structure(Tag.Name, TtlvNode.Text(Tag.NameValue, template),
            TtlvNode.Enumeration(Tag.NameType, NameType.UninterpretedTextString)), .. given.Select(a => a.ToV1())])));

    [Fact]
    public async Task ACreateNamingATemplate_GetsItsAttributes_AndExplicitOnesWin()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V14);
        var template = IdOf(await client.OneAsync(V14, RegisterTemplate("aes-vm-keys", [.. KmipAttribute.Aes256EncryptDecrypt, KmipAttribute.ObjectGroup("vm")])));

        var key = IdOf(await client.OneAsync(V14, CreateFrom("aes-vm-keys")));
        var shorter = IdOf(await client.OneAsync(V14, CreateFrom("aes-vm-keys", KmipAttribute.CryptographicLength(128))));

        var attributes = await ops.GetAttributesAsync(key);
        attributes.Single(a => a.Name == "Cryptographic Length").Value.AsInt32.Should().Be(256);
        attributes.Single(a => a.Name == "Object Group").Value.AsText.Should().Be("vm");
        (await ops.GetAttributesAsync(shorter)).Single(a => a.Name == "Cryptographic Length").Value.AsInt32.Should().Be(128);
        var got = (await client.OneAsync(V14, KmipBatchItems.Get(template))).EnsureSuccess().RequiredPayload;
        got.Required(Tag.ObjectType).AsEnumOf<ObjectType>().Should().Be(ObjectType.Template);
        got.Required(Tag.Template).ChildrenOf(Tag.Attribute).Should().HaveCount(4);
        (await client.OneAsync(V14, KmipBatchItems.Query([QueryFunction.QueryObjects]))).EnsureSuccess().RequiredPayload
            .ChildrenOf(Tag.ObjectType).Select(o => o.AsEnumOf<ObjectType>()).Should().Contain(ObjectType.Template);
    }

    [Fact]
    public async Task BadTemplates_AreRefusedWithTheirReasons()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        await using var other = await kms.ConnectAsync(kms.Pki.Ca.IssueClient("Other Client"));
        IdOf(await other.OneAsync(V14, RegisterTemplate("theirs", [.. KmipAttribute.Aes256EncryptDecrypt])));

        var missing = await client.OneAsync(V14, CreateFrom("theirs"));
        missing.ResultReason.Should().Be(ResultReason.ItemNotFound, "another client's template is not this client's");
        missing.ResultMessage.Should().Be("no Template named 'theirs'");
        var serverSet = await client.OneAsync(V14, RegisterTemplate("bad", KmipAttribute.Standard(Tag.InitialDate, TtlvNode.DateTime(Tag.InitialDate, DateTimeOffset.UnixEpoch))));
        serverSet.ResultReason.Should().Be(ResultReason.InvalidField);
        serverSet.ResultMessage.Should().Be("'Initial Date' is not an attribute a Template can give");
        var v2 = await client.OneAsync(V21, new BatchItemRequest(Operation.Register, KmipRequests.Payload(
            TtlvNode.Enumeration(Tag.ObjectType, ObjectType.Template), TtlvNode.Structure(Tag.Template))));
        v2.ResultReason.Should().Be(ResultReason.InvalidObjectType);
    }
}

/// <summary>PGP Key objects (KMIP 1.2+): registered and given back as they were, under 1.x and 2.x.</summary>
public class PgpKeyTests
{
    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task APgpKey_IsRegisteredAndGivenBackAsItWas_AndOneWithoutItsVersionIsRefused(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var key = TtlvNode.Structure(Tag.PGPKey, TtlvNode.Integer(Tag.PGPKeyVersion, 4), TtlvNode.Structure(Tag.KeyBlock,
            TtlvNode.Enumeration(Tag.KeyFormatType, KeyFormatType.Raw), TtlvNode.Structure(Tag.KeyValue, TtlvNode.Bytes(Tag.KeyMaterial, [0x99, 0x01, 0x0D, 0x04]))));

        var id = IdOf(await client.OneAsync(v, new BatchItemRequest(Operation.Register, KmipRequests.Payload(
            TtlvNode.Enumeration(Tag.ObjectType, ObjectType.PGPKey), v.IsV2 ? TtlvNode.Structure(Tag.Attributes) : TtlvNode.Structure(Tag.TemplateAttribute), key))));

        var got = (await client.OneAsync(v, KmipBatchItems.Get(id))).EnsureSuccess().RequiredPayload;
        got.Required(Tag.ObjectType).AsEnumOf<ObjectType>().Should().Be(ObjectType.PGPKey);
        got.Required(Tag.PGPKey).ValueEquals(key).Should().BeTrue();
        var noVersion = await client.OneAsync(v, new BatchItemRequest(Operation.Register, KmipRequests.Payload(
            TtlvNode.Enumeration(Tag.ObjectType, ObjectType.PGPKey), TtlvNode.Structure(Tag.PGPKey, key.Required(Tag.KeyBlock)))));
        noVersion.IsSuccess.Should().BeFalse();
        noVersion.ResultMessage.Should().Contain("PGPKeyVersion").And.NotContain("Exception");
    }
}
