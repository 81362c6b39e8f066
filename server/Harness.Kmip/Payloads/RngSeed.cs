namespace Harness.Kmip.Payloads;

/// <summary>RNG Seed request (KMIP 1.4 §4.36, 2.1 §6.1.50): seeding material for the server's random number generator.</summary>
public sealed record RngSeedRequest(byte[] Data)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.RequestPayload, TtlvNode.Bytes(Tag.Data, Data));

    public static RngSeedRequest From(TtlvNode payload) => new(payload.Required(Tag.Data).AsBytes);
}

/// <summary>RNG Seed response: how many of the bytes the server used (0: it ignored them, which is no error).</summary>
public sealed record RngSeedResponse(int DataLength)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.ResponsePayload, TtlvNode.Integer(Tag.DataLength, DataLength));

    public static RngSeedResponse From(TtlvNode payload) => new(payload.Required(Tag.DataLength).AsInt32);
}
