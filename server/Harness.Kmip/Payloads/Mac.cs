namespace Harness.Kmip.Payloads;

/// <summary>MAC request (KMIP 1.4 §4.33, 2.1 §6.1.32): the key (or the ID Placeholder), the MAC algorithm, the data, the stream fields.</summary>
public sealed record MacRequest(string? UniqueIdentifier, CryptographicParameters? CryptographicParameters, byte[]? Data, StreamPart? Stream = null)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.RequestPayload,
        CryptographicRequest.Head(UniqueIdentifier, CryptographicParameters, Data)
            .Concat((Stream ?? StreamPart.Single).ToNodes()));

    public static MacRequest From(TtlvNode payload) => new(
        payload.Child(Tag.UniqueIdentifier)?.AsText, CryptographicParameters.From(payload.Child(Tag.CryptographicParameters)),
        payload.Child(Tag.Data)?.AsBytes, StreamPart.From(payload));
}

/// <summary>MAC response: the key used, the MAC (after the final part), or the Correlation Value of the stream.</summary>
public sealed record MacResponse(string UniqueIdentifier, byte[]? MacData, byte[]? CorrelationValue = null)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.ResponsePayload,
        TtlvNode.Text(Tag.UniqueIdentifier, UniqueIdentifier),
        MacData is { } m ? TtlvNode.Bytes(Tag.MACData, m) : null,
        CorrelationValue is { } c ? TtlvNode.Bytes(Tag.CorrelationValue, c) : null);

    public static MacResponse From(TtlvNode payload) => new(
        payload.Required(Tag.UniqueIdentifier).AsText, payload.Child(Tag.MACData)?.AsBytes, payload.Child(Tag.CorrelationValue)?.AsBytes);
}
