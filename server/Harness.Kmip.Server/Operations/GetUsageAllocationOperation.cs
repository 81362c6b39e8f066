using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Get Usage Allocation (KMIP 1.4 §4.18, 2.1 §6.1.26): the client takes an allocation of Usage Limits Count (in the
/// key's Usage Limits Unit) from a key that protects (a symmetric key, a private key or secret data with a Usage
/// Limits attribute), between its Activation Date and Protect Stop Date. The server counts the allocation off the
/// key's Usage Limits Count at once, as it counts the uses of Encrypt, Sign and MAC.
/// Result Reasons: Item Not Found (1.x) / Object Not Found (2.x); Invalid Object Type (2.x; Permission Denied in 1.x)
/// for an object that does not protect; Attribute Not Found (2.x; Item Not Found in 1.x) without Usage Limits; Usage
/// Limit Exceeded (2.x; Permission Denied in 1.x) for more than is left; Permission Denied (1.x) / Wrong Key Lifecycle
/// State (2.x) outside the protection period; Invalid Field for a count that is not positive.
/// </summary>
public sealed class GetUsageAllocationOperation : KmipOperation
{
    public override Operation Operation => Operation.GetUsageAllocation;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var v2 = ctx.Version.IsV2;
        var obj = ctx.Lookup(payload);
        if (obj.ObjectType is not (ObjectType.SymmetricKey or ObjectType.PrivateKey or ObjectType.SecretData))
            throw new KmipException(v2 ? ResultReason.InvalidObjectType : ResultReason.PermissionDenied, $"'{obj.Id}' is a {obj.ObjectType}: it does not apply protection, so its use is not allocated");
        var limits = obj.Get(AttributeNames.UsageLimits)
                     ?? throw AttributeEditing.NotFound(ctx, $"'{obj.Id}' has no Usage Limits: its use is not limited, so there is nothing to allocate");
        if (!Lifecycle.IsUsableForProtection(obj.State) || obj.Date(AttributeNames.ProtectStopDate) is { } stop && stop <= ctx.Now)
            throw AttributeEditing.WrongState(ctx, $"'{obj.Id}' is {obj.State}{(obj.State == State.Active ? " past its Protect Stop Date" : "")}: an allocation is given only while it may protect");
        long wanted = payload.Child(Tag.UsageLimitsCount)?.Number ?? 1;
        if (wanted <= 0) throw new KmipException(ResultReason.InvalidField, $"the Usage Limits Count asked for must be positive, not {wanted}");
        long total = limits.Child(Tag.UsageLimitsTotal)?.Number ?? 0;
        long left = limits.Child(Tag.UsageLimitsCount)?.Number ?? total;
        if (wanted > left)
            throw new KmipException(v2 ? ResultReason.UsageLimitExceeded : ResultReason.PermissionDenied,
                $"'{obj.Id}' has {left} of its {total} left in its Usage Limits; {wanted} were asked for");
        var edited = ctx.Edit(obj);
        edited.Set(AttributeNames.UsageLimits, CryptographicKeys.WithCount(limits, left - wanted));
        ctx.Touch(edited);
        return Payload(Id(obj.Id));
    }
}
