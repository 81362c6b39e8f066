namespace Harness.Kmip.Payloads;

/// <summary>
/// Signature Verify request (KMIP 1.4 §4.32, 2.1 §6.1.51): the public key (or the ID Placeholder), the signature's
/// parameters, the Data (or a part) or its Digested Data, the Signature Data to check, and the stream fields.
/// </summary>
public sealed record SignatureVerifyRequest(string? UniqueIdentifier, CryptographicParameters? CryptographicParameters, byte[]? Data,
    byte[]? SignatureData, byte[]? DigestedData = null, StreamPart? Stream = null)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.RequestPayload,
        CryptographicRequest.Head(UniqueIdentifier, CryptographicParameters, Data)
            .Append(DigestedData is { } d ? TtlvNode.Bytes(Tag.DigestedData, d) : null)
            .Append(SignatureData is { } s ? TtlvNode.Bytes(Tag.SignatureData, s) : null)
            .Concat((Stream ?? StreamPart.Single).ToNodes()));

    public static SignatureVerifyRequest From(TtlvNode payload) => new(
        payload.Child(Tag.UniqueIdentifier)?.AsText, CryptographicParameters.From(payload.Child(Tag.CryptographicParameters)),
        payload.Child(Tag.Data)?.AsBytes, payload.Child(Tag.SignatureData)?.AsBytes, payload.Child(Tag.DigestedData)?.AsBytes, StreamPart.From(payload));
}

/// <summary>Signature Verify response: the key used and whether the signature is valid (after the final part), or the stream's Correlation Value.</summary>
public sealed record SignatureVerifyResponse(string UniqueIdentifier, ValidityIndicator? ValidityIndicator, byte[]? CorrelationValue = null)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.ResponsePayload,
        TtlvNode.Text(Tag.UniqueIdentifier, UniqueIdentifier),
        ValidityIndicator is { } v ? TtlvNode.Enumeration(Tag.ValidityIndicator, v) : null,
        CorrelationValue is { } c ? TtlvNode.Bytes(Tag.CorrelationValue, c) : null);

    public static SignatureVerifyResponse From(TtlvNode payload) => new(
        payload.Required(Tag.UniqueIdentifier).AsText, payload.Child(Tag.ValidityIndicator)?.AsEnumOf<ValidityIndicator>(),
        payload.Child(Tag.CorrelationValue)?.AsBytes);
}
