using Harness.Testing;

namespace Harness.Cli.Tests;

public sealed class TtlvCommandTests
{
    // Request Message { Request Header { Protocol Version { 1, 4 } } } as the spec lays it out: tag, type, length, value.
    private const string RequestWithSpaces =
        "42007801 00000030 42007701 00000028 42006901 00000020 42006A02 00000004 00000001 00000000 42006B02 00000004 00000004 00000000";

    // Batch Item { Operation Create, Unique Identifier "key-1", Key Material 01020304, Cryptographic Usage Mask 12 }.
    private const string BatchItemWithBars =
        "42000F|01|00000040|42005C|05|00000004|00000001|00000000|420094|07|00000005|6B65792D31000000|" +
        "420043|08|00000004|01020304|00000000|42002C|02|00000004|0000000C|00000000";

    [Fact]
    public async Task TtlvDump_HexWithSpaces_PrintsTheTree()
    {
        using var run = await Cli.RunAsync("ttlv", "dump", RequestWithSpaces);

        run.ExitCode.Should().Be(0, run.Describe());
        run.StdoutLines.Should().Equal(
            "RequestMessage (Structure)",
            "  RequestHeader (Structure)",
            "    ProtocolVersion (Structure)",
            "      ProtocolVersionMajor (Integer): 1",
            "      ProtocolVersionMinor (Integer): 4");
    }

    [Fact]
    public async Task TtlvDump_HexWithBarSeparators_PrintsNamesTypesAndValues()
    {
        using var run = await Cli.RunAsync("ttlv", "dump", BatchItemWithBars);

        run.ExitCode.Should().Be(0, run.Describe());
        run.StdoutLines.Should().Equal(
            "BatchItem (Structure)",
            "  Operation (Enumeration): Create",
            "  UniqueIdentifier (TextString): \"key-1\"",
            "  KeyMaterial (ByteString): 01020304",
            "  CryptographicUsageMask (Integer): Decrypt | Encrypt (0x0000000C)");
    }

    [Fact]
    public async Task TtlvDump_HexSplitOverSeveralArguments_IsJoined()
    {
        using var run = await Cli.RunAsync(["ttlv", "dump", .. RequestWithSpaces.Split(' ')]);

        run.ExitCode.Should().Be(0, run.Describe());
        run.StdoutLines.Should().HaveCount(5);
    }

    [Fact]
    public async Task TtlvDump_BinaryFileAndHexTextFile_BothPrint()
    {
        using var dir = new TempDir();
        var binary = dir.Sub("message.bin");
        var text = dir.Sub("message.hex");
        File.WriteAllBytes(binary, Convert.FromHexString(RequestWithSpaces.Replace(" ", "")));
        File.WriteAllText(text, RequestWithSpaces.Replace(' ', '\n') + "\n");

        using var fromBinary = await Cli.RunAsync("ttlv", "dump", binary);
        using var fromText = await Cli.RunAsync("ttlv", "dump", text);

        fromBinary.ExitCode.Should().Be(0, fromBinary.Describe());
        fromText.ExitCode.Should().Be(0, fromText.Describe());
        fromBinary.StdoutLines.Should().HaveCount(5).And.Equal(fromText.StdoutLines);
    }

    [Theory]
    [InlineData("42zz0078", "not a hex digit")]
    [InlineData("4200780", "odd number of hex digits")]
    [InlineData("420078010000", "not a valid TTLV message")]                             // truncated header
    [InlineData("42007801000000204200770100000018", "not a valid TTLV message")]         // length says more than there is
    public async Task TtlvDump_BadInput_ExitsWith2AndOneLineReason(string input, string expected)
    {
        using var run = await Cli.RunAsync("ttlv", "dump", input);

        Cli.ReasonOf(run).Should().StartWith("harness ttlv: ").And.Contain(expected);
        run.Stdout.Should().BeEmpty();
    }

    [Fact]
    public async Task Ttlv_WithoutDump_ExitsWith2()
    {
        using var run = await Cli.RunAsync("ttlv", "show", "42");

        Cli.ReasonOf(run).Should().Contain("usage: harness ttlv dump");
    }
}
