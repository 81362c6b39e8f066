namespace Harness.Kmip.Payloads;

/// <summary>MAC Verify request (KMIP 1.4 §4.34, 2.1 §6.1.33): the key, the MAC algorithm, the data and the MAC to check.</summary>
public sealed record MacVerifyRequest(string? UniqueIdentifier, CryptographicParameters? CryptographicParameters, byte[]? Data, byte[]? MacData,
    StreamPart? Stream = null)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.RequestPayload,
        CryptographicRequest.Head(UniqueIdentifier, CryptographicParameters, Data)
            .Append(MacData is { } m ? TtlvNode.Bytes(Tag.MACData, m) : null)
            .Concat((Stream ?? StreamPart.Single).ToNodes()));

    public static MacVerifyRequest From(TtlvNode payload) => new(
        payload.Child(Tag.UniqueIdentifier)?.AsText, CryptographicParameters.From(payload.Child(Tag.CryptographicParameters)),
        payload.Child(Tag.Data)?.AsBytes, payload.Child(Tag.MACData)?.AsBytes, StreamPart.From(payload));
}

/// <summary>MAC Verify response: the key used and whether the MAC is valid (after the final part), or the stream's Correlation Value.</summary>
public sealed record MacVerifyResponse(string UniqueIdentifier, ValidityIndicator? ValidityIndicator, byte[]? CorrelationValue = null)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.ResponsePayload,
        TtlvNode.Text(Tag.UniqueIdentifier, UniqueIdentifier),
        ValidityIndicator is { } v ? TtlvNode.Enumeration(Tag.ValidityIndicator, (uint)v) : null,
        CorrelationValue is { } c ? TtlvNode.Bytes(Tag.CorrelationValue, c) : null);

    public static MacVerifyResponse From(TtlvNode payload) => new(
        payload.Required(Tag.UniqueIdentifier).AsText, payload.Child(Tag.ValidityIndicator)?.AsEnumOf<ValidityIndicator>(),
        payload.Child(Tag.CorrelationValue)?.AsBytes);
}
