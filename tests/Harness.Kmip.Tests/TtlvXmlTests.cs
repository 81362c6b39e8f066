using System.Xml.Linq;
using Harness.Kmip.Encodings;
using Harness.Kmip.Vectors;

namespace Harness.Kmip.Tests;

/// <summary>The OASIS test vectors under /work/shared/kmip-vectors (found by walking up from the test binaries).</summary>
internal static class KmipVectors
{
    private static readonly Lazy<string> RootDirectory = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "kmip-vectors");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"no shared/kmip-vectors above {AppContext.BaseDirectory}");
    });

    public static string Root => RootDirectory.Value;

    /// <summary>Paths relative to <see cref="Root"/> of every XML vector of KMIP 1.4 and 2.1.</summary>
    public static TheoryData<string> Files
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var version in new[] { "v1.4", "v2.1" })
                foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, version, "XML"), "*.xml", SearchOption.AllDirectories).Order())
                    data.Add(Path.GetRelativePath(Root, file));
            return data;
        }
    }

    public static VectorFile Load(string relativePath) => VectorFile.Load(Path.Combine(Root, relativePath));

    public static VectorFile LoadByName(string name) =>
        Load(Path.GetRelativePath(Root, Directory.EnumerateFiles(Root, name + ".xml", SearchOption.AllDirectories).Single()));
}

public class TtlvXmlTests
{
    // KMIP Additional Message Encodings v1.0 §7.1.1 MSGENC-XML-M-1-10, time 0: the XML and the TTLV of the same request.
    private const string SpecRequestXml = """
        <RequestMessage>
          <RequestHeader>
            <ProtocolVersion>
              <ProtocolVersionMajor type="Integer" value="1"/>
              <ProtocolVersionMinor type="Integer" value="0"/>
            </ProtocolVersion>
            <MaximumResponseSize type="Integer" value="256"/>
            <BatchCount type="Integer" value="1"/>
          </RequestHeader>
          <BatchItem>
            <Operation type="Enumeration" value="Query"/>
            <RequestPayload>
              <QueryFunction type="Enumeration" value="QueryOperations"/>
              <QueryFunction type="Enumeration" value="QueryObjects"/>
            </RequestPayload>
          </BatchItem>
        </RequestMessage>
        """;

    internal const string SpecRequestHex =
        "42007801000000904200770100000048420069010000002042006a02000000040000000100000000" +
        "42006b020000000400000000000000004200500200000004000001000000000042000d0200000004" +
        "000000010000000042000f010000003842005c050000000400000018000000004200790100000020" +
        "4200740500000004000000010000000042007405000000040000000200000000";

    [Fact]
    public void Parse_SpecExampleRequest_EqualsItsTtlvEncoding()
    {
        var node = TtlvXml.Parse(SpecRequestXml);
        TtlvWriter.Encode(node).Should().Equal(Convert.FromHexString(SpecRequestHex));
    }

    [Fact]
    public void Format_SpecExampleRequest_ReparsesToSameTtlv()
    {
        var node = TtlvReader.Decode(Convert.FromHexString(SpecRequestHex));
        var xml = TtlvXml.Format(node);
        xml.Should().Contain("<QueryFunction type=\"Enumeration\" value=\"QueryObjects\" />");
        TtlvXml.Parse(xml).ValueEquals(node).Should().BeTrue();
    }

