namespace Harness.Kmip.Payloads;

/// <summary>
/// Sign request (KMIP 1.4 §4.31, 2.1 §6.1.50): the private key (or the ID Placeholder), the signature's parameters, and
/// the Data to sign (or a part of it) or its Digested Data (already hashed with the Hashing Algorithm), and the stream fields.
/// </summary>
public sealed record SignRequest(string? UniqueIdentifier, CryptographicParameters? CryptographicParameters, byte[]? Data,
    byte[]? DigestedData = null, StreamPart? Stream = null)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.RequestPayload,
        CryptographicRequest.Head(UniqueIdentifier, CryptographicParameters, Data)
            .Append(DigestedData is { } d ? TtlvNode.Bytes(Tag.DigestedData, d) : null)
            .Concat((Stream ?? StreamPart.Single).ToNodes()));

    public static SignRequest From(TtlvNode payload) => new(
        payload.Child(Tag.UniqueIdentifier)?.AsText, CryptographicParameters.From(payload.Child(Tag.CryptographicParameters)),
        payload.Child(Tag.Data)?.AsBytes, payload.Child(Tag.DigestedData)?.AsBytes, StreamPart.From(payload));
}

/// <summary>Sign response: the key used, the Signature Data (after the final part), or the stream's Correlation Value.</summary>
public sealed record SignResponse(string UniqueIdentifier, byte[]? SignatureData, byte[]? CorrelationValue = null)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.ResponsePayload,
        TtlvNode.Text(Tag.UniqueIdentifier, UniqueIdentifier),
        SignatureData is { } s ? TtlvNode.Bytes(Tag.SignatureData, s) : null,
        CorrelationValue is { } c ? TtlvNode.Bytes(Tag.CorrelationValue, c) : null);

    public static SignResponse From(TtlvNode payload) => new(
        payload.Required(Tag.UniqueIdentifier).AsText, payload.Child(Tag.SignatureData)?.AsBytes, payload.Child(Tag.CorrelationValue)?.AsBytes);
}
