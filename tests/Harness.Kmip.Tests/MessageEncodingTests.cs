using System.Text;
using Harness.Kmip.Encodings;

namespace Harness.Kmip.Tests;

public class MessageEncodingTests
{
    private static TtlvNode Request() => TtlvNode.Structure(Tag.RequestMessage,
        TtlvNode.Structure(Tag.RequestHeader,
            TtlvNode.Structure(Tag.ProtocolVersion, TtlvNode.Integer(Tag.ProtocolVersionMajor, 1), TtlvNode.Integer(Tag.ProtocolVersionMinor, 4)),
            TtlvNode.Integer(Tag.BatchCount, 1)),
        TtlvNode.Structure(Tag.BatchItem,
            TtlvNode.Enumeration(Tag.Operation, (uint)Operation.Get),
            TtlvNode.Structure(Tag.RequestPayload, TtlvNode.Text(Tag.UniqueIdentifier, "$not-a-placeholder"))));

    [Theory]
    [InlineData("application/octet-stream", MessageEncoding.Ttlv)]
    [InlineData("text/xml", MessageEncoding.Xml)]
    [InlineData("application/xml", MessageEncoding.Xml)]
    [InlineData("TEXT/XML; charset=UTF-8", MessageEncoding.Xml)]
    [InlineData("application/json", MessageEncoding.Json)]
    public void TryFromContentType_TheProfilesMediaTypes_NameTheirEncoding(string contentType, MessageEncoding expected)
    {
        MessageEncodings.TryFromContentType(contentType, out var encoding).Should().BeTrue();
        encoding.Should().Be(expected);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("text/plain")]
    [InlineData("application/jsonx")]
    public void TryFromContentType_AnythingElse_IsNoEncoding(string? contentType) =>
        MessageEncodings.TryFromContentType(contentType, out _).Should().BeFalse();

    [Theory]
    [InlineData(MessageEncoding.Ttlv)]
    [InlineData(MessageEncoding.Xml)]
    [InlineData(MessageEncoding.Json)]
    public void EncodeThenDecode_GivesTheSameMessage(MessageEncoding encoding)
    {
        var decoded = MessageEncodings.Decode(MessageEncodings.Encode(Request(), encoding), encoding, TtlvLimits.Default);
        TtlvWriter.Encode(decoded).Should().Equal(TtlvWriter.Encode(Request()));
    }

    [Fact]
    public void Decode_XmlWithAPlaceholderForANumber_IsInvalidMessage()
    {
        var xml = "<RequestMessage><RequestHeader><BatchCount type=\"Integer\" value=\"$COUNT\"/></RequestHeader></RequestMessage>";
        var decode = () => MessageEncodings.Decode(Encoding.UTF8.GetBytes(xml), MessageEncoding.Xml, TtlvLimits.Default);
        decode.Should().Throw<KmipException>().Where(e => e.Reason == ResultReason.InvalidMessage && e.Message.Contains("$COUNT is a test-vector placeholder"));
    }

    [Theory]
    [InlineData(MessageEncoding.Xml)]
    [InlineData(MessageEncoding.Json)]
    public void Decode_NestedDeeperThanTheLimit_IsInvalidMessage(MessageEncoding encoding)
    {
        var deep = TtlvNode.Integer(Tag.BatchCount, 1);
        for (int i = 0; i < 5; i++) deep = TtlvNode.Structure(Tag.RequestMessage, deep);
        var bytes = MessageEncodings.Encode(deep, encoding);

        MessageEncodings.Decode(bytes, encoding, new TtlvLimits(MaxDepth: 5)).Should().NotBeNull();
        var decode = () => MessageEncodings.Decode(bytes, encoding, new TtlvLimits(MaxDepth: 4));
        decode.Should().Throw<KmipException>().Where(e => e.Reason == ResultReason.InvalidMessage && e.Message.Contains("nested deeper than 4"));
    }
}
