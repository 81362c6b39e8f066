using System.Xml;
using System.Xml.Linq;

namespace Harness.Kmip.Encodings;

/// <summary>
/// The XML encoding of TTLV (KMIP Additional Message Encodings v1.0 §6.1), as used by the OASIS KMIP profile test
/// vectors.
/// <list type="bullet">
/// <item>An item is an element named after the CamelCase tag name (§6.1.6.1), or the general form
/// <c>&lt;TTLV tag="0x540001" name="..." type="..." value="..."/&gt;</c> (§6.1.6), which the formatter uses for tags
/// it does not know. Elements may be in the namespace <see cref="Namespace"/> or in none.</item>
/// <item><c>type</c> is the CamelCase item type and defaults to Structure (§6.1.4); structures nest their items as
/// child elements (§6.1.6.2), every other type carries <c>value</c> (§6.1.6.3-§6.1.6.12).</item>
/// <item>Enumerations are CamelCase names or hex words; Integer masks (Cryptographic Usage Mask, Storage Status Mask,
/// Protection Storage Mask) names and/or hex words separated by spaces; Byte Strings and Big Integers hex; Date-Times
/// xsd:dateTime; Booleans true/false. A KMIP 1.x Attribute Value takes the names of the attribute named by its sibling
/// Attribute Name ("Cryptographic Algorithm" → AES).</item>
/// <item>Values such as <c>$UNIQUE_IDENTIFIER_0</c> or <c>$NOW-3600</c> are test-vector placeholders; see
/// <see cref="TtlvPlaceholder"/>.</item>
/// </list>
/// Errors are <see cref="FormatException"/>s naming the element path, its line (when known) and the offending value.
/// </summary>
public static class TtlvXml
{
    /// <summary>The namespace XML elements use "if namespaces are required" (§6.1.6).</summary>
    public const string Namespace = "urn:oasis:tc:kmip:xmlns";

    private const string GenericElement = "TTLV";

    // ---- parsing -------------------------------------------------------------------------------------------------

    public static TtlvNode Parse(string xml) => Parse(xml, null);

    public static TtlvNode Parse(string xml, Func<TtlvPlaceholder, TtlvNode?>? placeholderResolver)
    {
        XElement element;
        try { element = XElement.Parse(xml, LoadOptions.SetLineInfo); }
        catch (XmlException ex) { throw new FormatException($"not well-formed XML: {ex.Message}", ex); }
        return Parse(element, placeholderResolver);
    }

    public static TtlvNode Parse(XElement element) => Parse(element, null);

    /// <summary>
    /// Parses an element. Each placeholder value is offered to <paramref name="placeholderResolver"/>; a node it returns
    /// is used (re-tagged if needed; its type must match the declared type), null leaves an unresolved placeholder
    /// node (<see cref="TtlvPlaceholder.TryGet"/>). Without a resolver every placeholder stays unresolved.
    /// </summary>
    public static TtlvNode Parse(XElement element, Func<TtlvPlaceholder, TtlvNode?>? placeholderResolver) =>
        ParseElement(element, null, "", placeholderResolver);

