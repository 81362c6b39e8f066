namespace Harness.Kmip.Client.Tests.Support;

internal static class Hex
{
    /// <summary>Bytes from hex laid out like the spec ("420078 | 01 | 00000060"): spaces, '|' and newlines are ignored.</summary>
    public static byte[] Parse(string laidOut) =>
        Convert.FromHexString(new string(laidOut.Where(Uri.IsHexDigit).ToArray()));
}
