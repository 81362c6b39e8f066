using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Recover (KMIP 1.4 §4.23, 2.1 §6.1.43): an archived object back online (<see cref="ArchiveOperation"/>); recovering an
/// object that is not archived changes nothing. Result Reasons: Item Not Found (1.x) / Object Not Found (2.x).
/// </summary>
public sealed class RecoverOperation : KmipOperation
{
    public override Operation Operation => Operation.Recover;
    public override bool Changes => true;
    public override bool ServesArchived => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var obj = ctx.Lookup(payload);
        if (obj.Has(ArchiveOperation.ArchivedAttribute))
        {
            var edited = ctx.Edit(obj);
            edited.Remove(ArchiveOperation.ArchivedAttribute);
            ctx.Touch(edited);
        }
        return Payload(Id(obj.Id));
    }
}
