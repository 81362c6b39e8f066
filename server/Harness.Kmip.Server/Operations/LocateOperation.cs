using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Locate (KMIP 1.4 §4.9, 2.1 §6.1.27): the identifiers of the client's objects that match every given attribute
/// (object type, name, state, algorithm, custom attributes, ...; a date attribute given twice is a range), most recently
/// created first, after Offset Items, at most Maximum Items. Destroyed objects are found only when State is asked for;
/// archived ones only when the Storage Status Mask asks for Archival Storage (on-line objects alone when it is absent);
/// within an Object Group, the fresh members or the default one (Object Group Member).
/// Result Reasons: Invalid Field (attributes the server does not know, Object Group Member without an Object Group).
/// </summary>
public sealed class LocateOperation : KmipOperation
{
    public override Operation Operation => Operation.Locate;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        int? max = payload.Child(Tag.MaximumItems)?.AsInt32;
        int offset = payload.Child(Tag.OffsetItems)?.AsInt32 ?? 0;
        if (max < 0 || offset < 0) throw new KmipException(ResultReason.InvalidField, "Maximum Items and Offset Items must not be negative");
        var criteria = ctx.Version.IsV2
            ? AttributeCodec.FromRequest(payload.Child(Tag.Attributes), ctx.Version)
            : payload.ChildrenOf(Tag.Attribute).Select(AttributeCodec.FromAttributeStructure).ToList();
        foreach (var c in criteria)
            if (!AttributeNames.IsKnown(c.FullName))
                throw new KmipException(ResultReason.InvalidField, $"'{c.FullName}' is not an attribute this server knows");
        bool stateAsked = criteria.Any(c => c.FullName == AttributeNames.State);
        // Storage Status Mask: on-line objects, archived ones (Archive), or both; on-line when not given.
        var storage = (StorageStatusMask)(uint)(payload.Child(Tag.StorageStatusMask)?.AsInt32 ?? (int)StorageStatusMask.OnLineStorage);
        var groups = criteria.GroupBy(c => c.FullName).ToList();

        // A Name with a Name Value narrows the search to the objects the name index lists; otherwise every object.
        var byName = groups.FirstOrDefault(g => g.Key == AttributeNames.Name)?.Select(c => c.Value.Child(Tag.NameValue))
            .FirstOrDefault(v => v is { Type: ItemType.TextString })?.AsText;
        var candidates = byName is null ? ctx.Changes.All : ctx.Changes.MaybeNamed(ctx.Client.Id, byName);
        var matches = candidates
            .Where(o => o.Owner == ctx.Client.Id)
            .Where(o => ctx.Rights is null || ctx.Rights.Allows(Operation.Locate, o.Id, o.All(AttributeNames.ObjectGroup).Select(g => g.Value.AsText)))
            .Select(o => Lifecycle.WithDueTransitions(o, ctx.Now))
            .Where(o => stateAsked || !Lifecycle.IsDestroyed(o.State))
            .Where(o => storage.HasFlag(o.Has(ArchiveOperation.ArchivedAttribute) ? StorageStatusMask.ArchivalStorage : StorageStatusMask.OnLineStorage))
            .Where(o => groups.All(g => Matches(o, g.Key, g.ToList())))
            .OrderByDescending(o => o.Date(AttributeNames.InitialDate))
            .ThenByDescending(o => o.Sequence)
            .ToList();
        matches = GroupMembers(payload, groups, matches);
        // The server returns at most MaxLocateItems identifiers; Located Items (sent whenever it cut) counts them all.
        int limit = ctx.Kms.Options.MaxLocateItems;
        var page = matches.Skip(offset).Take(Math.Min(max ?? int.MaxValue, limit)).Select(o => Id(o.Id)).ToList();
        bool cut = matches.Count - offset > limit && (max ?? int.MaxValue) > limit;
        if (page.Count > 0) ctx.IdPlaceholder = page[0].AsText;
        // Located Items (1.3+) is optional; it is sent when the client pages (Maximum Items or Offset Items), where it helps.
        bool withCount = ctx.Version >= ProtocolVersion.V1_3 && (max is not null || offset > 0 || cut);
        return Payload(new[] { withCount ? TtlvNode.Integer(Tag.LocatedItems, matches.Count) : null }.Concat(page));
    }

    /// <summary>
    /// Object Group Member (KMIP 1.4 §4.9, with an Object Group): Group Member Fresh keeps the group's objects no client
    /// has been served yet (Fresh; Get serves one); Group Member Default gives the group's default object, by this
    /// server's policy its newest Active object (else its newest). Invalid Field without an Object Group to apply it to.
    /// </summary>
    private static List<ManagedObject> GroupMembers(TtlvNode payload, List<IGrouping<string, StoredAttribute>> criteria, List<ManagedObject> matches)
    {
        if (payload.Child(Tag.ObjectGroupMember) is not { } member) return matches;
        if (!criteria.Any(g => g.Key == AttributeNames.ObjectGroup))
            throw new KmipException(ResultReason.InvalidField, "Object Group Member selects within an Object Group: give the Object Group too");
        return member.AsEnumOf<ObjectGroupMember>() switch
        {
            ObjectGroupMember.GroupMemberFresh => matches.Where(o => o.Get(AttributeNames.Fresh) is { Type: ItemType.Boolean, AsBoolean: true }).ToList(),
            _ => matches.OrderByDescending(o => o.State == State.Active).Take(1).ToList(), // matches are newest first
        };
    }

    private static bool Matches(ManagedObject o, string name, List<StoredAttribute> wanted)
    {
        var have = o.All(name).Select(a => a.Value).ToList();
        if (have.Count == 0) return false;
        // Two instances of a date attribute select a range (KMIP 1.4 §4.9).
        if (wanted.Count == 2 && wanted.All(w => w.Value.Type == ItemType.DateTime))
        {
            var lo = Math.Min(wanted[0].Value.Number, wanted[1].Value.Number);
            var hi = Math.Max(wanted[0].Value.Number, wanted[1].Value.Number);
            return have.Any(h => h.Type == ItemType.DateTime && h.Number >= lo && h.Number <= hi);
        }
        bool isMask = name is AttributeNames.CryptographicUsageMask or "Storage Status Mask" or AttributeNames.ProtectionStorageMask;
        return wanted.All(w => have.Any(h => ValueMatches(h, w.Value, isMask)));
    }

    private static bool ValueMatches(TtlvNode have, TtlvNode want, bool isMask = false)
    {
        if (have.ValueEquals(want)) return true;
        // A structure given with some of its fields (a Name without Name Type, a Link without its type) matches on those.
        if (have.Type == ItemType.Structure && want.Type == ItemType.Structure)
            return want.Items.All(w => have.ChildrenOf(w.Tag).Any(h => ValueMatches(h, w)));
        // A usage mask matches objects whose mask has at least those bits (KMIP 1.4 §4.9).
        if (have.Type == ItemType.Integer && want.Type == ItemType.Integer && isMask)
            return ((uint)have.AsInt32 & (uint)want.AsInt32) == (uint)want.AsInt32;
        return false;
    }
}
