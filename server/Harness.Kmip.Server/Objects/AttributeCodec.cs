namespace Harness.Kmip.Server.Objects;

/// <summary>
/// Converts attributes between the wire and <see cref="StoredAttribute"/>: KMIP 1.x carries each attribute as an
/// Attribute structure (Attribute Name, Attribute Index, Attribute Value, 1.4 §2.1.1); KMIP 2.x carries standard
/// attributes under their own tag inside an Attributes structure and custom ones as Attribute structures with a
/// Vendor Identification (2.1 §2.1.1, §4.60).
/// </summary>
public static class AttributeCodec
{
    /// <summary>A reference to an attribute: its full 1.x name.</summary>
    public readonly record struct AttributeRef(string FullName);

    // ---- parsing ----------------------------------------------------------------------------------------------

    /// <summary>Parses a 1.x Attribute structure (or a 2.x vendor Attribute structure).</summary>
    public static StoredAttribute FromAttributeStructure(TtlvNode attribute)
    {
        if (attribute.Type != ItemType.Structure)
            throw new KmipException(ResultReason.InvalidField, "Attribute must be a structure");
        var vendor = attribute.Child(Tag.VendorIdentification)?.AsText;
        var name = attribute.Required(Tag.AttributeName).AsText;
        int index = attribute.Child(Tag.AttributeIndex)?.AsInt32 ?? 0;
        var value = attribute.Child(Tag.AttributeValue)
                    ?? throw new KmipException(ResultReason.InvalidField, $"attribute '{name}' has no Attribute Value");
        if (vendor is not null) return StoredAttribute.Of(vendor, name, index, value);
        var (v, n) = AttributeNames.Split(name);
        if (v is null && !TagNames.TryParseSpecName(name, out _))
            throw new KmipException(ResultReason.InvalidField, $"'{name}' is neither a KMIP attribute nor a custom attribute (x-…)");
        return StoredAttribute.Of(v, n, index, value);
    }

    /// <summary>Parses one child of a 2.x Attributes structure (or of New/Current Attribute).</summary>
    public static StoredAttribute FromV2(TtlvNode node)
    {
        if (node.Tag == Tag.Attribute) return FromAttributeStructure(node);
        if (!TagNames.IsKnown(node.RawTag))
            throw new KmipException(ResultReason.InvalidField, $"{TagNames.Name(node.RawTag)} is not a KMIP attribute");
        var name = TagNames.SpecName(node.RawTag);
        return StoredAttribute.Of(null, name, 0, node.WithTag(Tag.AttributeValue));
    }

    /// <summary>
    /// The attributes of a request payload in either model: 1.x Template-Attribute / Attribute items, 2.x Attributes.
    /// A 1.x Template-Attribute may name Templates (KMIP 1.4 §2.1.8): <paramref name="template"/> gives each one's
    /// attributes, which come first; an attribute given explicitly replaces a single-valued one a template gave.
    /// </summary>
    public static List<StoredAttribute> FromRequest(TtlvNode? container, ProtocolVersion version, Func<string, IReadOnlyList<StoredAttribute>>? template = null)
    {
        var list = new List<StoredAttribute>();
        if (container is null) return list;
        var fromTemplates = new List<StoredAttribute>();
        foreach (var child in container.Children)
        {
            if (child.Tag == Tag.Attribute) list.Add(FromAttributeStructure(child));
            else if (child.Tag == Tag.Name && !version.IsV2 && container.Tag is Tag.TemplateAttribute or Tag.CommonTemplateAttribute
                         or Tag.PrivateKeyTemplateAttribute or Tag.PublicKeyTemplateAttribute)
            {
                var name = child.Required(Tag.NameValue).AsText;
                fromTemplates.AddRange(template?.Invoke(name)
                    ?? throw new KmipException(ResultReason.ItemNotFound, $"no Template named '{name}'"));
            }
            else if (version.IsV2) list.Add(FromV2(child));
            else throw new KmipException(ResultReason.InvalidField, $"unexpected {TagNames.Name(child.RawTag)} in {TagNames.Name(container.RawTag)}");
        }
        if (fromTemplates.Count == 0) return list;
        var explicitNames = list.Select(a => a.FullName).ToHashSet();
        return [.. fromTemplates.Where(a => AttributeNames.IsMultiInstance(a.FullName) || !explicitNames.Contains(a.FullName)), .. list];
    }

