using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server;

/// <summary>
/// The server's limits on what one client can make it hold or build (<see cref="KmipServerOptions"/>): the error they
/// answer (Server Limit Exceeded from KMIP 2.0; General Failure before it, which has no such reason), the check of an
/// object's attributes (and of all the client's) before a change that would grow them, and of a new object.
/// </summary>
public static class ServerLimits
{
    public static KmipException Exceeded(ProtocolVersion version, string message) =>
        new(version.IsV2 ? ResultReason.ServerLimitExceeded : ResultReason.GeneralFailure, message);

    /// <summary>
    /// Throws when <paramref name="obj"/>, with <paramref name="added"/> values added and <paramref name="replaced"/>
    /// values gone, would hold more attribute instances or bytes than the server allows.
    /// </summary>
    public static void CheckAttributes(RequestContext ctx, ManagedObject obj, IReadOnlyCollection<TtlvNode> added, IReadOnlyCollection<TtlvNode>? replaced = null)
    {
        var options = ctx.Kms.Options;
        int count = obj.Attributes.Count + added.Count - (replaced?.Count ?? 0);
        if (count > options.MaxAttributesPerObject)
            throw Exceeded(ctx.Version, $"the object would hold {count} attribute instances; this server allows {options.MaxAttributesPerObject} per object");
        long bytes = obj.Attributes.Sum(a => (long)TtlvWriter.EncodedLength(a.Value)) + added.Sum(v => (long)TtlvWriter.EncodedLength(v))
                     - (replaced?.Sum(v => (long)TtlvWriter.EncodedLength(v)) ?? 0);
        if (bytes > options.MaxAttributeBytesPerObject)
            throw Exceeded(ctx.Version, $"the object's attributes would take {bytes:N0} bytes; this server allows {options.MaxAttributeBytesPerObject:N0} per object");
        long clientBytes = ctx.ClientAttributeBytesWith(obj, bytes);
        if (clientBytes > options.MaxAttributeBytesPerClient)
            throw Exceeded(ctx.Version, $"this client's objects would hold {clientBytes:N0} bytes of attributes; this server allows {options.MaxAttributeBytesPerClient:N0} per client");
        ctx.NoteAttributeBytes(obj, bytes);
    }

    /// <summary>Throws when the client already holds as many objects (not destroyed) as the server allows, this message's new ones included.</summary>
    public static void CheckNewObject(RequestContext ctx)
    {
        int max = ctx.Kms.Options.MaxObjectsPerClient;
        long held = ctx.Kms.Store.UsageOf(ctx.Client.Id).Objects
                    + ctx.Changes.Staged.Count(o => o.Owner == ctx.Client.Id && ctx.Kms.Store.Find(o.Id) is null);
        if (held >= max)
            throw Exceeded(ctx.Version, $"this client holds {held:N0} objects that are not destroyed; this server allows {max:N0} per client (destroy some first)");
    }
}
