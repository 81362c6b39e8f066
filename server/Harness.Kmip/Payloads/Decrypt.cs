namespace Harness.Kmip.Payloads;

/// <summary>Decrypt request (KMIP 1.4 §4.30, 2.1 §6.1.17): as Encrypt's, with the tag of an authenticated mode to check.</summary>
public sealed record DecryptRequest(string? UniqueIdentifier, CryptographicParameters? CryptographicParameters, byte[]? Data,
    byte[]? IvCounterNonce = null, StreamPart? Stream = null, byte[]? AuthenticatedEncryptionAdditionalData = null, byte[]? AuthenticatedEncryptionTag = null)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.RequestPayload,
        CryptographicRequest.Head(UniqueIdentifier, CryptographicParameters, Data)
            .Append(IvCounterNonce is { } iv ? TtlvNode.Bytes(Tag.IVCounterNonce, iv) : null)
            .Concat((Stream ?? StreamPart.Single).ToNodes())
            .Append(AuthenticatedEncryptionAdditionalData is { } aad ? TtlvNode.Bytes(Tag.AuthenticatedEncryptionAdditionalData, aad) : null)
            .Append(AuthenticatedEncryptionTag is { } t ? TtlvNode.Bytes(Tag.AuthenticatedEncryptionTag, t) : null));

    public static DecryptRequest From(TtlvNode payload) => new(
        payload.Child(Tag.UniqueIdentifier)?.AsText, CryptographicParameters.From(payload.Child(Tag.CryptographicParameters)),
        payload.Child(Tag.Data)?.AsBytes, payload.Child(Tag.IVCounterNonce)?.AsBytes, StreamPart.From(payload),
        payload.Child(Tag.AuthenticatedEncryptionAdditionalData)?.AsBytes, payload.Child(Tag.AuthenticatedEncryptionTag)?.AsBytes);
}

/// <summary>Decrypt response: the key used, the plaintext (of this part), the stream's Correlation Value.</summary>
public sealed record DecryptResponse(string UniqueIdentifier, byte[]? Data, byte[]? CorrelationValue = null)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.ResponsePayload,
        TtlvNode.Text(Tag.UniqueIdentifier, UniqueIdentifier),
        Data is { } d ? TtlvNode.Bytes(Tag.Data, d) : null,
        CorrelationValue is { } c ? TtlvNode.Bytes(Tag.CorrelationValue, c) : null);

    public static DecryptResponse From(TtlvNode payload) => new(
        payload.Required(Tag.UniqueIdentifier).AsText, payload.Child(Tag.Data)?.AsBytes, payload.Child(Tag.CorrelationValue)?.AsBytes);
}
