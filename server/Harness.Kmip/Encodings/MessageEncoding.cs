using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;

namespace Harness.Kmip.Encodings;

/// <summary>How a KMIP message is written on the wire: binary TTLV (KMIP 1.4 §9.1), XML or JSON (KMIP Additional Message Encodings v1.0 §4, §6).</summary>
public enum MessageEncoding
{
    Ttlv,
    Xml,
    Json,
}

/// <summary>
/// Whole KMIP messages in each <see cref="MessageEncoding"/>, and the HTTP Content-Type that names each (KMIP Additional
/// Message Encodings v1.0 §2.4-2.5: "application/octet-stream" for TTLV, "text/xml" for XML, "application/json" for
/// JSON). A message that cannot be decoded is a <see cref="KmipException"/> with Result Reason Invalid Message, whatever
/// the encoding, so that a server answers it in the same way.
/// </summary>
public static class MessageEncodings
{
    public const string TtlvContentType = "application/octet-stream";
    public const string XmlContentType = "text/xml";
    public const string JsonContentType = "application/json";

    /// <summary>The Content-Type the HTTPS profile names for the encoding.</summary>
    public static string ContentType(MessageEncoding encoding) => encoding switch
    {
        MessageEncoding.Ttlv => TtlvContentType,
        MessageEncoding.Xml => XmlContentType,
        MessageEncoding.Json => JsonContentType,
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, null),
    };

    /// <summary>
    /// The encoding a Content-Type names: its media type, in any case, parameters (charset) aside. "application/xml" is
    /// taken for XML too (RFC 7303 makes it and text/xml the same). False for anything else, or none.
    /// </summary>
    public static bool TryFromContentType(string? contentType, out MessageEncoding encoding)
    {
        encoding = MessageEncoding.Ttlv;
        if (contentType is null) return false;
        var semicolon = contentType.IndexOf(';');
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        if (mediaType.Equals(TtlvContentType, StringComparison.OrdinalIgnoreCase)) encoding = MessageEncoding.Ttlv;
        else if (mediaType.Equals(XmlContentType, StringComparison.OrdinalIgnoreCase) ||
                 mediaType.Equals("application/xml", StringComparison.OrdinalIgnoreCase)) encoding = MessageEncoding.Xml;
        else if (mediaType.Equals(JsonContentType, StringComparison.OrdinalIgnoreCase)) encoding = MessageEncoding.Json;
        else return false;
        return true;
    }

    /// <summary>The message's bytes: TTLV, or XML / JSON text in UTF-8 (no byte order mark, no XML declaration).</summary>
    public static byte[] Encode(TtlvNode message, MessageEncoding encoding) => encoding switch
    {
        MessageEncoding.Ttlv => TtlvWriter.Encode(message),
        MessageEncoding.Xml => Encoding.UTF8.GetBytes(TtlvXml.ToXElement(message).ToString(SaveOptions.DisableFormatting)),
        MessageEncoding.Json => Encoding.UTF8.GetBytes(TtlvJson.Format(message)),
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, null),
    };

    /// <summary>
    /// Decodes a whole message. XML and JSON are held to the same nesting limit as TTLV (checked before the tree is
    /// walked), XML may not declare a DTD, and a test-vector placeholder ("$NOW") is not a value: each is an Invalid
    /// Message. The caller checks the length of <paramref name="bytes"/> against <see cref="TtlvLimits.MaxMessageLength"/>
    /// before reading them.
    /// </summary>
    /// <exception cref="KmipException">Result Reason Invalid Message: the bytes are not a message in this encoding.</exception>
    public static TtlvNode Decode(ReadOnlySpan<byte> bytes, MessageEncoding encoding, TtlvLimits limits)
    {
        try
        {
            return encoding switch
            {
                MessageEncoding.Ttlv => TtlvReader.Decode(bytes, limits),
                MessageEncoding.Xml => DecodeXml(bytes, limits),
                MessageEncoding.Json => DecodeJson(bytes, limits),
                _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, null),
            };
        }
        catch (FormatException ex) { throw new KmipException(ResultReason.InvalidMessage, $"not a KMIP message in the {encoding} encoding: {ex.Message}"); }
    }

    private static TtlvNode DecodeXml(ReadOnlySpan<byte> bytes, TtlvLimits limits)
    {
        XElement root;
        try
        {
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
            using var reader = XmlReader.Create(stream, new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true, IgnoreProcessingInstructions = true,
            });
            root = XElement.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException ex) { throw new FormatException($"not well-formed XML: {ex.Message}", ex); }
        // The parser walks elements recursively: the nesting is bounded first, without recursion.
        var pending = new Stack<(XElement Element, int Depth)>();
        pending.Push((root, 0));
        while (pending.Count > 0)
        {
            var (element, depth) = pending.Pop();
            if (depth > limits.MaxDepth) throw new FormatException($"structures nested deeper than {limits.MaxDepth} levels");
            foreach (var child in element.Elements()) pending.Push((child, depth + 1));
        }
        var message = TtlvXml.Parse(root, NoPlaceholders);
        CheckDepth(message, 0, limits.MaxDepth);
        return message;
    }

    private static TtlvNode DecodeJson(ReadOnlySpan<byte> bytes, TtlvLimits limits)
    {
        JsonDocument document;
        // An item is an object; a structure's items are in an array within it: two JSON levels per TTLV level.
        try { document = JsonDocument.Parse(bytes.ToArray(), new JsonDocumentOptions { MaxDepth = 2 * limits.MaxDepth + 2 }); }
        catch (JsonException ex) { throw new FormatException($"not well-formed JSON (or nested deeper than {limits.MaxDepth} levels): {ex.Message}", ex); }
        using (document)
        {
            var message = TtlvJson.Parse(document.RootElement, NoPlaceholders);
            CheckDepth(message, 0, limits.MaxDepth);
            return message;
        }
    }

    /// <summary>As <see cref="TtlvReader"/>: a structure at depth <paramref name="max"/> or deeper is refused.</summary>
    private static void CheckDepth(TtlvNode node, int depth, int max)
    {
        if (node.Type != ItemType.Structure) return;
        if (depth >= max) throw new FormatException($"structures nested deeper than {max} levels");
        foreach (var child in node.Items) CheckDepth(child, depth + 1, max);
    }

    /// <summary>A message on the wire holds values: "$NAME" in a Text String is that text; in any other type it is refused.</summary>
    private static TtlvNode? NoPlaceholders(TtlvPlaceholder placeholder) => placeholder.Type == ItemType.TextString
        ? TtlvNode.Create(placeholder.Tag, ItemType.TextString, 0, placeholder.Text)
        : throw new FormatException($"{placeholder.Text} is a test-vector placeholder, not a {placeholder.Type} value");
}
