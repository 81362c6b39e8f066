using System.Text.Json;
using Harness.Kmip.Encodings;

namespace Harness.Kmip.Tests;

public class TtlvJsonTests
{
    // KMIP Additional Message Encodings v1.0 §5.1.1 MSGENC-JSON-M-1-10, time 0 (same request as the XML test).
    private const string SpecRequestJson = """
        {"tag":"RequestMessage",
         "value":[
          {"tag":"RequestHeader", "value":[
            {"tag":"ProtocolVersion", "value":[
              {"tag":"ProtocolVersionMajor", "type":"Integer", "value":"0x00000001"},
              {"tag":"ProtocolVersionMinor", "type":"Integer", "value":"0x00000000"}
            ]},
            {"tag":"MaximumResponseSize", "type":"Integer", "value":"0x00000100"},
            {"tag":"BatchCount", "type":"Integer", "value":"0x00000001"}
          ]},
          {"tag":"BatchItem", "value":[
            {"tag":"Operation", "type":"Enumeration", "value":"Query"},
            {"tag":"RequestPayload", "value":[
              {"tag":"QueryFunction", "type":"Enumeration", "value":"QueryOperations"},
              {"tag":"QueryFunction", "type":"Enumeration", "value":"QueryObjects"}
            ]}
          ]}
        ]}
        """;

    [Fact]
    public void Parse_SpecExampleRequest_EqualsItsTtlvEncoding()
    {
        var node = TtlvJson.Parse(SpecRequestJson);
        TtlvWriter.Encode(node).Should().Equal(Convert.FromHexString(TtlvXmlTests.SpecRequestHex));
    }

    // §4.1.6.x examples: every listed spelling of a value.
    [Theory]
    [InlineData("""{"tag":"ActivationDate","type":"DateTime","value":"2001-01-01T10:00:00+10:00"}""", ItemType.DateTime, 978307200L)]
    [InlineData("""{"tag":"0x420001","type":"DateTime","value":"0x000000003a4fc880"}""", ItemType.DateTime, 978307200L)]
    [InlineData("""{"tag":"BatchCount","type":"Integer","value":10}""", ItemType.Integer, 10L)]
    [InlineData("""{"tag":"BatchCount","type":"Integer","value":"0x0000000A"}""", ItemType.Integer, 10L)]
    [InlineData("""{"tag":"BatchCount","type":"Integer","value":"0xffffffff"}""", ItemType.Integer, -1L)]
    [InlineData("""{"tag":"0x540001","type":"LongInteger","value":"0xfffffffffffffffe"}""", ItemType.LongInteger, -2L)]
    [InlineData("""{"tag":"0x540001","type":"LongInteger","value":-2}""", ItemType.LongInteger, -2L)]
    [InlineData("""{"tag":"UsageLimitsCount","type":"LongInteger","value":"0x1000000000000000"}""", ItemType.LongInteger, 1L << 60)]
    [InlineData("""{"tag":"0x420057","type":"Enumeration","value":2}""", ItemType.Enumeration, 2L)]
    [InlineData("""{"tag":"ObjectType","type":"Enumeration","value":"0x00000002"}""", ItemType.Enumeration, 2L)]
    [InlineData("""{"tag":"ObjectType","type":"Enumeration","value":"SymmetricKey"}""", ItemType.Enumeration, 2L)]
    [InlineData("""{"tag":"BatchOrderOption","type":"Boolean","value":true}""", ItemType.Boolean, 1L)]
    [InlineData("""{"tag":"BatchOrderOption","type":"Boolean","value":"0x0000000000000001"}""", ItemType.Boolean, 1L)]
    [InlineData("""{"tag":"Offset","type":"Interval","value":27}""", ItemType.Interval, 27L)]
    [InlineData("""{"tag":"Offset","type":"Interval","value":"0x0000001b"}""", ItemType.Interval, 27L)]
    [InlineData("""{"tag":"CryptographicUsageMask","type":"Integer","value":"0x0000100c"}""", ItemType.Integer, 0x100CL)]
    [InlineData("""{"tag":"CryptographicUsageMask","type":"Integer","value":"Encrypt|Decrypt|CertificateSign"}""", ItemType.Integer, 0x100CL)]
    [InlineData("""{"tag":"CryptographicUsageMask","type":"Integer","value":"CertificateSign|0x00000004|0x0000008"}""", ItemType.Integer, 0x100CL)]
    [InlineData("""{"tag":"CryptographicUsageMask","type":"Integer","value":"CertificateSign|0x0000000c"}""", ItemType.Integer, 0x100CL)]
    public void Parse_SpecValueForms_GiveExpectedNumber(string json, ItemType type, long expected)
    {
        var node = TtlvJson.Parse(json);
        node.Type.Should().Be(type);
        node.Number.Should().Be(expected);
    }

