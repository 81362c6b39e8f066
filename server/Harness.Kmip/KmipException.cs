namespace Harness.Kmip;

/// <summary>
/// A KMIP operation failure carrying the Result Reason the spec prescribes. The protocol layer turns it into a failed
/// batch item in one place (Result Status Operation Failed, the reason, and the message).
/// </summary>
public class KmipException(ResultReason reason, string message) : Exception(message)
{
    public ResultReason Reason { get; } = reason;
}

/// <summary>Malformed TTLV bytes: framing or encoding is broken at <see cref="Offset"/>.</summary>
public sealed class TtlvFormatException(string message, int offset)
    : KmipException(ResultReason.InvalidMessage, $"{message} (at byte {offset})")
{
    public int Offset { get; } = offset;
}
