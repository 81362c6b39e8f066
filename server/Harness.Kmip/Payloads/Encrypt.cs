namespace Harness.Kmip.Payloads;

/// <summary>
/// Encrypt request (KMIP 1.4 §4.29, 2.1 §6.1.21): the key (or the ID Placeholder), the cipher's parameters, the data (or
/// a part), the IV/Counter/Nonce (the server makes one when the mode needs it and none is given), the stream fields and
/// the additional data of an authenticated mode.
/// </summary>
public sealed record EncryptRequest(string? UniqueIdentifier, CryptographicParameters? CryptographicParameters, byte[]? Data,
    byte[]? IvCounterNonce = null, StreamPart? Stream = null, byte[]? AuthenticatedEncryptionAdditionalData = null)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.RequestPayload,
        CryptographicRequest.Head(UniqueIdentifier, CryptographicParameters, Data)
            .Append(IvCounterNonce is { } iv ? TtlvNode.Bytes(Tag.IVCounterNonce, iv) : null)
            .Concat((Stream ?? StreamPart.Single).ToNodes())
            .Append(AuthenticatedEncryptionAdditionalData is { } aad ? TtlvNode.Bytes(Tag.AuthenticatedEncryptionAdditionalData, aad) : null));

    public static EncryptRequest From(TtlvNode payload) => new(
        payload.Child(Tag.UniqueIdentifier)?.AsText, CryptographicParameters.From(payload.Child(Tag.CryptographicParameters)),
        payload.Child(Tag.Data)?.AsBytes, payload.Child(Tag.IVCounterNonce)?.AsBytes, StreamPart.From(payload),
        payload.Child(Tag.AuthenticatedEncryptionAdditionalData)?.AsBytes);
}

/// <summary>Encrypt response: the key used, the ciphertext (of this part), the IV the server made, the stream's Correlation Value, the tag of an authenticated mode.</summary>
public sealed record EncryptResponse(string UniqueIdentifier, byte[]? Data, byte[]? IvCounterNonce = null, byte[]? CorrelationValue = null,
    byte[]? AuthenticatedEncryptionTag = null)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.ResponsePayload,
        TtlvNode.Text(Tag.UniqueIdentifier, UniqueIdentifier),
        Data is { } d ? TtlvNode.Bytes(Tag.Data, d) : null,
        IvCounterNonce is { } iv ? TtlvNode.Bytes(Tag.IVCounterNonce, iv) : null,
        CorrelationValue is { } c ? TtlvNode.Bytes(Tag.CorrelationValue, c) : null,
        AuthenticatedEncryptionTag is { } t ? TtlvNode.Bytes(Tag.AuthenticatedEncryptionTag, t) : null);

    public static EncryptResponse From(TtlvNode payload) => new(
        payload.Required(Tag.UniqueIdentifier).AsText, payload.Child(Tag.Data)?.AsBytes, payload.Child(Tag.IVCounterNonce)?.AsBytes,
        payload.Child(Tag.CorrelationValue)?.AsBytes, payload.Child(Tag.AuthenticatedEncryptionTag)?.AsBytes);
}
