using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Archive (KMIP 1.4 §4.22, 2.1 §6.1.4): the client's word that the object may go to archive storage. This server
/// archives at once: the object keeps its attributes (Get Attributes, Get Attribute List and Locate still see it, with
/// the server attribute <see cref="ArchivedAttribute"/>), may be Destroyed, and answers Object Archived to every other
/// operation until <see cref="RecoverOperation"/>. Archiving an archived object changes nothing.
/// Result Reasons: Item Not Found (1.x) / Object Not Found (2.x).
/// </summary>
public sealed class ArchiveOperation : KmipOperation
{
    /// <summary>The mark of an archived object (a server custom attribute, KMIP 1.4 §3.39): when it was archived.</summary>
    public const string ArchivedAttribute = "y-Harness-ArchivedAt";

    public override Operation Operation => Operation.Archive;
    public override bool Changes => true;
    public override bool ServesArchived => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var obj = ctx.Lookup(payload);
        if (!obj.Has(ArchivedAttribute))
        {
            var edited = ctx.Edit(obj);
            edited.SetDate(ArchivedAttribute, ctx.Now);
            ctx.Touch(edited);
        }
        return Payload(Id(obj.Id));
    }
}
