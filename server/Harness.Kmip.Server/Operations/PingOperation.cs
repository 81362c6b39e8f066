namespace Harness.Kmip.Server.Operations;

/// <summary>Ping (KMIP 2.1 §6.1.36): the server is alive and answering; an empty payload both ways. No Result Reasons of its own.</summary>
public sealed class PingOperation : KmipOperation
{
    public override Operation Operation => Operation.Ping;
    public override ProtocolVersion Since => ProtocolVersion.V2_1;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload) => Payload();
}
