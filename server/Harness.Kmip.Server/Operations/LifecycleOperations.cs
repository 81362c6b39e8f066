using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>Activate (KMIP 1.4 §4.19, 2.1 §6.1.1): Pre-Active → Active. Result Reasons: Item Not Found; Permission Denied (1.x) / Wrong Key Lifecycle State (2.x) when not Pre-Active.</summary>
public sealed class ActivateOperation : KmipOperation
{
    public override Operation Operation => Operation.Activate;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var obj = ctx.Lookup(payload);
        if (obj.State != State.PreActive)
            throw AttributeEditing.WrongState(ctx, $"only a Pre-Active object can be activated; '{obj.Id}' is {obj.State}");
        var edited = ctx.Edit(obj);
        edited.State = State.Active;
        edited.SetDate(AttributeNames.ActivationDate, ctx.Now);
        ctx.Touch(edited);
        return Payload(Id(obj.Id));
    }
}

/// <summary>
/// Revoke (KMIP 1.4 §4.20, 2.1 §6.1.47): with a compromise reason the object becomes Compromised, otherwise
/// Deactivated. Result Reasons: Item Not Found; Permission Denied (1.x) / Wrong Key Lifecycle State (2.x) for an
/// object that cannot be revoked (destroyed; Pre-Active without compromise).
/// </summary>
public sealed class RevokeOperation : KmipOperation
{
    public override Operation Operation => Operation.Revoke;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var obj = ctx.Lookup(payload);
        var reason = payload.Required(Tag.RevocationReason);
        var code = reason.Required(Tag.RevocationReasonCode).AsEnumOf<RevocationReasonCode>();
        bool compromise = code is RevocationReasonCode.KeyCompromise or RevocationReasonCode.CACompromise;
        if (Lifecycle.IsDestroyed(obj.State))
            throw AttributeEditing.WrongState(ctx, $"'{obj.Id}' is destroyed and cannot be revoked");
        var edited = ctx.Edit(obj);
        if (compromise)
        {
            if (obj.State != State.Compromised) edited.SetDate(AttributeNames.CompromiseDate, ctx.Now);
            var occurrence = payload.Child(Tag.CompromiseOccurrenceDate)?.AsDateTime ?? ctx.Now;
            edited.SetDate(AttributeNames.CompromiseOccurrenceDate, occurrence);
            edited.State = State.Compromised;
        }
        else
        {
            if (obj.State == State.Compromised)
                throw AttributeEditing.WrongState(ctx, $"'{obj.Id}' is Compromised; only a compromise reason applies");
            if (obj.State == State.Active)
            {
                edited.SetDate(AttributeNames.DeactivationDate, ctx.Now);
                edited.State = State.Deactivated;
            }
            else if (obj.State == State.PreActive)
            {
                edited.SetDate(AttributeNames.DeactivationDate, ctx.Now);
                edited.State = State.Deactivated;
            }
        }
        edited.Set(AttributeNames.RevocationReason, reason.WithTag(Tag.AttributeValue));
        ctx.Touch(edited);
        return Payload(Id(obj.Id));
    }
}

/// <summary>
/// Destroy (KMIP 1.4 §4.21, 2.1 §6.1.15): the key material is removed for good; the attributes stay with state
/// Destroyed (or Destroyed Compromised). Result Reasons: Item Not Found; Permission Denied (1.x) / Wrong Key Lifecycle
/// State (2.x) for an Active object; Object Destroyed (2.x) when already destroyed.
/// </summary>
public sealed class DestroyOperation : KmipOperation
{
    public override Operation Operation => Operation.Destroy;
    public override bool ServesArchived => true;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var obj = ctx.Lookup(payload);
        if (obj.State == State.Active)
            throw AttributeEditing.WrongState(ctx, $"'{obj.Id}' is Active: revoke it before destroying it");
        if (Lifecycle.IsDestroyed(obj.State) && obj.Value is null)
            throw ctx.Version.IsV2
                ? new KmipException(ResultReason.ObjectDestroyed, $"'{obj.Id}' is already destroyed")
                : new KmipException(ResultReason.PermissionDenied, $"'{obj.Id}' is already destroyed");
        var edited = ctx.Edit(obj);
        edited.State = obj.State == State.Compromised ? State.DestroyedCompromised : State.Destroyed;
        edited.SetDate(AttributeNames.DestroyDate, ctx.Now);
        edited.Remove(Administration.RestorableAttribute);
        edited.Value = null;
        ctx.Touch(edited);
        return Payload(Id(obj.Id));
    }
}

