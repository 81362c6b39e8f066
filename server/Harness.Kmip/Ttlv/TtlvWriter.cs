using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Harness.Kmip;

/// <summary>Binary TTLV encoder (KMIP 1.4 §9.1). Lengths of structures are computed first, then written in one pass.</summary>
public static class TtlvWriter
{
    public static byte[] Encode(TtlvNode node)
    {
        var bytes = new byte[EncodedLength(node)];
        int written = Write(node, bytes);
        System.Diagnostics.Debug.Assert(written == bytes.Length);
        return bytes;
    }

    public static void Encode(TtlvNode node, IBufferWriter<byte> output)
    {
        int length = EncodedLength(node);
        var span = output.GetSpan(length);
        Write(node, span);
        output.Advance(length);
    }

    /// <summary>The number of bytes the item takes on the wire, header and padding included.</summary>
    public static int EncodedLength(TtlvNode node) => 8 + Padded(ValueLength(node));

    private static int Padded(int n) => (n + 7) & ~7;

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
        foreach (var c in node.Items) sum += EncodedLength(c);
        return sum;
    }

    private static int Write(TtlvNode node, Span<byte> dest)
    {
        int valueLength = ValueLength(node);
        dest[0] = (byte)(node.RawTag >> 16);
        dest[1] = (byte)(node.RawTag >> 8);
        dest[2] = (byte)node.RawTag;
        dest[3] = (byte)node.Type;
        BinaryPrimitives.WriteInt32BigEndian(dest[4..], valueLength);
        var value = dest.Slice(8, Padded(valueLength));
        switch (node.Type)
        {
            case ItemType.Structure:
                int offset = 0;
                foreach (var c in node.Items) offset += Write(c, value[offset..]);
                break;
            case ItemType.Integer:
            case ItemType.Enumeration:
            case ItemType.Interval:
                BinaryPrimitives.WriteInt32BigEndian(value, (int)node.Number);
                value[4..8].Clear();
                break;
            case ItemType.TextString:
                int n = Encoding.UTF8.GetBytes(node.AsText, value);
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
