using Harness.Kmip.Client;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// vCenter's KMIP conversation (VSPHERE-MODEL.md), sent as the exact bytes vCenter sends: protocol 1.1 in every header,
/// 8-byte Unique Batch Item IDs; Discover Versions twice and Query (server information) on connecting; Create with
/// exactly three attributes (AES, Encrypt|Decrypt = 12, 256; no Name, no Activate); Get Attributes x-Product_Version;
/// one message of three Add Attribute items; Get in Raw format. Each response is checked field by field as vCenter
/// reads it. The hex is laid out like the spec: tag | type | length | value.
/// </summary>
public class VCenterConversationTests
{
    /// <summary>36 bytes of 'X' stand for the key's Unique Identifier (a 36-character UUID) until the server names it.</summary>
    private static readonly byte[] IdPlaceholder = Enumerable.Repeat((byte)'X', 36).ToArray();

    [Fact]
    public async Task VCenterConversation_ExactBytes_EveryMessageSucceeds()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var vcenter = await kms.ConnectAsync();
        var v11 = new ProtocolVersion(1, 1);

        // On connecting: Discover Versions (twice), then Query (server information).
        for (int i = 0; i < 2; i++)
        {
            var discover = await Exchange(vcenter, DiscoverVersions);
            var item = Single(discover, v11, Operation.DiscoverVersions, "0000000000000001");
            item.RequiredPayload.ChildrenOf(Tag.ProtocolVersion).Select(ProtocolVersion.Parse)
                .Should().Equal(new ProtocolVersion(1, 1), new ProtocolVersion(1, 0));
        }
        var query = await Exchange(vcenter, QueryServerInformation);
        Single(query, v11, Operation.Query, "0000000000000002").RequiredPayload.Required(Tag.VendorIdentification).AsText.Should().NotBeEmpty();

        // Create Symmetric Key with exactly three attributes.
        var create = await Exchange(vcenter, Create);
        var created = Single(create, v11, Operation.Create, "0000000000000003").RequiredPayload;
        created.Required(Tag.ObjectType).AsEnumOf<ObjectType>().Should().Be(ObjectType.SymmetricKey);
        var id = created.Required(Tag.UniqueIdentifier).AsText;
        id.Should().HaveLength(36);
        var idBytes = System.Text.Encoding.ASCII.GetBytes(id);

        // Get Attributes x-Product_Version: not set yet, so the payload names the key and holds no attribute.
        var getAttributes = await Exchange(vcenter, GetAttributesProductVersion, idBytes);
        var none = Single(getAttributes, v11, Operation.GetAttributes, "0000000000000004").RequiredPayload;
        none.Required(Tag.UniqueIdentifier).AsText.Should().Be(id);
        none.ChildrenOf(Tag.Attribute).Should().BeEmpty();

        // One message, three Add Attribute batch items, each answered under its own batch item ID.
        var add = await Exchange(vcenter, AddAttributes, idBytes);
        add.BatchItems.Should().HaveCount(3);
        var expected = new[] { ("0000000000000005", "x-Product_Version", "7.0.3 build-19480866"), ("0000000000000006", "x-Vendor", "VMware, Inc."), ("0000000000000007", "x-Product", "VMware vSphere") };
        for (int i = 0; i < 3; i++)
        {
            var (batchId, name, value) = expected[i];
            var item = add.BatchItems[i];
            item.EnsureSuccess();
            Convert.ToHexString(item.UniqueBatchItemId!).Should().Be(batchId);
            var attribute = item.RequiredPayload.Required(Tag.Attribute);
            attribute.Required(Tag.AttributeName).AsText.Should().Be(name);
            attribute.Required(Tag.AttributeValue).AsText.Should().Be(value);
        }

        // Get, Raw: the 256-bit AES key, Pre-Active as vCenter left it (vSphere activates nothing here).
        var get = await Exchange(vcenter, Get, idBytes);
        var key = Single(get, v11, Operation.Get, "0000000000000008").RequiredPayload;
        key.Required(Tag.UniqueIdentifier).AsText.Should().Be(id);
        var block = key.Required(Tag.SymmetricKey).Required(Tag.KeyBlock);
        block.Required(Tag.KeyFormatType).AsEnumOf<KeyFormatType>().Should().Be(KeyFormatType.Raw);
        block.Required(Tag.CryptographicAlgorithm).AsEnumOf<CryptographicAlgorithm>().Should().Be(CryptographicAlgorithm.AES);
        block.Required(Tag.CryptographicLength).AsInt32.Should().Be(256);
        block.Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes.Should().HaveCount(32);

