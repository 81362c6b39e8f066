using CsCheck;

namespace Harness.Kmip.Tests.Properties;

/// <summary>
/// The TTLV codec over random trees and random damage (CsCheck; failures shrink to a small case and print its seed):
/// whatever is encoded decodes to the same tree, lengths agree, and bytes that are not a valid message are refused
/// with a KMIP error, never another exception.
/// </summary>
public class TtlvCodecProperties
{
    private static readonly Gen<int> Tag = Gen.Int[0x420001, 0x420160];

    private static readonly Gen<TtlvNode> Leaf = Gen.OneOf(
        Tag.SelectMany(t => Gen.Int.Select(v => TtlvNode.Create(t, ItemType.Integer, v, null))),
        Tag.SelectMany(t => Gen.Long.Select(v => TtlvNode.Create(t, ItemType.LongInteger, v, null))),
        Tag.SelectMany(t => Gen.UInt.Select(v => TtlvNode.Create(t, ItemType.Enumeration, v, null))),
        Tag.SelectMany(t => Gen.Bool.Select(v => TtlvNode.Create(t, ItemType.Boolean, v ? 1 : 0, null))),
        Tag.SelectMany(t => Gen.String[Gen.Char, 0, 40].Select(v => TtlvNode.Create(t, ItemType.TextString, 0, v))),
        Tag.SelectMany(t => Gen.Byte.Array[0, 40].Select(v => TtlvNode.Create(t, ItemType.ByteString, 0, v))),
        Tag.SelectMany(t => Gen.Long[0, 4_000_000_000L].Select(v => TtlvNode.Create(t, ItemType.DateTime, v, null))),
        Tag.SelectMany(t => Gen.UInt.Select(v => TtlvNode.Create(t, ItemType.Interval, v, null))));

    private static Gen<TtlvNode> Node(int depth) => depth == 0
        ? Leaf
        : Gen.Frequency((3, Leaf), (1, Tag.SelectMany(t => Node(depth - 1).Array[0, 5].Select(children => TtlvNode.Structure(t, children)))));

    private static readonly Gen<TtlvNode> Message = Node(5).Array[1, 6].Select(children => TtlvNode.Structure(0x420078, children));

    [Fact]
    public void EncodeThenDecode_GivesTheSameTree_AndTheLengthEncodedLengthSays()
    {
        Message.Sample(message =>
        {
            var bytes = TtlvWriter.Encode(message);
            bytes.Length.Should().Be(TtlvWriter.EncodedLength(message));
            (bytes.Length % 8).Should().Be(0);
            TtlvReader.Decode(bytes, new TtlvLimits(1 << 24, 64)).ValueEquals(message).Should().BeTrue();
        }, iter: 2000);
    }

    [Fact]
    public void DamagedBytes_DecodeOrAreRefusedWithAKmipError_NeverAnotherException()
    {
        Gen.Select(Message, Gen.Int[0, 1000], Gen.Byte, Gen.Int[0, 3]).Sample((message, at, value, how) =>
        {
            var bytes = TtlvWriter.Encode(message);
            int i = at % bytes.Length;
            bytes = how switch
            {
                0 => bytes[..i],                                    // cut short
                1 => [.. bytes[..i], value, .. bytes[i..]],         // a byte too many
                _ => Flip(bytes, i, value),                         // a byte changed
            };
            try { TtlvReader.Decode(bytes, new TtlvLimits(1 << 20, 32)); }
            catch (KmipException) { }
        }, iter: 5000);
    }

    private static byte[] Flip(byte[] bytes, int at, byte value)
    {
        bytes[at] ^= value == 0 ? (byte)1 : value;
        return bytes;
    }
}
