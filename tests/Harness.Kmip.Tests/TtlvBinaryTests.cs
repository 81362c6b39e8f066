namespace Harness.Kmip.Tests;

public class TtlvBinaryTests
{
    // KMIP 1.4 §9.1.2 examples, laid out as tag | type | length | value.
    [Theory]
    [InlineData("420020 | 02 | 00000004 | 00000008 00000000")]               // Integer 8
    [InlineData("420020 | 03 | 00000008 | 01B69B4BA5749200")]               // Long Integer 123456789000000000
    [InlineData("420020 | 04 | 00000010 | 0000000003FD35EB 6BC2DF4618080000")] // Big Integer
    [InlineData("420020 | 05 | 00000004 | 000000FF 00000000")]               // Enumeration 255
    [InlineData("420020 | 06 | 00000008 | 0000000000000001")]               // Boolean true
    [InlineData("420020 | 07 | 0000000B | 48656C6C6F20576F726C64 0000000000")] // Text String "Hello World"
    [InlineData("420020 | 08 | 00000003 | 010203 0000000000")]               // Byte String
    [InlineData("420020 | 09 | 00000008 | 0000000047DA67F8")]               // Date-Time
    [InlineData("420020 | 0A | 00000004 | 000D2F00 00000000")]               // Interval 10 days
    [InlineData("420020 | 01 | 00000020 | 420004 | 05 | 00000004 | 000FEEDC 00000000 | 420005 | 02 | 00000004 | 00000154 00000000")]
    public void Decode_SpecExample_RoundTripsByteForByte(string hex)
    {
        var bytes = HexText.Parse(hex);
        var node = TtlvReader.Decode(bytes);
        TtlvWriter.Encode(node).Should().Equal(bytes);
    }

    [Fact]
    public void Decode_TextString_ReadsValue()
    {
        var node = TtlvReader.Decode(HexText.Parse("420020 | 07 | 0000000B | 48656C6C6F20576F726C64 0000000000"));
        node.AsText.Should().Be("Hello World");
        node.Tag.Should().Be(Tag.CompromiseDate);
    }

    [Fact]
    public void Decode_TruncatedItem_ThrowsInvalidMessageWithOffset()
    {
        var act = () => TtlvReader.Decode(HexText.Parse("420020 | 02 | 00000004 | 0000"));
        act.Should().Throw<TtlvFormatException>().Which.Reason.Should().Be(ResultReason.InvalidMessage);
    }

    [Fact]
    public void Decode_IntegerWithWrongLength_Throws()
    {
        var act = () => TtlvReader.Decode(HexText.Parse("420020 | 02 | 00000008 | 0000000000000008"));
        act.Should().Throw<TtlvFormatException>().WithMessage("*expected 4*");
    }

    [Fact]
    public void Decode_UnknownItemType_Throws()
    {
        var act = () => TtlvReader.Decode(HexText.Parse("420020 | 0F | 00000004 | 00000008 00000000"));
        act.Should().Throw<TtlvFormatException>().WithMessage("*unknown item type 0x0F*");
    }

    [Fact]
    public void Decode_NestingBeyondLimit_Throws()
    {
        TtlvNode node = TtlvNode.Integer(Tag.BatchCount, 1);
        for (int i = 0; i < 40; i++) node = TtlvNode.Structure(Tag.Attribute, node);
        var act = () => TtlvReader.Decode(TtlvWriter.Encode(node), new TtlvLimits(MaxDepth: 32));
        act.Should().Throw<TtlvFormatException>().WithMessage("*nested deeper than 32*");
    }

    [Fact]
    public void TryGetMessageLength_LengthBeyondLimit_Throws()
    {
        var act = () => TtlvReader.TryGetMessageLength(HexText.Parse("420078 01 7FFFFFF0"), TtlvLimits.Default, out _);
        act.Should().Throw<MessageTooLongException>();
    }

    [Fact]
    public void Dump_ShowsTagNamesTypesAndEnumNames()
    {
        var node = TtlvNode.Structure(Tag.RequestPayload,
            TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
            TtlvNode.Integer(Tag.CryptographicUsageMask, 12));
        var text = TtlvDump.Format(node);
        text.Should().Contain("RequestPayload (Structure)").And.Contain("ObjectType (Enumeration): SymmetricKey")
            .And.Contain("Decrypt | Encrypt");
    }
}