    [Theory]
    [InlineData("""{"tag":"X","type":"BigInteger","value":0}""", "0000000000000000")]
    [InlineData("""{"tag":"X","type":"BigInteger","value":"0x0000000000000000"}""", "0000000000000000")]
    [InlineData("""{"tag":"X","type":"BigInteger","value":-1}""", "FFFFFFFFFFFFFFFF")]
    [InlineData("""{"tag":"MACSignature","type":"ByteString","value":"C50F77"}""", "C50F77")]
    [InlineData("""{"tag":"IVCounterNonce","type":"ByteString","value":"a1b2c3d4"}""", "A1B2C3D4")]
    public void Parse_SpecByteForms_GiveExpectedBytes(string json, string hex)
    {
        Convert.ToHexString(TtlvJson.Parse(json).AsBytes).Should().Be(hex);
    }

    [Theory]
    [InlineData("""{"tag":"PrivateKeyTemplateAttribute","type":"Structure","value":[]}""")]
    [InlineData("""{"tag":"PrivateKeyTemplateAttribute","value":null}""")]
    [InlineData("""{"tag":"PrivateKeyTemplateAttribute"}""")]
    public void Parse_EmptyStructureForms_GiveEmptyStructure(string json)
    {
        var node = TtlvJson.Parse(json);
        node.Type.Should().Be(ItemType.Structure);
        node.Items.Should().BeEmpty();
    }

    [Fact]
    public void Format_EveryItemType_RoundTrips()
    {
        var node = TtlvXmlTests.AllTypes();
        var json = TtlvJson.Format(node, indented: true);
        var back = TtlvJson.Parse(json);
        back.ValueEquals(node).Should().BeTrue(json);
    }

    [Fact]
    public void Format_Values_UseSpecPreferredForms()
    {
        var json = TtlvJson.Format(TtlvXmlTests.AllTypes());
        json.Should().StartWith("""{"tag":"RequestPayload","value":[""");
        json.Should().Contain("""{"tag":"BatchCount","type":"Integer","value":-5}""");
        json.Should().Contain("""{"tag":"CryptographicUsageMask","type":"Integer","value":"CertificateSign|Decrypt|Encrypt|0x80000000"}""");
        json.Should().Contain("""{"tag":"UsageLimitsCount","type":"LongInteger","value":"0x1000000000000000"}""");
        json.Should().Contain("""{"tag":"UsageLimitsCount","type":"LongInteger","value":-2}""");
        json.Should().Contain("""{"tag":"Modulus","type":"BigInteger","value":"0x0000000003fd35eb6bc2df4618080000"}""");
        json.Should().Contain("""{"tag":"ObjectType","type":"Enumeration","value":"SymmetricKey"}""");
        json.Should().Contain("""{"tag":"ObjectType","type":"Enumeration","value":"0x80001234"}""");
        json.Should().Contain("""{"tag":"BatchOrderOption","type":"Boolean","value":true}""");
        json.Should().Contain("""{"tag":"Data","type":"ByteString","value":"0102ff"}""");
        json.Should().Contain("""{"tag":"ActivationDate","type":"DateTime","value":"2008-03-14T11:56:40+00:00"}""");
        json.Should().Contain("""{"tag":"Offset","type":"Interval","value":864000}""");
        json.Should().Contain("""{"tag":"AttributeValue","type":"Enumeration","value":"PreActive"}""");
    }