    /// <summary>An attribute reference: 1.x Attribute Name text, 2.x Attribute Reference (a tag enumeration or a vendor structure).</summary>
    public static AttributeRef ParseReference(TtlvNode node)
    {
        switch (node.Type)
        {
            case ItemType.TextString:
                return new AttributeRef(node.AsText);
            case ItemType.Enumeration:
                return new AttributeRef(TagNames.SpecName((int)node.AsEnum));
            case ItemType.Structure:
                var vendor = node.Required(Tag.VendorIdentification).AsText;
                var name = node.Required(Tag.AttributeName).AsText;
                // No vendor: a standard attribute named in text (PyKMIP 0.10 sends Vendor Identification "" so).
                return new AttributeRef(vendor.Length == 0 ? name : $"{vendor}-{name}");
            default:
                throw new KmipException(ResultReason.InvalidField, $"{TagNames.Name(node.RawTag)} of type {node.Type} is not an attribute reference");
        }
    }

    // ---- writing ----------------------------------------------------------------------------------------------

    /// <summary>A 1.x Attribute structure.</summary>
    public static TtlvNode ToAttributeStructure(StoredAttribute a, bool withIndex = false) => TtlvNode.Structure(Tag.Attribute,
        TtlvNode.Text(Tag.AttributeName, a.FullName),
        withIndex && a.Index > 0 ? TtlvNode.Integer(Tag.AttributeIndex, a.Index) : null,
        a.Value);

    /// <summary>
    /// Attributes as the store keeps them: a Template-Attribute structure of 1.x Attribute structures with their indexes,
    /// written directly: the same bytes as encoding that structure, without building it for every change.
    /// </summary>
    public static byte[] EncodeForStore(IReadOnlyList<StoredAttribute> attributes)
    {
        // Each attribute's name and value lengths are measured once, then written.
        var names = new int[attributes.Count];
        var values = new int[attributes.Count];
        int body = 0;
        for (int i = 0; i < attributes.Count; i++)
        {
            names[i] = System.Text.Encoding.UTF8.GetByteCount(attributes[i].FullName);
            values[i] = TtlvWriter.EncodedLength(attributes[i].Value);
            body += 8 + StoredLength(attributes[i], names[i], values[i]);
        }
        var bytes = new byte[8 + body];
        var span = bytes.AsSpan();
        TtlvWriter.WriteHeader(span, (int)Tag.TemplateAttribute, ItemType.Structure, body);
        int at = 8;
        for (int i = 0; i < attributes.Count; i++)
        {
            var a = attributes[i];
            TtlvWriter.WriteHeader(span[at..], (int)Tag.Attribute, ItemType.Structure, StoredLength(a, names[i], values[i]));
            at += 8;
            TtlvWriter.WriteHeader(span[at..], (int)Tag.AttributeName, ItemType.TextString, names[i]);
            System.Text.Encoding.UTF8.GetBytes(a.FullName, span[(at + 8)..]);
            at += 8 + TtlvWriter.Padded(names[i]); // the padding is the new array's zeros
            if (a.Index > 0)
            {
                TtlvWriter.WriteHeader(span[at..], (int)Tag.AttributeIndex, ItemType.Integer, 4);
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(span[(at + 8)..], a.Index);
                at += 16;
            }
            at += TtlvWriter.Encode(a.Value, span[at..]);
        }
        System.Diagnostics.Debug.Assert(at == bytes.Length);
        return bytes;
    }

    /// <summary>The value length of the Attribute structure <see cref="EncodeForStore"/> writes for <paramref name="a"/>.</summary>
    private static int StoredLength(StoredAttribute a, int nameLength, int valueLength) =>
        8 + TtlvWriter.Padded(nameLength) + (a.Index > 0 ? 16 : 0) + valueLength;

    /// <summary>A 2.x attribute: the value under the attribute's own tag, or a vendor Attribute structure.</summary>
    public static TtlvNode ToV2(StoredAttribute a)
    {
        if (a.IsCustom || !TagNames.TryParseSpecName(a.Name, out var tag))
            return TtlvNode.Structure(Tag.Attribute,
                TtlvNode.Text(Tag.VendorIdentification, a.Vendor ?? ""),
                TtlvNode.Text(Tag.AttributeName, a.Name),
                a.Value);
        return a.Value.WithTag(tag);
    }

    public static TtlvNode ToWire(StoredAttribute a, ProtocolVersion version) => version.IsV2 ? ToV2(a) : ToAttributeStructure(a, withIndex: true);

    /// <summary>A reference for Get Attribute List: 1.x Attribute Name, 2.x Attribute Reference.</summary>
    public static TtlvNode ReferenceToWire(string fullName, ProtocolVersion version)
    {
        if (!version.IsV2) return TtlvNode.Text(Tag.AttributeName, fullName);
        var (vendor, name) = AttributeNames.Split(fullName);
        if (vendor is null && TagNames.TryParseSpecName(fullName, out var tag))
            return TtlvNode.Enumeration(Tag.AttributeReference, (uint)tag);
        return TtlvNode.Structure(Tag.AttributeReference,
            TtlvNode.Text(Tag.VendorIdentification, vendor ?? ""), TtlvNode.Text(Tag.AttributeName, name));
    }
}
