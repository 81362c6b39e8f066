namespace Harness.Kmip;

/// <summary>A KMIP protocol version (1.4 §6.1).</summary>
public readonly record struct ProtocolVersion(int Major, int Minor) : IComparable<ProtocolVersion>
{
    public static readonly ProtocolVersion V1_0 = new(1, 0), V1_1 = new(1, 1), V1_2 = new(1, 2), V1_3 = new(1, 3),
        V1_4 = new(1, 4), V2_0 = new(2, 0), V2_1 = new(2, 1);

    /// <summary>The versions this server speaks, highest first (Discover Versions answers in this order).</summary>
    public static readonly ProtocolVersion[] Supported = [V2_1, V2_0, V1_4, V1_3, V1_2, V1_1, V1_0];

    public bool IsV2 => Major >= 2;
    public bool IsSupported => Array.IndexOf(Supported, this) >= 0;

    public int CompareTo(ProtocolVersion other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    /// <summary>Every version KMIP defines, highest first (the order a Discover Versions request lists them in).</summary>
    public static IReadOnlyList<ProtocolVersion> All => Supported;

    /// <summary>KMIP 2.x: attributes travel under their own tags inside an Attributes structure.</summary>
    public bool UsesAttributesStructure => IsV2;

    public TtlvNode ToTtlv() => ToNode();

    public static ProtocolVersion FromTtlv(TtlvNode node) => Parse(node);

    /// <summary>Parses "1.4" or "2.1".</summary>
    public static ProtocolVersion Parse(string text)
    {
        var parts = text.Split('.');
        if (parts.Length == 2 && int.TryParse(parts[0], out var major) && int.TryParse(parts[1], out var minor) && major >= 0 && minor >= 0)
            return new ProtocolVersion(major, minor);
        throw new FormatException($"'{text}' is not a KMIP protocol version (expected MAJOR.MINOR, e.g. 1.4)");
    }

    public static ProtocolVersion Parse(TtlvNode node) =>
        new(node.Required(Tag.ProtocolVersionMajor).AsInt32, node.Required(Tag.ProtocolVersionMinor).AsInt32);

    public TtlvNode ToNode() => TtlvNode.Structure(Tag.ProtocolVersion,
        TtlvNode.Integer(Tag.ProtocolVersionMajor, Major), TtlvNode.Integer(Tag.ProtocolVersionMinor, Minor));

    public override string ToString() => $"{Major}.{Minor}";

    public static bool operator <(ProtocolVersion a, ProtocolVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(ProtocolVersion a, ProtocolVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(ProtocolVersion a, ProtocolVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(ProtocolVersion a, ProtocolVersion b) => a.CompareTo(b) >= 0;
}
