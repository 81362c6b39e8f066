namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Notify and Put (KMIP 1.4 §5.1–5.2, 2.1 §6.2.2–6.2.3) go from the server to a client: this server sends them over
/// the connections its clients turned with Set Endpoint Role (<see cref="Notifications"/>). A client that sends one
/// is told so: Permission Denied.
/// </summary>
public sealed class ServerToClientOperation(Operation operation) : KmipOperation
{
    public override Operation Operation => operation;
    public override bool MayRunAsynchronously => false;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload) => throw new KmipException(ResultReason.PermissionDenied,
        $"{operation} goes from the server to a client; to receive it, ask the server to take the client role on a connection (Set Endpoint Role, KMIP 2.0 and later)");
}