        // The custom attributes are stored and returned as sent (vCenter reads them back).
        var again = await Exchange(vcenter, GetAttributesProductVersion, idBytes);
        var stored = Single(again, v11, Operation.GetAttributes, "0000000000000004").RequiredPayload.Required(Tag.Attribute);
        stored.Required(Tag.AttributeValue).AsText.Should().Be("7.0.3 build-19480866");
    }

    [Fact]
    public async Task VCenterCreate_ExactBytes_MakesAPreActiveKeyWithOnlyTheGivenUsage()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var vcenter = await kms.ConnectAsync();
        var create = await Exchange(vcenter, Create);
        var id = create.BatchItems[0].EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        var ops = new KmipOperations(vcenter, new ProtocolVersion(1, 1));
        var attributes = await ops.GetAttributesAsync(id, ["State", "Cryptographic Usage Mask", "Name", "Activation Date"]);
        attributes.Single(a => a.Name == "State").AsEnum<State>().Should().Be(State.PreActive);
        attributes.Single(a => a.Name == "Cryptographic Usage Mask").AsInt32.Should().Be(12);
        attributes.Should().NotContain(a => a.Name == "Name" || a.Name == "Activation Date");
    }

    private static async Task<KmipResponse> Exchange(KmipClient client, string hex, byte[]? id = null)
    {
        var bytes = HexText.Parse(hex);
        if (id is not null)
        {
            int at;
            while ((at = bytes.AsSpan().IndexOf(IdPlaceholder)) >= 0) id.CopyTo(bytes, at);
        }
        var raw = await client.SendRawAsync(bytes);
        return KmipResponse.Parse(TtlvReader.Decode(raw));
    }

    private static ResponseBatchItem Single(KmipResponse response, ProtocolVersion version, Operation op, string batchId)
    {
        response.ProtocolVersion.Should().Be(version);
        response.TimeStamp.Should().NotBeNull();
        response.BatchItems.Should().ContainSingle();
        var item = response.BatchItems[0].EnsureSuccess();
        item.Operation.Should().Be(op);
        Convert.ToHexString(item.UniqueBatchItemId!).Should().Be(batchId);
        return item;
    }

    // DiscoverVersions
    private const string DiscoverVersions = """
        420078 | 01 | 000000C0
          420077 | 01 | 00000038
            420069 | 01 | 00000020
              42006A | 02 | 00000004 | 0000000100000000
              42006B | 02 | 00000004 | 0000000100000000
            42000D | 02 | 00000004 | 0000000100000000
          42000F | 01 | 00000078
            42005C | 05 | 00000004 | 0000001E00000000
            420093 | 08 | 00000008 | 0000000000000001
            420079 | 01 | 00000050
              420069 | 01 | 00000020
                42006A | 02 | 00000004 | 0000000100000000
                42006B | 02 | 00000004 | 0000000100000000
              420069 | 01 | 00000020
                42006A | 02 | 00000004 | 0000000100000000
                42006B | 02 | 00000004 | 0000000000000000
        """;

    // QueryServerInformation
    private const string QueryServerInformation = """
        420078 | 01 | 00000080
          420077 | 01 | 00000038
            420069 | 01 | 00000020
              42006A | 02 | 00000004 | 0000000100000000
              42006B | 02 | 00000004 | 0000000100000000
            42000D | 02 | 00000004 | 0000000100000000
          42000F | 01 | 00000038
            42005C | 05 | 00000004 | 0000001800000000
            420093 | 08 | 00000008 | 0000000000000002
            420079 | 01 | 00000010
              420074 | 05 | 00000004 | 0000000300000000
        """;

    // Create
    private const string Create = """
        420078 | 01 | 00000130
          420077 | 01 | 00000038
            420069 | 01 | 00000020
              42006A | 02 | 00000004 | 0000000100000000
              42006B | 02 | 00000004 | 0000000100000000
            42000D | 02 | 00000004 | 0000000100000000
          42000F | 01 | 000000E8
            42005C | 05 | 00000004 | 0000000100000000
            420093 | 08 | 00000008 | 0000000000000003
            420079 | 01 | 000000C0
              420057 | 05 | 00000004 | 0000000200000000
              420091 | 01 | 000000A8
                420008 | 01 | 00000030
                  42000A | 07 | 00000017 | 43727970746F6772617068696320416C676F726974686D00
                  42000B | 05 | 00000004 | 0000000300000000
                420008 | 01 | 00000030
                  42000A | 07 | 00000018 | 43727970746F67726170686963205573616765204D61736B
                  42000B | 02 | 00000004 | 0000000C00000000
                420008 | 01 | 00000030
                  42000A | 07 | 00000014 | 43727970746F67726170686963204C656E67746800000000
                  42000B | 02 | 00000004 | 0000010000000000
        """;

    // GetAttributesProductVersion
    private const string GetAttributesProductVersion = """
        420078 | 01 | 000000C0
          420077 | 01 | 00000038
            420069 | 01 | 00000020
              42006A | 02 | 00000004 | 0000000100000000
              42006B | 02 | 00000004 | 0000000100000000
            42000D | 02 | 00000004 | 0000000100000000
          42000F | 01 | 00000078
            42005C | 05 | 00000004 | 0000000B00000000
            420093 | 08 | 00000008 | 0000000000000004
            420079 | 01 | 00000050
              420094 | 07 | 00000024 | 58585858585858585858585858585858585858585858585858585858585858585858585800000000
              42000A | 07 | 00000011 | 782D50726F647563745F56657273696F6E00000000000000
        """;

    // AddAttributes
    private const string AddAttributes = """
        420078 | 01 | 00000210
          420077 | 01 | 00000038
            420069 | 01 | 00000020
              42006A | 02 | 00000004 | 0000000100000000
              42006B | 02 | 00000004 | 0000000100000000
            42000D | 02 | 00000004 | 0000000300000000
          42000F | 01 | 000000A0
            42005C | 05 | 00000004 | 0000000D00000000
            420093 | 08 | 00000008 | 0000000000000005
            420079 | 01 | 00000078
              420094 | 07 | 00000024 | 58585858585858585858585858585858585858585858585858585858585858585858585800000000
              420008 | 01 | 00000040
                42000A | 07 | 00000011 | 782D50726F647563745F56657273696F6E00000000000000
                42000B | 07 | 00000014 | 372E302E33206275696C642D313934383038363600000000
          42000F | 01 | 00000088
            42005C | 05 | 00000004 | 0000000D00000000
            420093 | 08 | 00000008 | 0000000000000006
            420079 | 01 | 00000060
              420094 | 07 | 00000024 | 58585858585858585858585858585858585858585858585858585858585858585858585800000000
              420008 | 01 | 00000028
                42000A | 07 | 00000008 | 782D56656E646F72
                42000B | 07 | 0000000C | 564D776172652C20496E632E00000000
          42000F | 01 | 00000090
            42005C | 05 | 00000004 | 0000000D00000000
            420093 | 08 | 00000008 | 0000000000000007
            420079 | 01 | 00000068
              420094 | 07 | 00000024 | 58585858585858585858585858585858585858585858585858585858585858585858585800000000
              420008 | 01 | 00000030
                42000A | 07 | 00000009 | 782D50726F6475637400000000000000
                42000B | 07 | 0000000E | 564D7761726520765370686572650000
        """;

    // Get
    private const string Get = """
        420078 | 01 | 000000B0
          420077 | 01 | 00000038
            420069 | 01 | 00000020
              42006A | 02 | 00000004 | 0000000100000000
              42006B | 02 | 00000004 | 0000000100000000
            42000D | 02 | 00000004 | 0000000100000000
          42000F | 01 | 00000068
            42005C | 05 | 00000004 | 0000000A00000000
            420093 | 08 | 00000008 | 0000000000000008
            420079 | 01 | 00000040
              420094 | 07 | 00000024 | 58585858585858585858585858585858585858585858585858585858585858585858585800000000
              420042 | 05 | 00000004 | 0000000100000000
        """;
}
