using System.Text.Encodings.Web;
using System.Text.Json;

namespace Harness.Kmip.Encodings;

/// <summary>
/// The JSON encoding of TTLV (KMIP Additional Message Encodings v1.0 §4.1): every item is an object
/// <c>{"tag": ..., "type": ..., "value": ...}</c>.
/// <list type="bullet">
/// <item><c>tag</c> is the CamelCase tag name or "0x" and 6 hex digits (§4.1.6.1); an optional <c>name</c> is
/// ignored.</item>
/// <item><c>type</c> defaults to Structure (§4.1.4); a structure's value is an array of items, or null (§4.1.6.2).</item>
/// <item>Integer, Long Integer, Interval, Enumeration: a number or a 0x hex string; Enumerations also the CamelCase name,
/// masks also names and hex words joined by '|' (§4.1.6.3-§4.1.6.7, §4.1.6.12). Big Integer: a number or a 0x hex
/// string (§4.1.6.6). Boolean: true/false or hex (§4.1.6.8). Byte String: hex without 0x (§4.1.6.10). Date-Time:
/// ISO-8601 or hex (§4.1.6.11).</item>
/// </list>
/// The formatter writes numbers for Integer, Interval and Long Integer below 2^52 (larger ones as hex, §4.1.6.5), names
/// for Enumerations and masks, "0x..." for Big Integers and omits <c>type</c> for structures. Placeholder strings
/// (<c>"$NOW"</c>) are handled as in <see cref="TtlvXml"/> (see <see cref="TtlvPlaceholder"/>).
/// </summary>
public static class TtlvJson
{
    private static readonly JsonWriterOptions CompactOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonWriterOptions IndentedOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true };
    private const long MaxExactJsonNumber = 1L << 52;

    // ---- parsing -------------------------------------------------------------------------------------------------

    public static TtlvNode Parse(string json) => Parse(json, null);

    /// <summary>Parses JSON text; placeholders are offered to the resolver as in <see cref="TtlvXml.Parse(System.Xml.Linq.XElement, Func{TtlvPlaceholder, TtlvNode?}?)"/>.</summary>
    public static TtlvNode Parse(string json, Func<TtlvPlaceholder, TtlvNode?>? placeholderResolver)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException ex) { throw new FormatException($"not well-formed JSON: {ex.Message}", ex); }
        using (doc) return Parse(doc.RootElement, placeholderResolver);
    }

    public static TtlvNode Parse(JsonElement element, Func<TtlvPlaceholder, TtlvNode?>? placeholderResolver = null) =>
        ParseItem(element, null, "", placeholderResolver);

    private static TtlvNode ParseItem(JsonElement item, string? attributeName, string parentPath,
        Func<TtlvPlaceholder, TtlvNode?>? resolver)
    {
        if (item.ValueKind != JsonValueKind.Object)
            throw Error(parentPath.Length == 0 ? "$" : parentPath + "/?", $"expected an object with tag, type and value, found {item.ValueKind}");
        if (!item.TryGetProperty("tag", out var tagProperty) || tagProperty.ValueKind != JsonValueKind.String)
            throw Error(parentPath.Length == 0 ? "$" : parentPath + "/?", "an item needs a string \"tag\"");
        string tagText = tagProperty.GetString()!;
        string path = parentPath.Length == 0 ? tagText : parentPath + "/" + tagText;
        if (!TagNames.TryParse(tagText, out int tag))
            throw Error(path, $"unknown tag \"{tagText}\" (expected a KMIP tag name or 0x followed by 6 hex digits)");

        ItemType type;
        try
        {
            string? typeText = null;
            if (item.TryGetProperty("type", out var typeProperty))
                typeText = typeProperty.ValueKind == JsonValueKind.String ? typeProperty.GetString() : typeProperty.GetRawText();
            type = TtlvValueText.ParseType(typeText);
        }
        catch (FormatException ex) { throw Error(path, ex.Message); }

        bool hasValue = item.TryGetProperty("value", out var value);
        if (type == ItemType.Structure)
        {
            var children = new List<TtlvNode>();
            if (!hasValue || value.ValueKind == JsonValueKind.Null) return TtlvNode.Structure(tag, children);
            if (value.ValueKind != JsonValueKind.Array) throw Error(path, $"a Structure's value must be an array, found {value.ValueKind}");
            string? siblingAttributeName = null;
            foreach (var child in value.EnumerateArray())
            {
                var node = ParseItem(child, siblingAttributeName, path, resolver);
                if (node.RawTag == (int)Tag.AttributeName && node.Type == ItemType.TextString) siblingAttributeName = node.AsText;
                children.Add(node);
            }
            return TtlvNode.Structure(tag, children);
        }
        if (!hasValue) throw Error(path, $"the {type} has no value");
        try { return ParseScalar(tag, TtlvValueText.NameTag(tag, attributeName), type, value, path, resolver); }
        catch (FormatException ex) when (!ex.Message.StartsWith(path, StringComparison.Ordinal)) { throw Error(path, ex.Message); }
    }

    private static TtlvNode ParseScalar(int tag, int nameTag, ItemType type, JsonElement value, string path,
        Func<TtlvPlaceholder, TtlvNode?>? resolver)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                string text = value.GetString()!;
                if (TtlvPlaceholder.IsPlaceholderText(text))
                    return TtlvXml.ResolvePlaceholder(new TtlvPlaceholder(text, tag, type), resolver, m => Error(path, m));
                return TtlvValueText.Parse(tag, nameTag, type, text);
            case JsonValueKind.Number:
                return type switch
                {
                    ItemType.Integer when value.TryGetInt32(out var i) => TtlvNode.Create(tag, type, i, null),
                    ItemType.Integer when value.TryGetUInt32(out var u) => TtlvNode.Create(tag, type, (int)u, null),
                    ItemType.LongInteger or ItemType.DateTime or ItemType.DateTimeExtended when value.TryGetInt64(out var l) =>
                        TtlvNode.Create(tag, type, l, null),
                    ItemType.Enumeration or ItemType.Interval when value.TryGetUInt32(out var u) => TtlvNode.Create(tag, type, u, null),
                    ItemType.BigInteger when value.TryGetInt64(out var b) => TtlvNode.Create(tag, type, 0, TtlvValueText.BigIntegerBytes(b)),
                    _ => throw new FormatException($"the number {value.GetRawText()} is not a valid {type} value"),
                };
            case JsonValueKind.True or JsonValueKind.False when type == ItemType.Boolean:
                return TtlvNode.Create(tag, type, value.ValueKind == JsonValueKind.True ? 1 : 0, null);
            default:
                throw new FormatException($"a {value.ValueKind} is not a valid {type} value");
        }
    }

    private static FormatException Error(string path, string message) => new($"{path}: {message}");

    // ---- formatting ----------------------------------------------------------------------------------------------

    public static string Format(TtlvNode node) => Format(node, indented: false);

    public static string Format(TtlvNode node, bool indented)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, indented ? IndentedOptions : CompactOptions)) Write(writer, node);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void Write(Utf8JsonWriter writer, TtlvNode node) => WriteItem(writer, node, null);

    private static void WriteItem(Utf8JsonWriter w, TtlvNode node, string? attributeName)
    {
        w.WriteStartObject();
        w.WriteString("tag", TagNames.Name(node.RawTag));
        if (node.Type == ItemType.Structure)
        {
            string? siblingAttributeName = TtlvValueText.AttributeNameOf(node);
            w.WriteStartArray("value");
            foreach (var child in node.Items) WriteItem(w, child, siblingAttributeName);
            w.WriteEndArray();
            w.WriteEndObject();
            return;
        }
        w.WriteString("type", node.Type.ToString());
        int nameTag = TtlvValueText.NameTag(node.RawTag, attributeName);
        if (TtlvPlaceholder.TryGet(node, out var placeholder)) w.WriteString("value", placeholder);
        else switch (node.Type)
        {
            case ItemType.Integer when !EnumNames.IsMask(nameTag):
                w.WriteNumber("value", node.AsInt32);
                break;
            case ItemType.Interval:
                w.WriteNumber("value", node.AsInterval);
                break;
            case ItemType.LongInteger when node.AsInt64 is > -MaxExactJsonNumber and < MaxExactJsonNumber:
                w.WriteNumber("value", node.AsInt64);
                break;
            case ItemType.LongInteger:
                w.WriteString("value", $"0x{node.AsInt64:x16}");
                break;
            case ItemType.BigInteger:
                w.WriteString("value", "0x" + Convert.ToHexStringLower(node.AsBytes));
                break;
            case ItemType.Boolean:
                w.WriteBoolean("value", node.AsBoolean);
                break;
            default:
                w.WriteString("value", TtlvValueText.Format(node, nameTag, "|"));
                break;
        }
        w.WriteEndObject();
    }
}
