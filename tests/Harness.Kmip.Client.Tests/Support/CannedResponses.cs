namespace Harness.Kmip.Client.Tests.Support;

/// <summary>Response messages a fake peer sends back.</summary>
internal static class CannedResponses
{
    /// <summary>
    /// Discover Versions response, KMIP 1.4, Time Stamp 2023-11-14T22:13:20Z (0x6553F100), offering 1.4 and 1.1:
    /// 216 bytes in all.
    /// </summary>
    public static readonly byte[] DiscoverVersions = Hex.Parse("""
        42007B | 01 | 000000D0
          42007A | 01 | 00000048
            420069 | 01 | 00000020
              42006A | 02 | 00000004 | 00000001 00000000
              42006B | 02 | 00000004 | 00000004 00000000
            420092 | 09 | 00000008 | 000000006553F100
            42000D | 02 | 00000004 | 00000001 00000000
          42000F | 01 | 00000078
            42005C | 05 | 00000004 | 0000001E 00000000
            42007F | 05 | 00000004 | 00000000 00000000
            42007C | 01 | 00000050
              420069 | 01 | 00000020
                42006A | 02 | 00000004 | 00000001 00000000
                42006B | 02 | 00000004 | 00000004 00000000
              420069 | 01 | 00000020
                42006A | 02 | 00000004 | 00000001 00000000
                42006B | 02 | 00000004 | 00000001 00000000
        """);

    /// <summary>A Response Message with one batch item per entry, in KMIP 1.4.</summary>
    public static TtlvNode Message(params TtlvNode[] batchItems) => TtlvNode.Structure(Tag.ResponseMessage,
        new[]
        {
            TtlvNode.Structure(Tag.ResponseHeader,
                TtlvNode.Structure(Tag.ProtocolVersion, TtlvNode.Integer(Tag.ProtocolVersionMajor, 1), TtlvNode.Integer(Tag.ProtocolVersionMinor, 4)),
                TtlvNode.DateTime(Tag.TimeStamp, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)),
                TtlvNode.Integer(Tag.BatchCount, batchItems.Length)),
        }.Concat(batchItems));

    public static TtlvNode Success(Operation operation, TtlvNode? payload, byte[]? batchItemId = null) => TtlvNode.Structure(Tag.BatchItem,
        TtlvNode.Enumeration(Tag.Operation, operation),
        batchItemId is null ? null : TtlvNode.Bytes(Tag.UniqueBatchItemID, batchItemId),
        TtlvNode.Enumeration(Tag.ResultStatus, ResultStatus.Success),
        payload?.WithTag(Tag.ResponsePayload));

    public static TtlvNode Failure(Operation operation, ResultReason reason, string message) => TtlvNode.Structure(Tag.BatchItem,
        TtlvNode.Enumeration(Tag.Operation, operation),
        TtlvNode.Enumeration(Tag.ResultStatus, ResultStatus.OperationFailed),
        TtlvNode.Enumeration(Tag.ResultReason, reason),
        TtlvNode.Text(Tag.ResultMessage, message));
}
