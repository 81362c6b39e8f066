namespace Harness.Kmip.Payloads;

/// <summary>RNG Retrieve request (KMIP 1.4 §4.35, 2.1 §6.1.49): how many random bytes.</summary>
public sealed record RngRetrieveRequest(int DataLength)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.RequestPayload, TtlvNode.Integer(Tag.DataLength, DataLength));

    public static RngRetrieveRequest From(TtlvNode payload) => new(payload.Required(Tag.DataLength).AsInt32);
}

/// <summary>RNG Retrieve response: the random bytes.</summary>
public sealed record RngRetrieveResponse(byte[] Data)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.ResponsePayload, TtlvNode.Bytes(Tag.Data, Data));

    public static RngRetrieveResponse From(TtlvNode payload) => new(payload.Required(Tag.Data).AsBytes);
}
