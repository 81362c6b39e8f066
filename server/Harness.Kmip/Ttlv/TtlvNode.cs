using System.Runtime.CompilerServices;
using System.Text;

namespace Harness.Kmip;

/// <summary>
/// One TTLV item: a tag, a type and a value. Structures hold their children in order. Numbers (Integer, Long Integer,
/// Enumeration, Boolean, Date-Time, Interval, Date-Time Extended) live in <see cref="Number"/>; text, bytes and big
/// integers in a reference. Tags are kept as raw 24-bit values so that extension tags (0x54xxxx) survive a round trip.
/// </summary>
public sealed class TtlvNode
{
    private readonly long _number;
    private readonly object? _ref;

    private TtlvNode(int tag, ItemType type, long number, object? reference)
    {
        RawTag = tag;
        Type = type;
        _number = number;
        _ref = reference;
    }

    public int RawTag { get; }
    public Tag Tag => (Tag)RawTag;
    public ItemType Type { get; }

    /// <summary>Children of a structure (empty for every other type).</summary>
    public IReadOnlyList<TtlvNode> Items => _ref as List<TtlvNode> ?? (IReadOnlyList<TtlvNode>)Array.Empty<TtlvNode>();

    /// <summary>The children as a span: what codec loops walk (a foreach over <see cref="Items"/> allocates an enumerator per structure).</summary>
    public ReadOnlySpan<TtlvNode> Children => _ref is List<TtlvNode> list ? System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list) : default;

    public long Number => _number;

    // ---- factories -------------------------------------------------------------------------------------------
    public static TtlvNode Structure(Tag tag, IEnumerable<TtlvNode?> children) => Structure((int)tag, children);
    public static TtlvNode Structure(Tag tag, params TtlvNode?[] children) => Structure((int)tag, children);
    public static TtlvNode Structure(int tag, params TtlvNode?[] children)
    {
        var list = new List<TtlvNode>(children.Length);
        foreach (var c in children) if (c is not null) list.Add(c);
        return new TtlvNode(tag, ItemType.Structure, 0, list);
    }
    public static TtlvNode Structure(int tag, IEnumerable<TtlvNode?> children)
    {
        var list = new List<TtlvNode>();
        foreach (var c in children) if (c is not null) list.Add(c);
        return new TtlvNode(tag, ItemType.Structure, 0, list);
    }

    public static TtlvNode Integer(Tag tag, int value) => new((int)tag, ItemType.Integer, value, null);
    public static TtlvNode LongInteger(Tag tag, long value) => new((int)tag, ItemType.LongInteger, value, null);
    public static TtlvNode BigInteger(Tag tag, byte[] twosComplementBigEndian) => new((int)tag, ItemType.BigInteger, 0, twosComplementBigEndian);
    public static TtlvNode Enumeration(Tag tag, uint value) => new((int)tag, ItemType.Enumeration, value, null);
    public static TtlvNode Enumeration<TEnum>(Tag tag, TEnum value) where TEnum : struct, Enum =>
        // KMIP's enumerations are uint-backed; the size test is a constant for the JIT, so neither boxes.
        new((int)tag, ItemType.Enumeration, Unsafe.SizeOf<TEnum>() == sizeof(uint) ? Unsafe.As<TEnum, uint>(ref value) : Convert.ToUInt32(value), null);
    public static TtlvNode Boolean(Tag tag, bool value) => new((int)tag, ItemType.Boolean, value ? 1 : 0, null);
    public static TtlvNode Text(Tag tag, string value) => new((int)tag, ItemType.TextString, 0, value);
    public static TtlvNode Bytes(Tag tag, byte[] value) => new((int)tag, ItemType.ByteString, 0, value);
    public static TtlvNode DateTime(Tag tag, DateTimeOffset value) => new((int)tag, ItemType.DateTime, value.ToUnixTimeSeconds(), null);
    public static TtlvNode Interval(Tag tag, uint seconds) => new((int)tag, ItemType.Interval, seconds, null);
    public static TtlvNode DateTimeExtended(Tag tag, long microseconds) => new((int)tag, ItemType.DateTimeExtended, microseconds, null);

    /// <summary>Creates an item of any type from its parts (decoders use this; values are not checked).</summary>
    public static TtlvNode Create(int tag, ItemType type, long number, object? reference) => type switch
    {
        ItemType.Structure => new TtlvNode(tag, type, 0, reference as List<TtlvNode> ?? new List<TtlvNode>()),
        ItemType.TextString => new TtlvNode(tag, type, 0, reference as string ?? ""),
        ItemType.ByteString or ItemType.BigInteger => new TtlvNode(tag, type, 0, reference as byte[] ?? []),
        _ => new TtlvNode(tag, type, number, null),
    };

    /// <summary>The same value under another tag (KMIP 2.x attributes are carried under their own tags).</summary>
    public TtlvNode WithTag(int tag) => new(tag, Type, _number, Type == ItemType.Structure ? new List<TtlvNode>(Items) : _ref);
    public TtlvNode WithTag(Tag tag) => WithTag((int)tag);

    // ---- accessors --------------------------------------------------------------------------------------------
    public int AsInt32 => Type is ItemType.Integer ? (int)_number : throw WrongType(ItemType.Integer);
    public long AsInt64 => Type is ItemType.LongInteger ? _number : throw WrongType(ItemType.LongInteger);
    public uint AsEnum => Type is ItemType.Enumeration ? (uint)_number : throw WrongType(ItemType.Enumeration);
    public TEnum AsEnumOf<TEnum>() where TEnum : struct, Enum
    {
        uint value = AsEnum;
        return Unsafe.SizeOf<TEnum>() == sizeof(uint) ? Unsafe.As<uint, TEnum>(ref value) : (TEnum)Enum.ToObject(typeof(TEnum), value);
    }
    public bool AsBoolean => Type is ItemType.Boolean ? _number != 0 : throw WrongType(ItemType.Boolean);
    public string AsText => _ref as string ?? throw WrongType(ItemType.TextString);
    public byte[] AsBytes => (Type is ItemType.ByteString or ItemType.BigInteger ? _ref as byte[] : null) ?? throw WrongType(ItemType.ByteString);
    public DateTimeOffset AsDateTime => Type is not ItemType.DateTime ? throw WrongType(ItemType.DateTime)
        : _number is >= MinUnixSeconds and <= MaxUnixSeconds ? DateTimeOffset.FromUnixTimeSeconds(_number)
        : throw new KmipException(ResultReason.InvalidField, $"{TagNames.Name(RawTag)} {_number} is outside the calendar (years 1–9999)");

    /// <summary>The Unix seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the dates .NET (and xsd:dateTime) can show.</summary>
    internal const long MinUnixSeconds = -62135596800, MaxUnixSeconds = 253402300799;
    /// <summary>A Date Time Extended: microseconds since the Unix epoch (KMIP 2.1 §9.1.1.4).</summary>
    public long AsDateTimeExtended => Type is ItemType.DateTimeExtended ? _number : throw WrongType(ItemType.DateTimeExtended);
    public uint AsInterval => Type is ItemType.Interval ? (uint)_number : throw WrongType(ItemType.Interval);

    private KmipException WrongType(ItemType expected) =>
        new(ResultReason.InvalidField, $"{TagNames.Name(RawTag)} is a {Type}, expected a {expected}");

    public TtlvNode? Child(Tag tag)
    {
        if (_ref is not List<TtlvNode> list) return null;
        foreach (var c in list) if (c.RawTag == (int)tag) return c;
        return null;
    }

    /// <summary>Every node under this one, depth first.</summary>
    public IEnumerable<TtlvNode> Descendants()
    {
        foreach (var child in Items)
        {
            yield return child;
            foreach (var d in child.Descendants()) yield return d;
        }
    }

    public IEnumerable<TtlvNode> ChildrenOf(Tag tag)
    {
        if (_ref is not List<TtlvNode> list) yield break;
        foreach (var c in list) if (c.RawTag == (int)tag) yield return c;
    }

    /// <summary>The child with the tag, or a KMIP error naming what is missing.</summary>
    public TtlvNode Required(Tag tag) =>
        Child(tag) ?? throw new KmipException(ResultReason.InvalidField, $"{TagNames.Name((int)tag)} is missing from {TagNames.Name(RawTag)}");

    /// <summary>Structural equality: same tag, type and value, children in the same order.</summary>
    public bool ValueEquals(TtlvNode other)
    {
        if (RawTag != other.RawTag || Type != other.Type) return false;
        switch (Type)
        {
            case ItemType.Structure:
                var a = Items; var b = other.Items;
                if (a.Count != b.Count) return false;
                for (int i = 0; i < a.Count; i++) if (!a[i].ValueEquals(b[i])) return false;
                return true;
            case ItemType.TextString: return AsText == other.AsText;
            case ItemType.ByteString:
            case ItemType.BigInteger: return AsBytes.AsSpan().SequenceEqual(other.AsBytes);
            default: return _number == other._number;
        }
    }

    public override string ToString() => TtlvDump.Format(this);

    public string ValueText()
    {
        return Type switch
        {
            ItemType.Structure => "",
            ItemType.TextString => AsText,
            ItemType.ByteString or ItemType.BigInteger => Convert.ToHexString(AsBytes),
            ItemType.Boolean => AsBoolean ? "true" : "false",
            ItemType.DateTime => _number is >= MinUnixSeconds and <= MaxUnixSeconds
                ? AsDateTime.ToString("yyyy-MM-ddTHH:mm:ssK") : $"{_number} s (outside the calendar)",
            ItemType.Enumeration => EnumNames.Name(RawTag, AsEnum) ?? $"0x{AsEnum:X8}",
            _ => _number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    internal static string Utf8(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);
}