    [Fact]
    public void Format_ExtensionTag_UsesHexTag()
    {
        var node = TtlvNode.Create(0x545352, ItemType.TextString, 0, "This is an extension");
        TtlvJson.Format(node).Should().Be("""{"tag":"0x545352","type":"TextString","value":"This is an extension"}""");
    }

    [Fact]
    public void Parse_Placeholders_AreKeptOrResolved()
    {
        const string json = """{"tag":"ResponsePayload","value":[{"tag":"UniqueIdentifier","type":"TextString","value":"$UNIQUE_IDENTIFIER_0"},{"tag":"InitialDate","type":"DateTime","value":"$NOW"}]}""";
        var kept = TtlvJson.Parse(json);
        TtlvXmlTests.PlaceholderTexts(kept).Should().Equal("$UNIQUE_IDENTIFIER_0", "$NOW");
        TtlvJson.Format(kept).Should().Contain("\"value\":\"$NOW\"");

        var resolved = TtlvJson.Parse(json, p => p.IsNow ? TtlvNode.DateTime(Tag.InitialDate, DateTimeOffset.UnixEpoch) : null);
        TtlvXmlTests.PlaceholderTexts(resolved).Should().Equal("$UNIQUE_IDENTIFIER_0");
        resolved.Items[1].AsDateTime.Should().Be(DateTimeOffset.UnixEpoch);
    }

    [Theory]
    [InlineData("""{"tag":"NoSuchTag","type":"Integer","value":1}""", "NoSuchTag: unknown tag \"NoSuchTag\"*")]
    [InlineData("""{"type":"Integer","value":1}""", "*needs a string \"tag\"*")]
    [InlineData("""{"tag":"RequestPayload","value":[{"tag":"ObjectType","type":"Enumeration","value":"SymmetricKeyy"}]}""",
        "RequestPayload/ObjectType: \"SymmetricKeyy\" is not a value of enumeration ObjectType")]
    [InlineData("""{"tag":"BatchCount","type":"Integer","value":"ten"}""", "BatchCount: \"ten\" is not an Integer*")]
    [InlineData("""{"tag":"BatchCount","type":"Integer","value":1.5}""", "BatchCount: the number 1.5 is not a valid Integer value")]
    [InlineData("""{"tag":"BatchCount","type":"Integer"}""", "BatchCount: the Integer has no value")]
    [InlineData("""{"tag":"RequestPayload","value":{}}""", "RequestPayload: a Structure's value must be an array*")]
    [InlineData("""{"tag":"Data","type":"ByteString","value":true}""", "Data: a True is not a valid ByteString value")]
    [InlineData("""{"tag":"BatchCount","type":"Integr","value":1}""", "BatchCount: unknown item type \"Integr\"*")]
    [InlineData("""[1]""", "$: expected an object*")]
    [InlineData("""{"tag":""", "not well-formed JSON*")]
    public void Parse_InvalidInput_ThrowsFormatExceptionWithReason(string json, string pattern)
    {
        var act = () => TtlvJson.Parse(json);
        act.Should().Throw<FormatException>().WithMessage(pattern);
    }

    [Theory]
    [MemberData(nameof(KmipVectors.Files), MemberType = typeof(KmipVectors))]
    public void Format_OasisVectorMessages_JsonRoundTripPreservesValuesAndPlaceholders(string file)
    {
        foreach (var step in KmipVectors.Load(file).Steps)
            foreach (var message in new[] { step.RequestTemplate, step.ExpectedResponseTemplate })
            {
                var json = TtlvJson.Format(message);
                using (JsonDocument.Parse(json)) { } // well-formed
                var back = TtlvJson.Parse(json);
                back.ValueEquals(message).Should().BeTrue($"step {step.Index} must survive a JSON round trip:\n{json}");
                TtlvXmlTests.PlaceholderTexts(back).Should().Equal(TtlvXmlTests.PlaceholderTexts(message));
            }
    }
}
