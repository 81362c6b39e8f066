using System.Collections.Frozen;

namespace Harness.Kmip;

/// <summary>Tag names: the normalised CamelCase name (XML/JSON encodings) and the spec name (KMIP 1.x attribute names).</summary>
public static class TagNames
{
    private static readonly FrozenDictionary<int, string> ByValue;
    private static readonly FrozenDictionary<string, int> ByName;
    private static readonly FrozenDictionary<int, string> SpecByValue;
    private static readonly FrozenDictionary<string, int> BySpecName;

    static TagNames()
    {
        var byValue = new Dictionary<int, string>();
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Tag t in Enum.GetValues<Tag>())
        {
            if (t == Tag.Unknown) continue;
            var name = t.ToString();
            byValue.TryAdd((int)t, name);
            byName.TryAdd(name, (int)t);
        }
        foreach (var name in Enum.GetNames<Tag>()) byName.TryAdd(name, (int)Enum.Parse<Tag>(name));
        var spec = new Dictionary<int, string>();
        var bySpec = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (tag, specName) in KmipTables.TagSpecNames)
        {
            spec.TryAdd((int)tag, specName);
            bySpec.TryAdd(specName, (int)tag);
        }
        ByValue = byValue.ToFrozenDictionary();
        ByName = byName.ToFrozenDictionary();
        SpecByValue = spec.ToFrozenDictionary();
        BySpecName = bySpec.ToFrozenDictionary();
    }

    /// <summary>True when the tag is defined by KMIP 1.0–2.1 (extension tags 0x54xxxx are not).</summary>
    public static bool IsKnown(int tag) => ByValue.ContainsKey(tag);

    /// <summary>The CamelCase name, or the hex form (0x54FFFF) for an unknown tag.</summary>
    public static string Name(int tag) => ByValue.TryGetValue(tag, out var n) ? n : $"0x{tag:X6}";

    /// <summary>The spec name ("Cryptographic Algorithm").</summary>
    public static string SpecName(int tag) => SpecByValue.TryGetValue(tag, out var n) ? n : Name(tag);

    /// <summary>Parses a CamelCase name or a 0xHHHHHH hex tag.</summary>
    public static bool TryParse(string text, out int tag)
    {
        if (ByName.TryGetValue(text, out tag)) return true;
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && text.Length == 8 &&
            int.TryParse(text.AsSpan(2), System.Globalization.NumberStyles.HexNumber, null, out tag)) return true;
        tag = 0;
        return false;
    }

    /// <summary>The tag whose spec name is the given KMIP 1.x attribute name ("Cryptographic Length").</summary>
    public static bool TryParseSpecName(string specName, out int tag) => BySpecName.TryGetValue(specName, out tag);
}
