namespace Harness.Kmip.Server.Operations;

/// <summary>
/// One KMIP operation: it reads its request payload and returns its response payload, or throws a
/// <see cref="KmipException"/> with the Result Reason the spec gives for the failure.
/// </summary>
public abstract class KmipOperation
{
    public abstract Operation Operation { get; }

    /// <summary>True when the operation may change objects: it then runs under the store's write lock.</summary>
    public virtual bool Changes => false;

    /// <summary>Whether this request may change objects (a read can have a side effect, e.g. Get clears Fresh).</summary>
    public virtual bool MayChange(KmsState kms, TtlvNode payload) => Changes;

    /// <summary>Protocol versions that define the operation (Set Attribute, Log, Interop came with 2.0/2.1).</summary>
    public virtual ProtocolVersion Since => ProtocolVersion.V1_0;

    /// <summary>
    /// Whether the operation serves an archived object (reading its attributes, recovering or destroying it); any
    /// other answers Object Archived for it (<see cref="ArchiveOperation"/>).
    /// </summary>
    public virtual bool ServesArchived => false;

    /// <summary>
    /// Whether the server may answer the operation Operation Pending and run it later (<see cref="AsynchronousRequests"/>);
    /// false for the operations that deal with pending requests, whose answers are never asynchronous.
    /// </summary>
    public virtual bool MayRunAsynchronously => true;

    public abstract TtlvNode Execute(RequestContext ctx, TtlvNode payload);

    protected static TtlvNode Payload(params TtlvNode?[] children) => TtlvNode.Structure(Tag.ResponsePayload, children);

    protected static TtlvNode Payload(IEnumerable<TtlvNode?> children) => TtlvNode.Structure(Tag.ResponsePayload, children);

    protected static TtlvNode Id(string id) => TtlvNode.Text(Tag.UniqueIdentifier, id);
}
