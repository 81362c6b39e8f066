using System.Buffers.Binary;
using System.Text;

namespace Harness.Kmip;

/// <summary>Limits applied while decoding untrusted bytes.</summary>
public sealed record TtlvLimits(int MaxMessageLength = 1 << 20, int MaxDepth = 32)
{
    public static readonly TtlvLimits Default = new();
}

/// <summary>
/// Binary TTLV decoder (KMIP 1.4 §9.1). No I/O: it reads a span and throws <see cref="TtlvFormatException"/> for
/// malformed bytes, naming the offset.
/// </summary>
public static class TtlvReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>
    /// Framing: from the first 8 bytes of a message, the total length of the message (header included). False if fewer
    /// than 8 bytes are available. Throws when the header cannot start a KMIP message or the length exceeds the limit.
    /// </summary>
    public static bool TryGetMessageLength(ReadOnlySpan<byte> buffer, TtlvLimits limits, out int totalLength)
    {
        totalLength = 0;
        if (buffer.Length < 8) return false;
        if (buffer[3] != (byte)ItemType.Structure)
            throw new TtlvFormatException($"a KMIP message must be a Structure, found item type 0x{buffer[3]:X2}", 3);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
        if (length > (uint)limits.MaxMessageLength - 8)
            throw new MessageTooLongException(length + 8L, limits.MaxMessageLength);
        totalLength = 8 + (int)length;
        return true;
    }

    public static TtlvNode Decode(ReadOnlySpan<byte> bytes) => Decode(bytes, TtlvLimits.Default);

    public static TtlvNode Decode(ReadOnlySpan<byte> bytes, TtlvLimits limits)
    {
        if (bytes.Length > limits.MaxMessageLength) throw new MessageTooLongException(bytes.Length, limits.MaxMessageLength);
        int consumed = ReadItem(bytes, 0, 0, limits, out var node);
        if (consumed != bytes.Length)
            throw new TtlvFormatException($"{bytes.Length - consumed} bytes after the end of the message", consumed);
        return node;
    }

    private static int ReadItem(ReadOnlySpan<byte> all, int start, int depth, TtlvLimits limits, out TtlvNode node)
    {
        if (all.Length - start < 8) throw new TtlvFormatException("truncated item header", start);
        var h = all.Slice(start, 8);
        int tag = (h[0] << 16) | (h[1] << 8) | h[2];
        var type = (ItemType)h[3];
        uint length = BinaryPrimitives.ReadUInt32BigEndian(h[4..]);
        if (type is < ItemType.Structure or > ItemType.DateTimeExtended)
            throw new TtlvFormatException($"unknown item type 0x{h[3]:X2} for tag {TagNames.Name(tag)}", start + 3);
        if ((h[0] != 0x42 && h[0] != 0x54))
            throw new TtlvFormatException($"tag 0x{tag:X6} is neither a KMIP tag (0x42xxxx) nor an extension tag (0x54xxxx)", start);
        long padded = ((long)length + 7) & ~7L;
        if (padded > all.Length - start - 8)
            throw new TtlvFormatException($"{TagNames.Name(tag)} claims {length} bytes but only {all.Length - start - 8} remain", start + 4);
        var value = all.Slice(start + 8, (int)length);
        int valueStart = start + 8;
        switch (type)
        {
            case ItemType.Structure:
                if (depth >= limits.MaxDepth)
                    throw new TtlvFormatException($"structures nested deeper than {limits.MaxDepth} levels", start);
                if (length % 8 != 0)
                    throw new TtlvFormatException($"structure {TagNames.Name(tag)} has length {length}, not a multiple of 8", start + 4);
                var children = new List<TtlvNode>();
                int pos = valueStart, end = valueStart + (int)length;
                while (pos < end)
                {
                    pos += ReadItem(all[..end], pos, depth + 1, limits, out var child);
                    children.Add(child);
                }
                node = TtlvNode.Create(tag, type, 0, children);
                break;
            case ItemType.Integer:
            case ItemType.Enumeration:
            case ItemType.Interval:
                Expect(tag, type, length, 4, start);
                long v = type == ItemType.Integer ? BinaryPrimitives.ReadInt32BigEndian(value) : BinaryPrimitives.ReadUInt32BigEndian(value);
                node = TtlvNode.Create(tag, type, v, null);
                break;
            case ItemType.LongInteger:
            case ItemType.DateTime:
            case ItemType.DateTimeExtended:
                Expect(tag, type, length, 8, start);
                node = TtlvNode.Create(tag, type, BinaryPrimitives.ReadInt64BigEndian(value), null);
                break;
            case ItemType.Boolean:
                Expect(tag, type, length, 8, start);
                ulong b = BinaryPrimitives.ReadUInt64BigEndian(value);
                if (b > 1) throw new TtlvFormatException($"Boolean {TagNames.Name(tag)} has value {b}, expected 0 or 1", valueStart);
                node = TtlvNode.Create(tag, type, (long)b, null);
                break;
            case ItemType.TextString:
                string text;
                try { text = StrictUtf8.GetString(value); }
                catch (DecoderFallbackException) { throw new TtlvFormatException($"Text String {TagNames.Name(tag)} is not valid UTF-8", valueStart); }
                node = TtlvNode.Create(tag, type, 0, text);
                break;
            case ItemType.BigInteger:
                if (length % 8 != 0) throw new TtlvFormatException($"Big Integer {TagNames.Name(tag)} has length {length}, not a multiple of 8", start + 4);
                node = TtlvNode.Create(tag, type, 0, value.ToArray());
                break;
            default:
                node = TtlvNode.Create(tag, type, 0, value.ToArray());
                break;
        }
        return 8 + (int)padded;
    }

    private static void Expect(int tag, ItemType type, uint length, uint expected, int start)
    {
        if (length != expected)
            throw new TtlvFormatException($"{type} {TagNames.Name(tag)} has length {length}, expected {expected}", start + 4);
    }
}

/// <summary>The declared message length exceeds the configured limit; the peer's framing cannot be trusted.</summary>
public sealed class MessageTooLongException(long length, int limit)
    : KmipException(ResultReason.InvalidMessage, $"message of {length} bytes exceeds the limit of {limit} bytes")
{
    public long Length { get; } = length;
    public int Limit { get; } = limit;
}