    [Theory]
    [InlineData("""<ActivationDate type="DateTime" value="2001-01-01T10:00:00+10:00"/>""")]
    [InlineData("""<TTLV tag="0x420001" name="ActivationDate" type="DateTime" value="2001-01-01T10:00:00+10:00"/>""")]
    [InlineData("""<TTLV tag="ActivationDate" type="DateTime" value="2001-01-01T00:00:00Z"/>""")]
    [InlineData("""<ActivationDate xmlns="urn:oasis:tc:kmip:xmlns" type="DateTime" value="2001-01-01T00:00:00+00:00"/>""")]
    [InlineData("""<ActivationDate type="DateTime" value="2001-01-01T00:00:00.999+00:00"/>""")]
    public void Parse_DateTimeForms_GiveSameValue(string xml)
    {
        var node = TtlvXml.Parse(xml);
        node.Tag.Should().Be(Tag.ActivationDate);
        node.AsDateTime.Should().Be(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    // §6.1.6.4: four spellings of the same Cryptographic Usage Mask.
    [Theory]
    [InlineData("0x0000100c")]
    [InlineData("Encrypt Decrypt CertificateSign")]
    [InlineData("CertificateSign 0x00000004 0x0000008")]
    [InlineData("CertificateSign 0x0000000c")]
    [InlineData("4108")]
    public void Parse_UsageMaskForms_GiveSameValue(string value)
    {
        var node = TtlvXml.Parse($"""<CryptographicUsageMask type="Integer" value="{value}"/>""");
        node.AsInt32.Should().Be(0x100C);
    }

    [Fact]
    public void Parse_AttributeValue_UsesNamesOfTheAttributeNamedBySibling()
    {
        var node = TtlvXml.Parse("""
            <TemplateAttribute>
              <Attribute>
                <AttributeName type="TextString" value="Cryptographic Algorithm"/>
                <AttributeValue type="Enumeration" value="AES"/>
              </Attribute>
              <Attribute>
                <AttributeName type="TextString" value="Cryptographic Usage Mask"/>
                <AttributeValue type="Integer" value="Encrypt Decrypt"/>
              </Attribute>
            </TemplateAttribute>
            """);
        node.Items[0].Child(Tag.AttributeValue)!.AsEnumOf<CryptographicAlgorithm>().Should().Be(CryptographicAlgorithm.AES);
        node.Items[1].Child(Tag.AttributeValue)!.AsInt32.Should().Be(12);

        var xml = TtlvXml.Format(node);
        xml.Should().Contain("value=\"AES\"").And.Contain("value=\"Decrypt Encrypt\"");
    }

    [Theory]
    [InlineData("UniqueIdentifier", "IDPlaceholder", 1u, "IDPlaceholder")]
    [InlineData("UniqueIdentifier", "0x00000003", 3u, "Create")]
    [InlineData("LinkedObjectIdentifier", "CreateKeyPairPublicKey", 6u, "CreateKeyPairPublicKey")]
    [InlineData("ObjectType", "SymmetricKey", 2u, "SymmetricKey")]
    [InlineData("ObjectType", "2", 2u, "SymmetricKey")]
    [InlineData("OpaqueDataType", "0x80000001", 0x80000001u, "0x80000001")]
    [InlineData("AttributeReference", "State", (uint)Tag.State, "State")]
    [InlineData("AttributeReference", "0x00540001", 0x540001u, "0x00540001")]
    [InlineData("PKCS_11Function", "C_GetInfo", 3u, "C_GetInfo")]
    [InlineData("PKCS_11ReturnCode", "OK", 0u, "OK")]
    public void Parse_Enumeration_ResolvesNamesAndHex(string element, string value, uint expected, string formatted)
    {
        var node = TtlvXml.Parse($"""<{element} type="Enumeration" value="{value}"/>""");
        node.AsEnum.Should().Be(expected);
        TtlvXml.ToXElement(node).Attribute("value")!.Value.Should().Be(formatted);
    }

    [Fact]
    public void Format_EveryItemType_RoundTrips()
    {
        var node = AllTypes();
        var xml = TtlvXml.Format(node);
        var back = TtlvXml.Parse(xml);
        back.ValueEquals(node).Should().BeTrue(xml);
        TtlvWriter.Encode(back).Should().Equal(TtlvWriter.Encode(node));
    }

    [Fact]
    public void Format_ExtensionTag_UsesGenericTtlvElement()
    {
        var node = TtlvNode.Structure(Tag.RequestPayload, TtlvNode.Create(0x540001, ItemType.LongInteger, -2, null));
        var e = TtlvXml.ToXElement(node);
        var ext = e.Elements().Single();
        ext.Name.LocalName.Should().Be("TTLV");
        ext.Attribute("tag")!.Value.Should().Be("0x540001");
        ext.Attribute("value")!.Value.Should().Be("-2");
        TtlvXml.Parse(e).ValueEquals(node).Should().BeTrue();
    }

    [Fact]
    public void Parse_ExtensionTagElementName_IsAccepted()
    {
        // §6.1.6.5 writes an extension tag as <x540001 .../>.
        TtlvXml.Parse("""<x540001 type="LongInteger" value="-2"/>""").RawTag.Should().Be(0x540001);
    }

    [Fact]
    public void Parse_PlaceholderWithoutResolver_KeepsRecognisablePlaceholder()
    {
        var node = TtlvXml.Parse("""
            <ResponsePayload>
              <UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_3"/>
              <Data type="ByteString" value="$DATA_25"/>
              <ActivationDate type="DateTime" value="$NOW-3600"/>
            </ResponsePayload>
            """);
        TtlvPlaceholder.TryGet(node.Items[0], out var uid).Should().BeTrue();
        uid.Should().Be("$UNIQUE_IDENTIFIER_3");
        node.Items[0].AsText.Should().Be("$UNIQUE_IDENTIFIER_3");
        TtlvPlaceholder.TryGet(node.Items[1], out var data).Should().BeTrue();
        data.Should().Be("$DATA_25");
        node.Items[1].AsBytes.Should().BeEmpty();
        TtlvPlaceholder.TryGet(node.Items[2], out var now).Should().BeTrue();
        now.Should().Be("$NOW-3600");

        var p = new TtlvPlaceholder(now!, (int)Tag.ActivationDate, ItemType.DateTime);
        (p.IsNow, p.OffsetSeconds).Should().Be((true, -3600L));
        new TtlvPlaceholder(uid!, 0, ItemType.TextString).Should().Match<TtlvPlaceholder>(x => x.Name == "UNIQUE_IDENTIFIER" && x.Index == 3);

        // The formatters write placeholders back.
        TtlvXml.Format(node).Should().Contain("value=\"$DATA_25\"").And.Contain("value=\"$NOW-3600\"");
        TtlvPlaceholder.TryGet(TtlvXml.Parse(TtlvXml.Format(node)).Items[1], out _).Should().BeTrue();
    }

    [Fact]
    public void Parse_PlaceholderWithResolver_UsesResolvedValue()
    {
        var node = TtlvXml.Parse("""<RequestPayload><UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/><Data type="ByteString" value="$DATA_1"/></RequestPayload>""",
            p => p.Type == ItemType.TextString ? TtlvNode.Text(Tag.Name, "abc") : null);
        node.Items[0].Tag.Should().Be(Tag.UniqueIdentifier);
        node.Items[0].AsText.Should().Be("abc");
        TtlvPlaceholder.TryGet(node.Items[0], out _).Should().BeFalse();
        TtlvPlaceholder.TryGet(node.Items[1], out _).Should().BeTrue();
    }

    [Fact]
    public void Parse_PlaceholderResolvedToWrongType_Throws()
    {
        var act = () => TtlvXml.Parse("""<Data type="ByteString" value="$DATA_1"/>""", _ => TtlvNode.Text(Tag.Data, "x"));
        act.Should().Throw<FormatException>().WithMessage("Data*$DATA_1*TextString*ByteString*");
    }

    [Fact]
    public void Parse_UnknownTagName_ThrowsNamingElementAndLine()
    {
        var act = () => TtlvXml.Parse("<RequestMessage>\n  <BatchItem>\n    <Operatoin type=\"Enumeration\" value=\"Create\"/>\n  </BatchItem>\n</RequestMessage>");
        act.Should().Throw<FormatException>().WithMessage("RequestMessage/BatchItem/Operatoin (line 3): unknown tag name <Operatoin>*");
    }

    [Fact]
    public void Parse_UnknownEnumerationName_ThrowsNamingElementAndValue()
    {
        var act = () => TtlvXml.Parse("""<RequestPayload><ObjectType type="Enumeration" value="SymmetricKeyy"/></RequestPayload>""");
        act.Should().Throw<FormatException>()
            .WithMessage("RequestPayload/ObjectType*\"SymmetricKeyy\" is not a value of enumeration ObjectType");
    }

    [Fact]
    public void Parse_EnumerationNameForTagWithoutNames_ExplainsHexIsNeeded()
    {
        var act = () => TtlvXml.Parse("""<Attribute><AttributeName type="TextString" value="x-custom"/><AttributeValue type="Enumeration" value="Foo"/></Attribute>""");
        act.Should().Throw<FormatException>().WithMessage("Attribute/AttributeValue*\"Foo\"*AttributeValue has no enumeration names*hex*");
    }

    [Theory]
    [InlineData("""<BatchCount type="Int" value="1"/>""", "*unknown item type \"Int\"*")]
    [InlineData("""<BatchCount type="Integer" value="one"/>""", "BatchCount*\"one\" is not an Integer*")]
    [InlineData("""<BatchCount type="Integer"/>""", "BatchCount*no value attribute*")]
    [InlineData("""<CryptographicUsageMask type="Integer" value="Encrypt Shred"/>""", "*\"Encrypt Shred\" is not a CryptographicUsageMask value*")]
    [InlineData("""<RequestPayload value="1"/>""", "RequestPayload*Structure has no value*")]
    [InlineData("""<BatchCount type="Integer" value="1"><X/></BatchCount>""", "BatchCount*cannot contain elements*")]
    [InlineData("""<Data type="ByteString" value="0g"/>""", "Data*not a hex Byte String*")]
    [InlineData("""<ActivationDate type="DateTime" value="yesterday"/>""", "ActivationDate*\"yesterday\" is not a Date-Time*")]
    [InlineData("""<BatchOrderOption type="Boolean" value="yes"/>""", "BatchOrderOption*not a Boolean*")]
    [InlineData("""<TTLV type="Integer" value="1"/>""", "TTLV*needs a tag attribute*")]
    [InlineData("<RequestMessage>", "not well-formed XML*")]
    public void Parse_InvalidInput_ThrowsFormatExceptionWithReason(string xml, string pattern)
    {
        var act = () => TtlvXml.Parse(xml);
        act.Should().Throw<FormatException>().WithMessage(pattern);
    }

    [Fact]
    public void Format_TextWithNewlinesAndMarkup_RoundTrips()
    {
        var node = TtlvNode.Text(Tag.Description, "line 1\nline 2 <&> \"quoted\"\ttab");
        TtlvXml.Parse(TtlvXml.Format(node)).AsText.Should().Be(node.AsText);
    }

    [Theory]
    [MemberData(nameof(KmipVectors.Files), MemberType = typeof(KmipVectors))]
    public void Load_OasisVectorFile_ParsesEveryMessage(string file)
    {
        var vector = KmipVectors.Load(file);
        vector.Steps.Should().NotBeEmpty();
        foreach (var step in vector.Steps)
        {
            step.RequestTemplate.Tag.Should().Be(Tag.RequestMessage);
            step.ExpectedResponseTemplate.Tag.Should().Be(Tag.ResponseMessage);
        }
        vector.ProtocolVersion.Should().Be(file.StartsWith("v1.4") ? "1.4" : "2.1");
    }

    [Theory]
    [MemberData(nameof(KmipVectors.Files), MemberType = typeof(KmipVectors))]
    public void Format_OasisVectorMessages_XmlRoundTripPreservesValuesAndPlaceholders(string file)
    {
        foreach (var step in KmipVectors.Load(file).Steps)
            foreach (var message in new[] { step.RequestTemplate, step.ExpectedResponseTemplate })
            {
                var xml = TtlvXml.Format(message);
                var back = TtlvXml.Parse(xml);
                back.ValueEquals(message).Should().BeTrue($"step {step.Index} must survive an XML round trip:\n{xml}");
                PlaceholderTexts(back).Should().Equal(PlaceholderTexts(message));
            }
    }

    [Theory]
    [MemberData(nameof(KmipVectors.Files), MemberType = typeof(KmipVectors))]
    public void Encode_OasisVectorMessages_BinaryRoundTripEqualsParsedMessage(string file)
    {
        foreach (var step in KmipVectors.Load(file).Steps)
            foreach (var message in new[] { step.RequestTemplate, step.ExpectedResponseTemplate })
            {
                var decoded = TtlvReader.Decode(TtlvWriter.Encode(message));
                decoded.ValueEquals(message).Should().BeTrue($"step {step.Index} must survive a binary round trip");
            }
    }

    [Fact]
    public void Format_OasisVectorMessage_MatchesFileLayout()
    {
        var step = KmipVectors.LoadByName("SKLC-M-1-14").Steps[0];
        var original = step.Request;
        var formatted = TtlvXml.ToXElement(step.RequestTemplate);
        // Masks are written in name order ("Decrypt Encrypt"), otherwise the vector text is reproduced.
        Normalize(formatted).Should().Be(Normalize(original).Replace("Encrypt Decrypt", "Decrypt Encrypt"));
    }

    private static string Normalize(XElement e) => e.ToString(SaveOptions.DisableFormatting);

    internal static List<string> PlaceholderTexts(TtlvNode node)
    {
        var list = new List<string>();
        void Walk(TtlvNode n)
        {
            if (TtlvPlaceholder.TryGet(n, out var text)) list.Add(text);
            foreach (var c in n.Items) Walk(c);
        }
        Walk(node);
        return list;
    }

    internal static TtlvNode AllTypes() => TtlvNode.Structure(Tag.RequestPayload,
        TtlvNode.Integer(Tag.BatchCount, -5),
        TtlvNode.Integer(Tag.CryptographicUsageMask, 0x0000100C | unchecked((int)0x80000000)),
        TtlvNode.LongInteger(Tag.UsageLimitsCount, 1L << 60),
        TtlvNode.LongInteger(Tag.UsageLimitsCount, -2),
        TtlvNode.BigInteger(Tag.Modulus, Convert.FromHexString("0000000003FD35EB6BC2DF4618080000")),
        TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
        TtlvNode.Enumeration(Tag.ObjectType, 0x80001234u),
        TtlvNode.Boolean(Tag.BatchOrderOption, true),
        TtlvNode.Boolean(Tag.BatchOrderOption, false),
        TtlvNode.Text(Tag.Description, "Hello World"),
        TtlvNode.Text(Tag.Description, ""),
        TtlvNode.Bytes(Tag.Data, [0x01, 0x02, 0xFF]),
        TtlvNode.Bytes(Tag.Data, []),
        TtlvNode.DateTime(Tag.ActivationDate, new DateTimeOffset(2008, 3, 14, 11, 56, 40, TimeSpan.Zero)),
        TtlvNode.Interval(Tag.Offset, 864000),
        TtlvNode.DateTimeExtended(Tag.ActivationDate, 1_205_495_800_123_456),
        TtlvNode.Structure(Tag.Attribute,
            TtlvNode.Text(Tag.AttributeName, "State"),
            TtlvNode.Enumeration(Tag.AttributeValue, State.PreActive)),
        TtlvNode.Structure(Tag.ProtocolVersion));
}
