namespace Harness.Kmip.Payloads;

/// <summary>Hash request (KMIP 1.4 §4.37, 2.1 §6.1.24): the hashing algorithm, the data (or a part of it), the stream fields.</summary>
public sealed record HashRequest(CryptographicParameters CryptographicParameters, byte[]? Data, StreamPart? Stream = null)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.RequestPayload,
        new[] { CryptographicParameters.ToNode(), Data is { } d ? TtlvNode.Bytes(Tag.Data, d) : null }.Concat((Stream ?? StreamPart.Single).ToNodes()));

    public static HashRequest From(TtlvNode payload) => new(
        CryptographicParameters.From(payload.Required(Tag.CryptographicParameters))!,
        payload.Child(Tag.Data)?.AsBytes, StreamPart.From(payload));
}

/// <summary>Hash response: the digest (after the final part), or the Correlation Value of the stream it continues.</summary>
public sealed record HashResponse(byte[]? Data, byte[]? CorrelationValue = null)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.ResponsePayload,
        Data is { } d ? TtlvNode.Bytes(Tag.Data, d) : null,
        CorrelationValue is { } c ? TtlvNode.Bytes(Tag.CorrelationValue, c) : null);

    public static HashResponse From(TtlvNode payload) => new(payload.Child(Tag.Data)?.AsBytes, payload.Child(Tag.CorrelationValue)?.AsBytes);
}