    private static TtlvNode ParseElement(XElement e, string? attributeName, string parentPath,
        Func<TtlvPlaceholder, TtlvNode?>? resolver)
    {
        string path = parentPath.Length == 0 ? e.Name.LocalName : parentPath + "/" + e.Name.LocalName;
        int tag = ParseTag(e, path);
        ItemType type;
        try { type = TtlvValueText.ParseType(e.Attribute("type")?.Value); }
        catch (FormatException ex) { throw Error(e, path, ex.Message); }
        string? value = e.Attribute("value")?.Value;

        if (type == ItemType.Structure)
        {
            if (value is not null) throw Error(e, path, $"a Structure has no value (found value=\"{TtlvValueText.Shorten(value)}\")");
            var children = new List<TtlvNode>();
            string? siblingAttributeName = null;
            foreach (var child in e.Elements())
            {
                var node = ParseElement(child, siblingAttributeName, path, resolver);
                if (node.RawTag == (int)Tag.AttributeName && node.Type == ItemType.TextString) siblingAttributeName = node.AsText;
                children.Add(node);
            }
            return TtlvNode.Structure(tag, children);
        }

        if (e.HasElements) throw Error(e, path, $"a {type} cannot contain elements");
        if (value is null)
        {
            if (type is not (ItemType.TextString or ItemType.ByteString)) throw Error(e, path, $"the {type} has no value attribute");
            value = "";
        }
        if (TtlvPlaceholder.IsPlaceholderText(value))
            return ResolvePlaceholder(new TtlvPlaceholder(value, tag, type), resolver, m => Error(e, path, m));
        try { return TtlvValueText.Parse(tag, TtlvValueText.NameTag(tag, attributeName), type, value); }
        catch (FormatException ex) { throw Error(e, path, ex.Message); }
    }

    internal static TtlvNode ResolvePlaceholder(TtlvPlaceholder placeholder, Func<TtlvPlaceholder, TtlvNode?>? resolver,
        Func<string, Exception> error)
    {
        var resolved = resolver?.Invoke(placeholder);
        if (resolved is null) return placeholder.CreateUnresolved();
        if (resolved.Type != placeholder.Type)
            throw error($"placeholder {placeholder.Text} resolved to a {resolved.Type}, expected a {placeholder.Type}");
        return resolved.RawTag == placeholder.Tag ? resolved : resolved.WithTag(placeholder.Tag);
    }

    private static int ParseTag(XElement e, string path)
    {
        string name = e.Name.LocalName;
        if (name == GenericElement)
        {
            string? tagText = e.Attribute("tag")?.Value;
            if (tagText is null) throw Error(e, path, "a <TTLV> element needs a tag attribute (0x420001 or a tag name)");
            if (TagNames.TryParse(tagText, out var generic)) return generic;
            throw Error(e, path, $"unknown tag \"{tagText}\" (expected a KMIP tag name or 0x followed by 6 hex digits)");
        }
        if (TagNames.TryParse(name, out var tag)) return tag;
        // §6.1.6.5 shows extension tags written as x540001.
        if (name.Length == 7 && name[0] == 'x' && TagNames.TryParse("0" + name, out tag)) return tag;
        throw Error(e, path, $"unknown tag name <{name}> (use <TTLV tag=\"0x54xxxx\" .../> for extension tags)");
    }

    private static FormatException Error(XElement e, string path, string message)
    {
        string line = e is IXmlLineInfo info && info.HasLineInfo() ? $" (line {info.LineNumber})" : "";
        return new FormatException($"{path}{line}: {message}");
    }

    // ---- formatting ----------------------------------------------------------------------------------------------

    /// <summary>Indented XML text of the item (no XML declaration).</summary>
    public static string Format(TtlvNode node) => ToXElement(node).ToString();

    public static XElement ToXElement(TtlvNode node) => ToElement(node, null);

    private static XElement ToElement(TtlvNode node, string? attributeName)
    {
        var e = TagNames.IsKnown(node.RawTag)
            ? new XElement(TagNames.Name(node.RawTag))
            : new XElement(GenericElement, new XAttribute("tag", $"0x{node.RawTag:X6}"));
        if (node.Type == ItemType.Structure)
        {
            string? siblingAttributeName = TtlvValueText.AttributeNameOf(node);
            foreach (var child in node.Items) e.Add(ToElement(child, siblingAttributeName));
            return e;
        }
        e.Add(new XAttribute("type", node.Type.ToString()));
        string value = TtlvPlaceholder.TryGet(node, out var placeholder)
            ? placeholder
            : TtlvValueText.Format(node, TtlvValueText.NameTag(node.RawTag, attributeName), " ");
        e.Add(new XAttribute("value", value));
        return e;
    }
}
