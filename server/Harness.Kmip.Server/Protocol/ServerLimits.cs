using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server;

/// <summary>
/// The server's limits on what one client can make it hold or build (<see cref="KmipServerOptions"/>): the error they
/// answer (Server Limit Exceeded from KMIP 2.0; General Failure before it, which has no such reason), and the check of an
/// object's attributes before a change that would grow them.
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
    }
}
