using System.Text;

namespace Harness.Kmip.Server;

/// <summary>
/// Client-supplied text made safe for a log line: control characters (ESC, NUL, CR, LF, …) escaped as \uXXXX (\n, \r, \t
/// as such), and anything longer than <see cref="MaxLength"/> characters cut, saying how long it was. A 1 MB Unique
/// Identifier gives a line of a few hundred characters, and no client can move the cursor or forge a line.
/// </summary>
public static class LogText
{
    public const int MaxLength = 200;

    public static string Of(string? text, int maxLength = MaxLength)
    {
        if (text is null) return "";
        bool needsWork = text.Length > maxLength;
        if (!needsWork)
            foreach (var c in text)
                if (char.IsControl(c) || c is '\u2028' or '\u2029') { needsWork = true; break; }
        if (!needsWork) return text;
        var sb = new StringBuilder(Math.Min(text.Length, maxLength) + 32);
        int shown = 0;
        foreach (var c in text)
        {
            if (shown >= maxLength) break;
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c) || c is '\u2028' or '\u2029') sb.Append("\\u").Append(((int)c).ToString("X4"));
                    else sb.Append(c);
                    break;
            }
            shown++;
        }
        if (text.Length > maxLength) sb.Append($"… ({text.Length:N0} characters)");
        return sb.ToString();
    }
}
