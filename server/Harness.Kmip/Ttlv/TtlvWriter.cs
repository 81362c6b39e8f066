using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Harness.Kmip;

/// <summary>
/// Binary TTLV encoder (KMIP 1.4 §9.1). Every item's length is measured once, in one pass that records them in
/// document order, then the bytes are written in a second pass that reads them back (no structure is measured again at
/// each level of nesting).
/// </summary>
public static class TtlvWriter
{
    [ThreadStatic] private static List<int>? t_lengths;

    public static byte[] Encode(TtlvNode node)
    {
        var lengths = Lengths();
        int total = 8 + Padded(Measure(node, lengths));
        var bytes = new byte[total];
        int cursor = 0;
        int written = Write(node, bytes, lengths, ref cursor);
        System.Diagnostics.Debug.Assert(written == bytes.Length);
        return bytes;
    }

    public static void Encode(TtlvNode node, IBufferWriter<byte> output)
    {
        var lengths = Lengths();
        int total = 8 + Padded(Measure(node, lengths));
        var span = output.GetSpan(total);
        int cursor = 0;
        Write(node, span, lengths, ref cursor);
        output.Advance(total);
    }

    /// <summary>
    /// Encodes <paramref name="node"/> at the start of <paramref name="dest"/>, which must hold
    /// <see cref="EncodedLength"/> bytes; returns how many were written.
    /// </summary>
    public static int Encode(TtlvNode node, Span<byte> dest)
    {
        var lengths = Lengths();
        int total = 8 + Padded(Measure(node, lengths));
        int cursor = 0;
        return Write(node, dest[..total], lengths, ref cursor);
    }

    /// <summary>Writes an item's 8-byte header (tag, type, value length) at the start of <paramref name="dest"/>, for encoders that frame a structure themselves.</summary>
    public static void WriteHeader(Span<byte> dest, int tag, ItemType type, int valueLength)
    {
        dest[0] = (byte)(tag >> 16);
        dest[1] = (byte)(tag >> 8);
        dest[2] = (byte)tag;
        dest[3] = (byte)type;
        BinaryPrimitives.WriteInt32BigEndian(dest[4..], valueLength);
    }

    /// <summary>A value length rounded up to the 8-byte boundary it is padded to.</summary>
    public static int Padded(int n) => (n + 7) & ~7;

    /// <summary>The number of bytes the item takes on the wire, header and padding included.</summary>
    public static int EncodedLength(TtlvNode node) => 8 + Padded(ValueLength(node));

    private static List<int> Lengths()
    {
        var lengths = t_lengths ??= new List<int>(64);
        lengths.Clear();
        return lengths;
    }


    /// <summary>Records the value length of the node and of every item below it, in document order; returns the node's.</summary>
    private static int Measure(TtlvNode node, List<int> lengths)
    {
        int at = lengths.Count;
        lengths.Add(0);
        int length;
        if (node.Type == ItemType.Structure)
        {
            length = 0;
            foreach (var c in node.Children) length += 8 + Padded(Measure(c, lengths));
        }
        else length = ValueLength(node);
        lengths[at] = length;
        return length;
    }

    private static int ValueLength(TtlvNode node) => node.Type switch
    {
        ItemType.Structure => SumChildren(node),
        ItemType.Integer or ItemType.Enumeration or ItemType.Interval => 4,
        ItemType.LongInteger or ItemType.Boolean or ItemType.DateTime or ItemType.DateTimeExtended => 8,
        ItemType.TextString => Encoding.UTF8.GetByteCount(node.AsText),
        ItemType.ByteString or ItemType.BigInteger => node.AsBytes.Length,
        _ => throw new InvalidOperationException($"cannot encode item type {node.Type}"),
    };

    private static int SumChildren(TtlvNode node)
    {
        int sum = 0;
        foreach (var c in node.Children) sum += EncodedLength(c);
        return sum;
    }

    private static int Write(TtlvNode node, Span<byte> dest, List<int> lengths, ref int cursor)
    {
        int valueLength = lengths[cursor++];
        WriteHeader(dest, node.RawTag, node.Type, valueLength);
        var value = dest.Slice(8, Padded(valueLength));
        switch (node.Type)
        {
            case ItemType.Structure:
                int offset = 0;
                foreach (var c in node.Children) offset += Write(c, value[offset..], lengths, ref cursor);
                break;
            case ItemType.Integer:
            case ItemType.Enumeration:
            case ItemType.Interval:
                BinaryPrimitives.WriteInt32BigEndian(value, (int)node.Number);
                value[4..8].Clear();
                break;
            case ItemType.TextString:
                int n = Encoding.UTF8.GetBytes(node.AsText, value);
                System.Diagnostics.Debug.Assert(n == valueLength);
                value[n..].Clear();
                break;
            case ItemType.ByteString:
            case ItemType.BigInteger:
                node.AsBytes.CopyTo(value);
                value[node.AsBytes.Length..].Clear();
                break;
            default:
                BinaryPrimitives.WriteInt64BigEndian(value, node.Number);
                break;
        }
        return 8 + value.Length;
    }
}
