namespace Harness.Kmip.Client;

/// <summary>
/// An attribute independent of the protocol version: its KMIP 1.x name ("Cryptographic Length", or a custom
/// "x-Product_Version"), an optional Attribute Index and its value. <see cref="ToTtlv"/> writes the 1.x Attribute
/// structure or the 2.x form (own tag, or a vendor Attribute for custom names, KMIP 2.1 §4.60).
/// </summary>
/// <param name="Value">the value item; its tag does not matter, it is re-tagged when written.</param>
public sealed record KmipAttribute(string Name, TtlvNode Value, int? Index = null)
{
    // ---- common attributes ------------------------------------------------------------------------------------
    public static KmipAttribute CryptographicAlgorithm(Kmip.CryptographicAlgorithm algorithm) =>
        Standard(Tag.CryptographicAlgorithm, TtlvNode.Enumeration(Tag.CryptographicAlgorithm, algorithm));

    public static KmipAttribute CryptographicLength(int bits) =>
        Standard(Tag.CryptographicLength, TtlvNode.Integer(Tag.CryptographicLength, bits));

    public static KmipAttribute CryptographicUsageMask(Kmip.CryptographicUsageMask mask) =>
        Standard(Tag.CryptographicUsageMask, TtlvNode.Integer(Tag.CryptographicUsageMask, (int)mask));

    public static KmipAttribute ObjectType(Kmip.ObjectType type) =>
        Standard(Tag.ObjectType, TtlvNode.Enumeration(Tag.ObjectType, type));

    public static KmipAttribute State(Kmip.State state) => Standard(Tag.State, TtlvNode.Enumeration(Tag.State, state));

    public static KmipAttribute ObjectGroup(string group) => Standard(Tag.ObjectGroup, TtlvNode.Text(Tag.ObjectGroup, group));

    /// <summary>The Name attribute (KMIP 1.4 §3.2): Name Value and Name Type.</summary>
    public static KmipAttribute ObjectName(string value, NameType type = NameType.UninterpretedTextString) =>
        Standard(Tag.Name, TtlvNode.Structure(Tag.Name, TtlvNode.Text(Tag.NameValue, value), TtlvNode.Enumeration(Tag.NameType, type)));

    /// <summary>The curve of an EC key: Cryptographic Domain Parameters (KMIP 1.4 §3.7) with its Recommended Curve.</summary>
    public static KmipAttribute RecommendedCurve(Kmip.RecommendedCurve curve) =>
        Standard(Tag.CryptographicDomainParameters, TtlvNode.Structure(Tag.CryptographicDomainParameters, TtlvNode.Enumeration(Tag.RecommendedCurve, curve)));

    /// <summary>The Cryptographic Parameters attribute (KMIP 1.4 §3.6): the defaults of the key's cryptographic operations.</summary>
    public static KmipAttribute CryptographicParameters(Payloads.CryptographicParameters parameters) =>
        Standard(Tag.CryptographicParameters, parameters.ToNode());

    /// <summary>A text attribute under any name, typically a custom one ("x-Vendor").</summary>
    public static KmipAttribute Text(string name, string value) => new(name, TtlvNode.Text(Tag.AttributeValue, value));

    /// <summary>A standard attribute carried by its tag ("Cryptographic Length" for <see cref="Tag.CryptographicLength"/>).</summary>
    public static KmipAttribute Standard(Tag tag, TtlvNode value) => new(TagNames.SpecName((int)tag), value);

    /// <summary>The attributes vCenter sends with Create (VSPHERE-MODEL: AES, 256 bits, Encrypt|Decrypt = 12).</summary>
    public static IReadOnlyList<KmipAttribute> Aes256EncryptDecrypt { get; } =
    [
        CryptographicAlgorithm(Kmip.CryptographicAlgorithm.AES),
        CryptographicLength(256),
        CryptographicUsageMask(Kmip.CryptographicUsageMask.Encrypt | Kmip.CryptographicUsageMask.Decrypt),
    ];

    // ---- naming -----------------------------------------------------------------------------------------------

    /// <summary>The tag of a standard attribute, or null for a custom/vendor one.</summary>
    public Tag? StandardTag => IsCustomName(Name) || !TagNames.TryParseSpecName(Name, out var tag) ? null : (Tag)tag;

    /// <summary>
    /// The 2.x Vendor Identification and Attribute Name of a custom attribute: "x-Vendor" becomes ("x", "Vendor"); the
    /// values "x" and "y" are reserved for 1.x custom attributes (KMIP 2.1 §4.60).
    /// </summary>
    public static (string Vendor, string Name) SplitVendorName(string fullName)
    {
        int dash = fullName.IndexOf('-');
        return dash > 0 ? (fullName[..dash], fullName[(dash + 1)..]) : ("", fullName);
    }

    /// <summary>1.x custom attribute names start with "x-" (client) or "y-" (server), KMIP 1.4 §3.39.</summary>
    public static bool IsCustomName(string name) => name.StartsWith("x-", StringComparison.Ordinal) || name.StartsWith("y-", StringComparison.Ordinal);

