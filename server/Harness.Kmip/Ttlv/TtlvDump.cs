using System.Text;

namespace Harness.Kmip;

/// <summary>Human-readable rendering of TTLV: one item per line, indented, with tag name, type and value.</summary>
public static class TtlvDump
{
    public static string Format(TtlvNode node)
    {
        var sb = new StringBuilder();
        Append(sb, node, 0);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, TtlvNode node, int depth)
    {
        sb.Append(' ', depth * 2).Append(TagNames.Name(node.RawTag)).Append(" (").Append(node.Type).Append(')');
        if (node.Type == ItemType.Structure)
        {
            sb.Append('\n');
            foreach (var c in node.Items) Append(sb, c, depth + 1);
            return;
        }
        sb.Append(": ");
        if (node.Type == ItemType.Integer && EnumNames.IsMask(node.RawTag))
            sb.Append(EnumNames.MaskText(node.RawTag, node.Number, " | ")).Append($" (0x{node.Number:X8})");
        else if (node.Type == ItemType.TextString)
            sb.Append('"').Append(node.AsText).Append('"');
        else
            sb.Append(node.ValueText());
        sb.Append('\n');
    }
}

/// <summary>Hex text to bytes, tolerant of spaces, newlines, '|' separators and a 0x prefix (spec-style layouts).</summary>
public static class HexText
{
    public static byte[] Parse(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '0' && i + 1 < text.Length && (text[i + 1] == 'x' || text[i + 1] == 'X') &&
                (i == 0 || char.IsWhiteSpace(text[i - 1]) || text[i - 1] == '|')) { i++; continue; }
            if (char.IsWhiteSpace(c) || c == '|' || c == ':' || c == '-') continue;
            if (!Uri.IsHexDigit(c)) throw new FormatException($"'{c}' at position {i} is not a hex digit");
            sb.Append(c);
        }
        if (sb.Length % 2 != 0) throw new FormatException($"odd number of hex digits ({sb.Length})");
        return Convert.FromHexString(sb.ToString());
    }
}
