namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Set Endpoint Role (KMIP 2.1 §6.1.54): with Endpoint Role Client, once it has answered, the server takes the client
/// role on this connection and the client the server role: the server then sends Put and Notify for the client's
/// objects over it (<see cref="Notifications"/>), and the client answers each. With Endpoint Role Server nothing
/// changes. The answer is the role the server applies; the roles turn once the whole message is answered.
/// Result Reasons: Invalid Field (no Endpoint Role, or not a known role), Feature Not Supported (Client over the HTTPS
/// binding, whose requests are separate exchanges).
/// </summary>
public sealed class SetEndpointRoleOperation : KmipOperation
{
    public override Operation Operation => Operation.SetEndpointRole;
    public override ProtocolVersion Since => ProtocolVersion.V2_0;
    public override bool MayRunAsynchronously => false;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var role = payload.Required(Tag.EndpointRole).AsEnumOf<EndpointRole>();
        if (role == EndpointRole.Client && !ctx.ConnectionCanTurn)
            throw new KmipException(ResultReason.FeatureNotSupported,
                "over the HTTPS binding each request is its own exchange: the server cannot take the client role there; use the KMIP port (TLS)");
        if (role == EndpointRole.Client) ctx.ServerTakesClientRole = true;
        return Payload(TtlvNode.Enumeration(Tag.EndpointRole, role));
    }
}