/// <summary>
/// Check (KMIP 1.4 §4.10, 2.1 §6.1.5): may the object be used with the given usage mask, usage count, lease time?
/// Result Reasons: Item Not Found; Permission Denied (1.x) / Incompatible Cryptographic Usage Mask (2.x).
/// </summary>
public sealed class CheckOperation : KmipOperation
{
    public override Operation Operation => Operation.Check;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var obj = ctx.Lookup(payload);
        if (payload.Child(Tag.CryptographicUsageMask) is { } maskNode)
        {
            uint wanted = (uint)maskNode.AsInt32;
            uint have = (uint)(obj.Get(AttributeNames.CryptographicUsageMask)?.AsInt32 ?? 0);
            if ((have & wanted) != wanted)
                throw new KmipException(ctx.Version.IsV2 ? ResultReason.IncompatibleCryptographicUsageMask : ResultReason.PermissionDenied,
                    $"the object's usage mask does not allow {EnumNames.MaskText((int)Tag.CryptographicUsageMask, wanted & ~have, " ")}");
        }
        return Payload(Id(obj.Id));
    }
}

/// <summary>
/// Re-key (KMIP 1.4 §4.4, 2.1 §6.1.45): a new symmetric key replacing an existing one; the names move to the new key
/// and the two are linked (Replacement Key / Replaced Key). Result Reasons: Item Not Found; Permission Denied (not a
/// symmetric key); Illegal Operation (Offset without an Activation Date); Key Value Not Present (destroyed key).
/// </summary>
public sealed class ReKeyOperation : KmipOperation
{
    public override Operation Operation => Operation.ReKey;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var old = ctx.Lookup(payload);
        if (old.ObjectType != ObjectType.SymmetricKey)
            throw new KmipException(ResultReason.PermissionDenied, $"'{old.Id}' is a {old.ObjectType}; Re-key applies to symmetric keys");
        if (old.Value is null) throw new KmipException(ResultReason.KeyValueNotPresent, $"'{old.Id}' has no key material (destroyed)");
        var offset = payload.Child(Tag.Offset)?.AsInterval;
        var given = ctx.RequestAttributes(payload.Child(ctx.Version.IsV2 ? Tag.Attributes : Tag.TemplateAttribute));
        var (edited, carried) = TakeOver(ctx, old, given);
        var fresh = CreateOperation.Build(ctx, carried);
        Replaces(ctx, old, edited, fresh, given, offset);
        ctx.Touch(edited);
        ctx.AddNew(fresh);
        ctx.IdPlaceholder = fresh.Id;
        return Payload(Id(fresh.Id));
    }

    /// <summary>
    /// What a replacement key takes from <paramref name="old"/> (Re-key, Re-key Key Pair): its algorithm, length, usage
    /// mask, parameters, groups, contact and application information and custom attributes unless <paramref name="given"/>
    /// names them, then the given attributes, then the old key's Names, which it loses (KMIP 2.1 Tables 305, 309).
    /// </summary>
    internal static (ManagedObject Edited, List<StoredAttribute> Carried) TakeOver(RequestContext ctx, ManagedObject old, IReadOnlyList<StoredAttribute> given)
    {
        var copied = old.Attributes.Where(a => a.FullName is AttributeNames.CryptographicAlgorithm or AttributeNames.CryptographicLength
            or AttributeNames.CryptographicUsageMask or AttributeNames.CryptographicParameters or AttributeNames.CryptographicDomainParameters
            or AttributeNames.ObjectGroup or AttributeNames.ContactInformation or AttributeNames.ApplicationSpecificInformation || a.IsCustom && a.Vendor != "y")
            .Where(a => !given.Any(g => g.FullName == a.FullName));
        var names = old.All(AttributeNames.Name).ToList();
        var edited = ctx.Edit(old);
        edited.Remove(AttributeNames.Name);
        return (edited, copied.Concat(given).Concat(names).ToList());
    }

    /// <summary>
    /// The replacement's dates (KMIP 1.4 §4.4 Table 172: without an Offset it takes the old key's dates; with one, its
    /// Activation Date is now + Offset and the other dates keep their distance from it) and the Replaced / Replacement
    /// Object Links between the two.
    /// </summary>
    internal static void Replaces(RequestContext ctx, ManagedObject old, ManagedObject edited, ManagedObject fresh, IReadOnlyList<StoredAttribute> given, uint? offset)
    {
        var activation = old.Date(AttributeNames.ActivationDate);
        if (offset is not null && activation is null)
            throw new KmipException(ResultReason.IllegalOperation, $"an Offset needs an Activation Date on the existing key '{old.Id}'");
        var newActivation = offset is { } off ? ctx.Now.AddSeconds(off) : activation;
        if (newActivation is { } na && !given.Any(g => g.FullName == AttributeNames.ActivationDate))
        {
            fresh.SetDate(AttributeNames.ActivationDate, na);
            foreach (var dateName in new[] { AttributeNames.ProcessStartDate, AttributeNames.ProtectStopDate, AttributeNames.DeactivationDate })
                if (old.Date(dateName) is { } d && !given.Any(g => g.FullName == dateName))
                    fresh.SetDate(dateName, na + (d - activation!.Value));
            Lifecycle.ApplyDueTransitions(fresh, ctx.Now);
        }
        fresh.Add(AttributeNames.Link, ObjectFactory.Link(LinkType.ReplacedObjectLink, old.Id));
        edited.Add(AttributeNames.Link, ObjectFactory.Link(LinkType.ReplacementObjectLink, fresh.Id));
    }
}
