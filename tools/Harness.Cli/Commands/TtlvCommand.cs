using System.CommandLine;
using Harness.Kmip;

namespace Harness.Cli.Commands;

/// <summary>`harness ttlv dump HEX|FILE`: pretty-prints a TTLV message (hex text with spaces and '|' allowed, or a binary or hex file).</summary>
public static class TtlvCommand
{
    public static Command Definition() => new("ttlv", "TTLV messages")
    {
        Define.Command("dump", "pretty-prints a TTLV message", RunAsync,
            Define.Words("HEX|FILE", "the message as hex (spaces and '|' allowed) or a file holding it (binary or hex)")),
    };

    public static Task<int> RunAsync(Args args)
    {
        var input = string.Join(' ', args.Positional);
        byte[] bytes;
        if (File.Exists(input))
        {
            var raw = File.ReadAllBytes(input);
            bytes = LooksLikeHexText(raw) ? Parse(System.Text.Encoding.ASCII.GetString(raw)) : raw;
        }
        else bytes = Parse(input);
        try
        {
            Console.Write(TtlvDump.Format(TtlvReader.Decode(bytes, new TtlvLimits(int.MaxValue, 256))));
            return Task.FromResult(0);
        }
        catch (KmipException ex)
        {
            throw new UsageException($"not a valid TTLV message: {ex.Message}");
        }
    }

    private static byte[] Parse(string hex)
    {
        try { return HexText.Parse(hex); }
        catch (FormatException ex) { throw new UsageException($"'{Shorten(hex)}' is neither a file nor hex: {ex.Message}"); }
    }

    private static string Shorten(string s) => s.Length > 40 ? s[..40] + "…" : s;

    private static bool LooksLikeHexText(byte[] raw) =>
        raw.Length > 0 && raw.All(b => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)'|' or (byte)':' or (byte)'x' or (byte)'X'
            || b is >= (byte)'0' and <= (byte)'9' || b is >= (byte)'a' and <= (byte)'f' || b is >= (byte)'A' and <= (byte)'F');
}
