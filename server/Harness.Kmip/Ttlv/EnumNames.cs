using System.Collections.Frozen;

namespace Harness.Kmip;

/// <summary>One enumeration or mask of the spec tables (generated into <see cref="KmipTables.EnumTables"/>).</summary>
public sealed record EnumTable(string Name, bool IsMask, Tag[] Tags, (string Name, string SpecName, uint Value)[] Values);

/// <summary>Names of enumeration values and mask bits, looked up by the tag that carries them.</summary>
public static class EnumNames
{
    private static readonly FrozenDictionary<int, EnumTable> ByTag;
    private static readonly FrozenDictionary<int, FrozenDictionary<uint, string>> NameByValue;
    private static readonly FrozenDictionary<int, FrozenDictionary<string, uint>> ValueByName;

    static EnumNames()
    {
        var byTag = new Dictionary<int, EnumTable>();
        foreach (var table in KmipTables.EnumTables)
            foreach (var tag in table.Tags) byTag.TryAdd((int)tag, table);
        ByTag = byTag.ToFrozenDictionary();
        NameByValue = byTag.ToFrozenDictionary(kv => kv.Key, kv =>
        {
            var d = new Dictionary<uint, string>();
            foreach (var v in kv.Value.Values) d.TryAdd(v.Value, v.Name);
            return d.ToFrozenDictionary();
        });
        ValueByName = byTag.ToFrozenDictionary(kv => kv.Key, kv =>
        {
            var d = new Dictionary<string, uint>(StringComparer.Ordinal);
            foreach (var v in kv.Value.Values) { d.TryAdd(v.Name, v.Value); d.TryAdd(v.SpecName, v.Value); }
            return d.ToFrozenDictionary();
        });
    }

    public static EnumTable? TableFor(int tag) => ByTag.GetValueOrDefault(tag);

    public static bool IsMask(int tag) => ByTag.TryGetValue(tag, out var t) && t.IsMask;

    /// <summary>The CamelCase name of an enumeration value, or null if the tag has no table or the value is not in it.</summary>
    public static string? Name(int tag, uint value)
    {
        // KMIP 2.x Attribute Reference is an enumeration of tags (2.1 §7.6): its values are named by the tag names.
        if (tag == (int)Tag.AttributeReference) return TagNames.IsKnown((int)value) ? TagNames.Name((int)value) : null;
        return NameByValue.TryGetValue(tag, out var d) && d.TryGetValue(value, out var n) ? n : null;
    }

    /// <summary>
    /// True when the value is defined for the tag's enumeration, or is an extension value (0x8xxxxxxx), or the
    /// enumeration takes its values from another standard (PKCS#11 Function and Return Code: KMIP 2.1 §11.38–11.39).
    /// </summary>
    public static bool IsDefined(int tag, uint value) =>
        tag == (int)Tag.AttributeReference ? TagNames.IsKnown((int)value)
        : tag is (int)Tag.PKCS_11Function or (int)Tag.PKCS_11ReturnCode || !NameByValue.TryGetValue(tag, out var d) || d.ContainsKey(value) || (value & 0x80000000) != 0;

    public static bool TryParse(int tag, string name, out uint value)
    {
        value = 0;
        if (tag == (int)Tag.AttributeReference)
        {
            bool ok = TagNames.TryParse(name, out int t);
            value = (uint)t;
            return ok;
        }
        return ValueByName.TryGetValue(tag, out var d) && d.TryGetValue(name, out value);
    }

    /// <summary>Mask bits as names separated by <paramref name="separator"/> ("Decrypt Encrypt" in XML, "|" in JSON).</summary>
    public static string MaskText(int tag, long value, string separator)
    {
        if (!ByTag.TryGetValue(tag, out var table) || !table.IsMask) return value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var parts = new List<string>();
        uint rest = (uint)value;
        foreach (var v in table.Values.OrderBy(v => v.Name, StringComparer.Ordinal))
            if (v.Value != 0 && (rest & v.Value) == v.Value) { parts.Add(v.Name); rest &= ~v.Value; }
        if (rest != 0) parts.Add($"0x{rest:X8}");
        return parts.Count == 0 ? "0" : string.Join(separator, parts);
    }

    /// <summary>Parses mask text: names and hex words separated by spaces or '|'.</summary>
    public static bool TryParseMask(int tag, string text, out uint value)
    {
        value = 0;
        foreach (var part in text.Split([' ', '|'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("0x", StringComparison.OrdinalIgnoreCase) &&
                uint.TryParse(part.AsSpan(2), System.Globalization.NumberStyles.HexNumber, null, out var hex)) value |= hex;
            else if (TryParse(tag, part, out var bit)) value |= bit;
            else if (uint.TryParse(part, out var dec)) value |= dec;
            else return false;
        }
        return true;
    }
}
