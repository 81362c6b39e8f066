using System.Buffers.Binary;
using System.Globalization;

namespace Harness.Kmip.Encodings;

/// <summary>
/// Text forms of TTLV values shared by the XML and JSON encodings (KMIP Additional Message Encodings v1.0 §4.1.5-§4.1.6,
/// §6.1.5-§6.1.6). Parse errors are <see cref="FormatException"/>s without location; the encoders add the element path.
/// </summary>
internal static class TtlvValueText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// Tags that may carry a Unique Identifier enumeration (ID Placeholder, Create, ...) instead of text in KMIP 2.x
    /// (KMIP 2.1 §2.1 Unique Identifier, Linked Object Identifier in §4.23 Link, §11 Unique Identifier Enumeration).
    /// </summary>
    private static readonly HashSet<int> UniqueIdentifierTags =
    [
        (int)Tag.UniqueIdentifier, (int)Tag.LinkedObjectIdentifier,
        (int)Tag.PrivateKeyUniqueIdentifier, (int)Tag.PublicKeyUniqueIdentifier,
    ];

    /// <summary>
    /// The tag whose enumeration / mask names apply to an item. A KMIP 1.x Attribute Value takes the names of the
    /// attribute its sibling Attribute Name designates (KMIP 1.4 §2.1.1); identifiers take the Unique Identifier
    /// enumeration; anything else its own tag.
    /// </summary>
    public static int NameTag(int tag, string? attributeName)
    {
        if (tag == (int)Tag.AttributeValue && attributeName is not null && TagNames.TryParseSpecName(attributeName, out var named))
            return named;
        if (UniqueIdentifierTags.Contains(tag)) return (int)Tag.UniqueIdentifier;
        return tag;
    }

    /// <summary>The text of the Attribute Name child of a structure (a KMIP 1.x Attribute), if any.</summary>
    public static string? AttributeNameOf(TtlvNode structure)
    {
        foreach (var c in structure.Items)
            if (c.RawTag == (int)Tag.AttributeName && c.Type == ItemType.TextString) return c.AsText;
        return null;
    }

    /// <summary>
    /// Names for enumerations the KMIP tables define only by reference, so the generated tables are empty.
    /// PKCS#11 Function (KMIP 2.1 §11.38): the 1-based position of the function in CK_FUNCTION_LIST_3_0, which starts
    /// with the PKCS#11 v2.40 list given here. PKCS#11 Return Code (KMIP 2.1 §11.39): CK_RV values, named without
    /// "CKR_"; only common codes are listed. Other values are written in hex.
    /// </summary>
    private static readonly Dictionary<int, (Dictionary<string, uint> ByName, Dictionary<uint, string> ByValue)> Supplements =
        new()
        {
            [(int)Tag.PKCS_11Function] = Table(
                "C_Initialize C_Finalize C_GetInfo C_GetFunctionList C_GetSlotList C_GetSlotInfo C_GetTokenInfo " +
                "C_GetMechanismList C_GetMechanismInfo C_InitToken C_InitPIN C_SetPIN C_OpenSession C_CloseSession " +
                "C_CloseAllSessions C_GetSessionInfo C_GetOperationState C_SetOperationState C_Login C_Logout " +
                "C_CreateObject C_CopyObject C_DestroyObject C_GetObjectSize C_GetAttributeValue C_SetAttributeValue " +
                "C_FindObjectsInit C_FindObjects C_FindObjectsFinal C_EncryptInit C_Encrypt C_EncryptUpdate C_EncryptFinal " +
                "C_DecryptInit C_Decrypt C_DecryptUpdate C_DecryptFinal C_DigestInit C_Digest C_DigestUpdate C_DigestKey " +
                "C_DigestFinal C_SignInit C_Sign C_SignUpdate C_SignFinal C_SignRecoverInit C_SignRecover C_VerifyInit " +
                "C_Verify C_VerifyUpdate C_VerifyFinal C_VerifyRecoverInit C_VerifyRecover C_DigestEncryptUpdate " +
                "C_DecryptDigestUpdate C_SignEncryptUpdate C_DecryptVerifyUpdate C_GenerateKey C_GenerateKeyPair " +
                "C_WrapKey C_UnwrapKey C_DeriveKey C_SeedRandom C_GenerateRandom C_GetFunctionStatus C_CancelFunction " +
                "C_WaitForSlotEvent"),
            [(int)Tag.PKCS_11ReturnCode] = Table(new Dictionary<string, uint>
            {
                ["OK"] = 0x00, ["CANCEL"] = 0x01, ["HOST_MEMORY"] = 0x02, ["SLOT_ID_INVALID"] = 0x03,
                ["GENERAL_ERROR"] = 0x05, ["FUNCTION_FAILED"] = 0x06, ["ARGUMENTS_BAD"] = 0x07,
                ["FUNCTION_NOT_SUPPORTED"] = 0x54, ["BUFFER_TOO_SMALL"] = 0x150,
                ["CRYPTOKI_NOT_INITIALIZED"] = 0x190, ["CRYPTOKI_ALREADY_INITIALIZED"] = 0x191,
            }),
        };

    private static (Dictionary<string, uint>, Dictionary<uint, string>) Table(string namesInOrder)
    {
        var byName = new Dictionary<string, uint>(StringComparer.Ordinal);
        uint position = 1;
        foreach (var name in namesInOrder.Split(' ', StringSplitOptions.RemoveEmptyEntries)) byName[name] = position++;
        return Table(byName);
    }

    private static (Dictionary<string, uint>, Dictionary<uint, string>) Table(Dictionary<string, uint> byName) =>
        (byName, byName.ToDictionary(kv => kv.Value, kv => kv.Key));

    /// <summary>True for tags whose Enumeration values are tags: Attribute Reference (KMIP 2.1 §5.5, §11.56 Tag Enumeration).</summary>
    private static bool IsTagEnumeration(int nameTag) => nameTag == (int)Tag.AttributeReference;

    // ---- parsing -------------------------------------------------------------------------------------------------

    public static TtlvNode Parse(int tag, int nameTag, ItemType type, string text) => type switch
    {
        ItemType.Integer => TtlvNode.Create(tag, type, ParseInteger(nameTag, text), null),
        ItemType.LongInteger => TtlvNode.Create(tag, type, ParseLong(text), null),
        ItemType.BigInteger => TtlvNode.Create(tag, type, 0, ParseBigInteger(text)),
        ItemType.Enumeration => TtlvNode.Create(tag, type, ParseEnumeration(nameTag, text), null),
        ItemType.Boolean => TtlvNode.Create(tag, type, ParseBoolean(text) ? 1 : 0, null),
        ItemType.TextString => TtlvNode.Create(tag, type, 0, text),
        ItemType.ByteString => TtlvNode.Create(tag, type, 0, ParseBytes(text)),
        ItemType.DateTime => TtlvNode.Create(tag, type, ParseDateTime(text), null),
        ItemType.Interval => TtlvNode.Create(tag, type, ParseInterval(text), null),
        ItemType.DateTimeExtended => TtlvNode.Create(tag, type, ParseDateTimeExtended(text), null),
        _ => throw new FormatException($"a {type} has no value"),
    };

    /// <summary>Parses an item type name ("TextString"); Structure when absent (§4.1.4, §6.1.4).</summary>
    public static ItemType ParseType(string? text)
    {
        if (text is null) return ItemType.Structure;
        if (text.Length > 0 && char.IsLetter(text[0]) && Enum.TryParse<ItemType>(text, ignoreCase: false, out var t) && Enum.IsDefined(t))
            return t;
        throw new FormatException($"unknown item type \"{text}\" (expected one of {string.Join(", ", Enum.GetNames<ItemType>())})");
    }

    /// <summary>Integer: decimal (xsd:int) or a hex word; masks also as names and hex words (§6.1.6.3-§6.1.6.4).</summary>
    public static int ParseInteger(int nameTag, string text)
    {
        if (TryParseHex(text, 4, out var hex)) return (int)(uint)hex;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, Inv, out var dec)) return dec;
        if (EnumNames.IsMask(nameTag))
        {
            if (EnumNames.TryParseMask(nameTag, text, out var mask)) return (int)mask;
            throw new FormatException($"\"{text}\" is not a {EnumNames.TableFor(nameTag)!.Name} value (names or hex words separated by spaces or '|')");
        }
        throw new FormatException($"\"{text}\" is not an Integer (decimal or 0x-prefixed hex)");
    }

    public static long ParseLong(string text)
    {
        if (TryParseHex(text, 8, out var hex)) return (long)hex;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, Inv, out var dec)) return dec;
        throw new FormatException($"\"{text}\" is not a Long Integer (decimal or 0x-prefixed hex)");
    }

    public static long ParseInterval(string text)
    {
        if (TryParseHex(text, 4, out var hex)) return (long)hex;
        if (uint.TryParse(text, NumberStyles.None, Inv, out var dec)) return dec;
        throw new FormatException($"\"{text}\" is not an Interval (unsigned decimal or 0x-prefixed hex)");
    }

    public static bool ParseBoolean(string text)
    {
        switch (text)
        {
            case "true" or "1": return true;
            case "false" or "0": return false;
        }
        if (TryParseHex(text, 8, out var hex) && hex <= 1) return hex == 1;
        throw new FormatException($"\"{text}\" is not a Boolean (true or false)");
    }

    public static byte[] ParseBytes(string text)
    {
        try { return Convert.FromHexString(text.AsSpan().Trim()); }
        catch (FormatException) { throw new FormatException($"\"{Shorten(text)}\" is not a hex Byte String"); }
    }

    /// <summary>Big Integer: hex (xsd:hexBinary, JSON with 0x) sign-extended to a multiple of 8 bytes (KMIP 1.4 §9.1.1.4).</summary>
    public static byte[] ParseBigInteger(string text)
    {
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        byte[] raw;
        try { raw = Convert.FromHexString(digits); }
        catch (FormatException) { throw new FormatException($"\"{Shorten(text)}\" is not a hex Big Integer (an even number of hex digits)"); }
        return SignExtend(raw);
    }

    public static byte[] SignExtend(byte[] raw)
    {
        int padded = (raw.Length + 7) & ~7;
        if (padded == raw.Length) return raw;
        var result = new byte[padded];
        byte fill = raw.Length > 0 && (raw[0] & 0x80) != 0 ? (byte)0xFF : (byte)0x00;
        result.AsSpan(0, padded - raw.Length).Fill(fill);
        raw.CopyTo(result, padded - raw.Length);
        return result;
    }

    /// <summary>Two's-complement big-endian bytes of a (JSON) number, sign-extended to 8 bytes.</summary>
    public static byte[] BigIntegerBytes(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>Enumeration: hex word, decimal, or the CamelCase name of the value (§6.1.6.7).</summary>
    public static uint ParseEnumeration(int nameTag, string text)
    {
        if (TryParseHex(text, 4, out var hex)) return (uint)hex;
        if (uint.TryParse(text, NumberStyles.None, Inv, out var dec)) return dec;
        if (IsTagEnumeration(nameTag))
        {
            if (TagNames.TryParse(text, out var tag)) return (uint)tag;
            throw new FormatException($"\"{text}\" is not a tag name (Attribute Reference takes a Tag enumeration)");
        }
        if (EnumNames.TryParse(nameTag, text, out var value)) return value;
        if (Supplements.TryGetValue(nameTag, out var supplement) && supplement.ByName.TryGetValue(text, out value)) return value;
        var table = EnumNames.TableFor(nameTag);
        throw new FormatException(table is null || table.Values.Length == 0
            ? $"\"{text}\" cannot be resolved: {TagNames.Name(nameTag)} has no enumeration names; use a hex value (0x0000000A)"
            : $"\"{text}\" is not a value of enumeration {table.Name}");
    }

    /// <summary>Date-Time: ISO-8601 (xsd:dateTime; fractional seconds truncated, §4.1.6.11) or a 64-bit hex value.</summary>
    public static long ParseDateTime(string text)
    {
        if (TryParseHex(text, 8, out var hex)) return (long)hex;
        return ParseIso(text, "Date-Time").ToUnixTimeSeconds();
    }

    /// <summary>Date-Time Extended (KMIP 2.0 §9.1.1.4): microseconds; ISO-8601 with up to 6 fractional digits, or hex.</summary>
    public static long ParseDateTimeExtended(string text)
    {
        if (TryParseHex(text, 8, out var hex)) return (long)hex;
        var t = ParseIso(text, "Date-Time Extended");
        return (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
    }

    private static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
    ];

    private static DateTimeOffset ParseIso(string text, string what) =>
        DateTimeOffset.TryParseExact(text, IsoFormats, Inv, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw new FormatException($"\"{text}\" is not a {what} (ISO-8601 such as 2001-01-01T10:00:00+10:00, or 0x-prefixed hex)");

    /// <summary>"0x" followed by 1..2*<paramref name="maxBytes"/> hex digits.</summary>
    private static bool TryParseHex(string text, int maxBytes, out ulong value)
    {
        value = 0;
        if (text.Length < 3 || text.Length > 2 + 2 * maxBytes || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) return false;
        return ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, Inv, out value);
    }

    // ---- formatting ----------------------------------------------------------------------------------------------

    /// <summary>The canonical text of a non-structure value; <paramref name="maskSeparator"/> is " " in XML, "|" in JSON.</summary>
    public static string Format(TtlvNode node, int nameTag, string maskSeparator) => node.Type switch
    {
        ItemType.Integer when EnumNames.IsMask(nameTag) => EnumNames.MaskText(nameTag, (uint)node.AsInt32, maskSeparator),
        ItemType.Integer => node.AsInt32.ToString(Inv),
        ItemType.LongInteger => node.AsInt64.ToString(Inv),
        ItemType.BigInteger => Convert.ToHexStringLower(node.AsBytes),
        ItemType.Enumeration => EnumText(nameTag, node.AsEnum),
        ItemType.Boolean => node.AsBoolean ? "true" : "false",
        ItemType.TextString => node.AsText,
        ItemType.ByteString => Convert.ToHexStringLower(node.AsBytes),
        ItemType.DateTime => FormatDateTime(node.Number),
        ItemType.Interval => node.AsInterval.ToString(Inv),
        ItemType.DateTimeExtended => FormatDateTimeExtended(node.Number),
        _ => throw new ArgumentException($"a {node.Type} has no scalar value"),
    };

    public static string EnumText(int nameTag, uint value)
    {
        if (IsTagEnumeration(nameTag))
            return TagNames.IsKnown((int)value) ? TagNames.Name((int)value) : $"0x{value:X8}";
        return EnumNames.Name(nameTag, value)
               ?? (Supplements.TryGetValue(nameTag, out var supplement) ? supplement.ByValue.GetValueOrDefault(value) : null)
               ?? $"0x{value:X8}";
    }

    /// <summary>xsd:dateTime in UTC ("2001-01-01T00:00:00+00:00"); values outside years 1-9999 as hex.</summary>
    public static string FormatDateTime(long seconds) =>
        seconds is >= TtlvNode.MinUnixSeconds and <= TtlvNode.MaxUnixSeconds
            ? DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:sszzz", Inv)
            : $"0x{seconds:X16}";

    public static string FormatDateTimeExtended(long microseconds) =>
        microseconds is >= TtlvNode.MinUnixSeconds * 1_000_000 and <= TtlvNode.MaxUnixSeconds * 1_000_000 + 999_999
            ? DateTimeOffset.UnixEpoch.AddTicks(microseconds * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", Inv)
            : $"0x{microseconds:X16}";

    public static string Shorten(string text) => text.Length <= 48 ? text : text[..45] + "...";
}