    // ---- wire forms -------------------------------------------------------------------------------------------

    public TtlvNode ToTtlv(ProtocolVersion version) => version.UsesAttributesStructure ? ToV2() : ToV1();

    /// <summary>KMIP 1.x: Attribute { Attribute Name, Attribute Index?, Attribute Value } (1.4 §2.1.1).</summary>
    public TtlvNode ToV1() => TtlvNode.Structure(Tag.Attribute,
        TtlvNode.Text(Tag.AttributeName, Name),
        Index is { } i ? TtlvNode.Integer(Tag.AttributeIndex, i) : null,
        Value.WithTag(Tag.AttributeValue));

    /// <summary>KMIP 2.x: the value under the attribute's own tag, or Attribute { Vendor Identification, Attribute Name,
    /// Attribute Value } for a custom attribute.</summary>
    public TtlvNode ToV2()
    {
        if (StandardTag is { } tag) return Value.WithTag(tag);
        var (vendor, name) = SplitVendorName(Name);
        return TtlvNode.Structure(Tag.Attribute,
            TtlvNode.Text(Tag.VendorIdentification, vendor),
            TtlvNode.Text(Tag.AttributeName, name),
            Value.WithTag(Tag.AttributeValue));
    }

    /// <summary>A reference to the attribute for Get Attributes / Delete Attribute: 1.x Attribute Name text, 2.x
    /// Attribute Reference (the tag as an enumeration, or a vendor structure), KMIP 2.1 §5.5.</summary>
    public static TtlvNode Reference(string name, ProtocolVersion version)
    {
        if (!version.UsesAttributesStructure) return TtlvNode.Text(Tag.AttributeName, name);
        if (!IsCustomName(name) && TagNames.TryParseSpecName(name, out var tag))
            return TtlvNode.Enumeration(Tag.AttributeReference, (uint)tag);
        var (vendor, attributeName) = SplitVendorName(name);
        return TtlvNode.Structure(Tag.AttributeReference,
            TtlvNode.Text(Tag.VendorIdentification, vendor),
            TtlvNode.Text(Tag.AttributeName, attributeName));
    }

    /// <summary>The 1.x name an Attribute Name (1.x) or Attribute Reference (2.x) stands for.</summary>
    public static string NameOfReference(TtlvNode reference) => reference.Type switch
    {
        ItemType.TextString => reference.AsText,
        ItemType.Enumeration => TagNames.SpecName((int)reference.AsEnum),
        ItemType.Structure => JoinVendorName(reference.Child(Tag.VendorIdentification)?.AsText, reference.Required(Tag.AttributeName).AsText),
        _ => throw new KmipException(ResultReason.InvalidField, $"{TagNames.Name(reference.RawTag)} ({reference.Type}) is not an attribute reference"),
    };

    /// <summary>Reads a 1.x Attribute structure, a 2.x vendor Attribute structure, or a 2.x attribute under its own tag.</summary>
    public static KmipAttribute Parse(TtlvNode node)
    {
        if (node.Tag != Tag.Attribute) return new KmipAttribute(TagNames.SpecName(node.RawTag), node);
        var name = node.Required(Tag.AttributeName).AsText;
        var vendor = node.Child(Tag.VendorIdentification)?.AsText;
        var value = node.Required(Tag.AttributeValue);
        return new KmipAttribute(JoinVendorName(vendor, name), value, node.Child(Tag.AttributeIndex)?.AsInt32);
    }

    /// <summary>Every attribute of a container: a 1.x payload or Template-Attribute (Attribute items), or a 2.x Attributes structure.</summary>
    public static IReadOnlyList<KmipAttribute> ParseAll(TtlvNode? container)
    {
        if (container is null) return [];
        var attributes = container.ChildrenOf(Tag.Attributes).FirstOrDefault();
        if (attributes is not null) return attributes.Items.Select(Parse).ToList();
        return container.ChildrenOf(Tag.Attribute).Select(Parse).ToList();
    }

    private static string JoinVendorName(string? vendor, string name) => string.IsNullOrEmpty(vendor) ? name : $"{vendor}-{name}";

    // ---- value accessors --------------------------------------------------------------------------------------
    public string AsText => Value.AsText;
    public int AsInt32 => Value.AsInt32;
    public TEnum AsEnum<TEnum>() where TEnum : struct, Enum => Value.AsEnumOf<TEnum>();

    public override string ToString()
    {
        var value = Value.Type switch
        {
            ItemType.TextString => Value.AsText,
            ItemType.Enumeration => EnumNames.Name((int)(StandardTag ?? Value.Tag), Value.AsEnum) ?? $"0x{Value.AsEnum:X8}",
            ItemType.Integer => Value.AsInt32.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => Value.ToString().Trim(),
        };
        return $"{Name}{(Index is { } i ? $"[{i}]" : "")} = {value}";
    }
}
